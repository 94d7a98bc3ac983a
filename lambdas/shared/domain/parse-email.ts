import { createHash } from 'node:crypto';
import EmailReplyParser from 'email-reply-parser';
import { simpleParser, type AddressObject, type EmailAddress, type ParsedMail } from 'mailparser';
import { sanitiseAttachmentName, sanitiseContentType, uniqueNames } from './attachment-name.ts';
import { detectAutoReply } from './auto-reply.ts';
import { normaliseAddress, splitAddress } from './email-address.ts';
import { firstHeader, readHeaderBlock } from './header-block.ts';
import type { InboundAttachment, InboundEmail } from './inbound-email.ts';
import { cleanBodyText, DEFAULT_MAX_SUBJECT_LENGTH, sanitiseSubject } from './sanitise-text.ts';
import { derivedMessageId, messageIdsIn } from './message-id.ts';
import { readSesBlock } from './ses-verdicts.ts';
import { threadIdOf, threadTokenFromAddress } from './thread-id.ts';

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
  const parsed = await simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
  });
  const ses = readSesBlock(block.headers);
  const header = (name: string): string | undefined => firstHeader(block.headers, name)?.value;

  const ownId = messageIdsIn(header('message-id'))[0];
  const sesEnd = ses.headers.at(-1)?.end ?? 0;
  const messageId = ownId ?? derivedMessageId(raw.subarray(sesEnd));
  if (!ownId) warnings.push('no usable Message-ID; derived one from the content');
  const references = messageIdsIn(header('references')).slice(0, MAX_REFERENCES);
  const inReplyTo = messageIdsIn(header('in-reply-to'))[0];

  const senders = entriesOf(parsed.from);
  const fromFields = block.headers.filter((field) => field.name === 'from').length;
  const fromCount = fromFields > 1 ? fromFields : senders.length;
  const from = fromCount === 1 ? normaliseAddress(senders[0]?.address ?? '') : undefined;
  // Routing follows the envelope SES recorded, never To/Cc, which say whatever the sender wrote.
  const recipients = unique(ses.envelopeRecipients);

  const maxSubject = options.maxSubjectLength ?? DEFAULT_MAX_SUBJECT_LENGTH;
  const subject = sanitiseSubject(parsed.subject ?? '', maxSubject);
  if (Array.from(parsed.subject ?? '').length > maxSubject)
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
      fromDisplayName: displayNameOf(parsed.from),
      recipients,
      subject,
      date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : undefined,
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

function flatten(list: readonly EmailAddress[]): EmailAddress[] {
  return list.flatMap((entry) => (entry.group ? flatten(entry.group) : [entry]));
}

function entriesOf(field: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  if (!field) return [];
  return flatten((Array.isArray(field) ? field : [field]).flatMap((object) => object.value));
}

function displayNameOf(field: AddressObject | undefined): string | undefined {
  const name = sanitiseSubject(entriesOf(field)[0]?.name ?? '', 200);
  return name === '' ? undefined : name;
}

function threadTokenIn(recipients: readonly string[], domain: string | undefined): string | undefined {
  for (const recipient of recipients) {
    if (domain !== undefined && splitAddress(recipient)?.domain !== domain.toLowerCase()) continue;
    const token = threadTokenFromAddress(recipient);
    if (token) return token;
  }
  return undefined;
}

function bodyText(parsed: ParsedMail, maxLength: number, warnings: string[]): string {
  const original = parsed.text ?? '';
  if (!parsed.text && typeof parsed.html === 'string')
    warnings.push('no text part; text taken from the HTML');
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

function attachmentsOf(parsed: ParsedMail): InboundAttachment[] {
  const attachments = parsed.attachments.map((attachment, index): InboundAttachment => {
    const contentType = sanitiseContentType(attachment.contentType);
    const content = new Uint8Array(
      attachment.content.buffer,
      attachment.content.byteOffset,
      attachment.content.length,
    );
    return {
      filename: sanitiseAttachmentName(attachment.filename, index, contentType),
      originalFilename: attachment.filename,
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
