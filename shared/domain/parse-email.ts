import { createHash } from 'node:crypto';
import EmailReplyParser from 'email-reply-parser';
import PostalMime, { addressParser, type Attachment, type Email, type Mailbox } from 'postal-mime';
import { sanitiseAttachmentName, sanitiseContentType, uniqueNames } from './attachment-name.ts';
import { detectAutoReply } from './auto-reply.ts';
import { normaliseAddress, splitAddress } from './email-address.ts';
import { firstHeader, readHeaderBlock } from './header-block.ts';
import { textOfHtml } from './html-text.ts';
import type { InboundAttachment, InboundEmail } from './inbound-email.ts';
import { cleanBodyText, DEFAULT_MAX_SUBJECT_LENGTH, sanitiseSubject } from './sanitise-text.ts';
import { derivedMessageId, messageIdsIn } from './message-id.ts';
import { readSesBlock } from './ses-verdicts.ts';
import { threadIdOf, threadTokenFromAddress } from './thread-id.ts';
import { readC1AsWindows1252 } from './windows-1252.ts';

export interface ParseOptions {
  /** Longer subjects are cut to this many characters. Default 200. */
  maxSubjectLength?: number;
  /** Body text beyond this many characters is cut before reply parsing. Default 1,000,000. */
  maxTextLength?: number;
  /** When set, only recipients on this domain may carry a thread token. */
  domain?: string;
}

export type ParseResult =
  | { ok: true; email: InboundEmail }
  /** `too-large`: the stored object was over the reader's limit and was not read. */
  | { ok: false; reason: 'unparseable' | 'too-large'; detail: string };

export const DEFAULT_MAX_TEXT_LENGTH = 1_000_000;
const MAX_REFERENCES = 100;
const MAX_REPLY_PARSED_LINE = 100_000;

/** Raw MIME bytes → a normalised inbound email. Never throws: anything it cannot read is `unparseable`. */
export async function parseEmail(raw: Uint8Array, options: ParseOptions = {}): Promise<ParseResult> {
  try {
    return await parse(raw, options);
  } catch (error) {
    return { ok: false, reason: 'unparseable', detail: `parse failed: ${String(error).slice(0, 200)}` };
  }
}

async function parse(raw: Uint8Array, options: ParseOptions): Promise<ParseResult> {
  if (raw.length === 0) return { ok: false, reason: 'unparseable', detail: 'the message is empty' };
  const block = readHeaderBlock(raw);
  if (block.headers.length === 0) {
    return { ok: false, reason: 'unparseable', detail: 'the message does not start with a header field' };
  }
  const warnings: string[] = [];
  const parsed = await PostalMime.parse(raw, {
    // A forwarded message/rfc822 part is an attachment unless it says `Content-Disposition: inline`.
    rfc822Attachments: true,
    attachmentEncoding: 'arraybuffer',
  });
  const ses = readSesBlock(block.headers);
  const header = (name: string): string | undefined => firstHeader(block.headers, name)?.value;

  const ownId = messageIdsIn(header('message-id'))[0];
  const sesEnd = ses.headers.at(-1)?.end ?? 0;
  const messageId = ownId ?? derivedMessageId(raw.subarray(sesEnd));
  if (!ownId) warnings.push('no usable Message-ID; derived one from the content');
  const references = messageIdsIn(header('references')).slice(0, MAX_REFERENCES);
  const inReplyTo = messageIdsIn(header('in-reply-to'))[0];

  const senders = mailboxesOf(parsed);
  const fromFields = block.headers.filter((field) => field.name === 'from').length;
  const fromCount = fromFields > 1 ? fromFields : senders.length;
  const from = fromCount === 1 ? normaliseAddress(senders[0]?.address ?? '') : undefined;
  // Routing follows the envelope SES recorded, never To/Cc, which say whatever the sender wrote.
  const recipients = unique(ses.envelopeRecipients);

  const maxSubject = options.maxSubjectLength ?? DEFAULT_MAX_SUBJECT_LENGTH;
  const decodedSubject = readC1AsWindows1252(parsed.subject ?? '');
  const subject = sanitiseSubject(decodedSubject, maxSubject);
  if (Array.from(decodedSubject).length > maxSubject)
    warnings.push(`subject cut to ${maxSubject} characters`);

  const text = bodyText(parsed, options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH, warnings);
  const rootId = references[0] ?? inReplyTo;
  const token = threadTokenIn(recipients, options.domain);
  if (boundaryMissing(raw, block.bodyStart, header('content-type'))) {
    warnings.push('the multipart boundary never occurs in the body');
  }

  return {
    ok: true,
    email: {
      messageId,
      messageIdWasDerived: !ownId,
      threadId: rootId ? threadIdOf(rootId) : (token ?? threadIdOf(messageId)),
      inReplyTo,
      references,
      from,
      fromCount,
      fromDisplayName: displayNameOf(senders[0]),
      recipients,
      subject,
      date: dateOf(parsed.date),
      text,
      instruction: instructionOf(text, subject),
      attachments: attachmentsOf(parsed),
      verdicts: ses.verdicts,
      passing: ses.passing,
      autoReply: detectAutoReply(block.headers, from ?? header('from')),
      size: raw.length,
      warnings,
    },
  };
}

/** The mailboxes of the first From field, groups opened (the parser's `from` keeps only the first). */
function mailboxesOf(parsed: Email): Mailbox[] {
  const field = parsed.headers.find((header) => header.key === 'from');
  if (!field) return [];
  return addressParser(field.value, { flatten: true }).filter(
    (address): address is Mailbox => address.address !== undefined,
  );
}

function displayNameOf(sender: Mailbox | undefined): string | undefined {
  const name = sanitiseSubject(readC1AsWindows1252(sender?.name ?? ''), 200);
  return name === '' ? undefined : name;
}

function dateOf(value: string | undefined): string | undefined {
  const date = value === undefined ? undefined : new Date(value);
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

function threadTokenIn(recipients: readonly string[], domain: string | undefined): string | undefined {
  for (const recipient of recipients) {
    if (domain !== undefined && splitAddress(recipient)?.domain !== domain.toLowerCase()) continue;
    const token = threadTokenFromAddress(recipient);
    if (token) return token;
  }
  return undefined;
}

function bodyText(parsed: Email, maxLength: number, warnings: string[]): string {
  const fromHtml = !parsed.text && parsed.html !== undefined;
  if (fromHtml) warnings.push('no text part; text taken from the HTML');
  const original = readC1AsWindows1252((fromHtml ? textOfHtml(parsed.html ?? '') : parsed.text) ?? '');
  let text = cleanBodyText(original);
  if (text.length !== original.replace(/\r\n?/g, '\n').length)
    warnings.push('control characters removed from the text');
  if (text.length > maxLength) {
    text = text.slice(0, maxLength);
    warnings.push(`text cut to ${maxLength} characters`);
  }
  return text.trim();
}

const FORWARD_SUBJECT = /^\s*(?:fwd?|wg|tr)\s*:/i;
const FORWARD_MARKER = /^(?:-+ ?Forwarded message ?-+|Begin forwarded message:)\s*$/im;

/**
 * The new text of a reply: quoted history and signature dropped. A forward is kept whole: the
 * forwarded message is the spec, not history to cut.
 */
function instructionOf(text: string, subject: string): string {
  if (FORWARD_SUBJECT.test(subject) || FORWARD_MARKER.test(text)) return text;
  // The reply parser takes seconds on a megabyte-long line; admission refuses such a line anyway
  // (`maxLineChars` is at most this), so it is kept whole rather than parsed.
  if (text.split('\n').some((line) => line.length > MAX_REPLY_PARSED_LINE)) return text;
  // The leading newline lets the parser see a signature delimiter on the very first line.
  return new EmailReplyParser().read(`\n${text}`).getVisibleText().trim();
}

function attachmentsOf(parsed: Email): InboundAttachment[] {
  const attachments = parsed.attachments.map((attachment, index): InboundAttachment => {
    const contentType = sanitiseContentType(attachment.mimeType);
    const content = bytesOf(attachment);
    const originalFilename =
      attachment.filename === null ? undefined : readC1AsWindows1252(attachment.filename);
    return {
      filename: sanitiseAttachmentName(originalFilename, index, contentType),
      originalFilename,
      contentType,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
    };
  });
  const names = uniqueNames(attachments.map((attachment) => attachment.filename));
  return attachments.map((attachment, index) => ({
    ...attachment,
    filename: names[index] ?? attachment.filename,
  }));
}

function bytesOf({ content, encoding }: Attachment): Uint8Array {
  if (typeof content === 'string') return Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8');
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

function boundaryMissing(raw: Uint8Array, bodyStart: number, contentType: string | undefined): boolean {
  const boundary = /^\s*multipart\/[^;]*;.*?\bboundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(
    contentType ?? '',
  );
  const value = boundary?.[1] ?? boundary?.[2];
  if (value === undefined) return false;
  return !Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).includes(`--${value}`, bodyStart, 'latin1');
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
