import { randomUUID } from 'node:crypto';
import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'libqp';
import { normaliseAddress } from './email-address.ts';
import { encodeWords, headerDate, headerLine, mailbox } from './mime-header.ts';
import { sanitiseSubject } from './sanitise-text.ts';
import { projectAddressFor, replyAddressFor } from './project-address.ts';

export interface ReplyInput {
  projectId: string;
  userId: string;
  domain: string;
  threadId: string;
  /** The bare address to answer (the inbound From). */
  to: string;
  /** The subject of the message answered; sanitised again here. */
  subject: string;
  /** Message-ID of the message answered, without brackets. */
  inReplyTo?: string;
  /** References of the message answered, without brackets. */
  references?: readonly string[];
  text: string;
  /** Display name on the From line. Default `intake`. */
  fromName?: string;
  /** Give one (e.g. derived from the job id) to make the reply's Message-ID deterministic. */
  messageId?: string;
  date?: Date;
}

const MAX_REFERENCES = 20;

/**
 * A reply as raw MIME: from the project address, Reply-To the thread address (so the thread survives
 * mail clients that drop custom headers), threaded by In-Reply-To/References, marked
 * `Auto-Submitted: auto-replied` so that other robots do not answer it. One text/plain part in UTF-8,
 * quoted-printable (libqp); every header value is one line (mime-header.ts refuses CR and LF).
 */
export async function composeReply(input: ReplyInput): Promise<Uint8Array> {
  const to = normaliseAddress(input.to);
  if (!to) throw new TypeError('composeReply: "to" must be a bare address');
  const subject = sanitiseSubject(input.subject);
  const inReplyTo =
    input.inReplyTo !== undefined && isMessageId(input.inReplyTo) ? input.inReplyTo : undefined;
  const references = [...(input.references ?? []), ...(inReplyTo ? [inReplyTo] : [])].filter(isMessageId);
  // Keep the root (it names the thread) and the most recent ones.
  const trimmed =
    references.length > MAX_REFERENCES
      ? [references[0] ?? '', ...references.slice(-(MAX_REFERENCES - 1))]
      : references;
  const from = projectAddressFor(input.projectId, input.userId, input.domain);
  const messageId =
    input.messageId && isMessageId(input.messageId) ? input.messageId : `${randomUUID()}@${input.domain}`;
  const headers: [string, string][] = [
    ['From', mailbox(from, sanitiseSubject(input.fromName ?? 'intake', 64))],
    ['To', mailbox(to)],
    ['Reply-To', mailbox(replyAddressFor(input.projectId, input.userId, input.threadId, input.domain))],
    ['Subject', encodeWords(/^re:/i.test(subject) ? subject : `Re: ${subject}`.trimEnd())],
    ...(inReplyTo ? [['In-Reply-To', `<${inReplyTo}>`] as [string, string]] : []),
    ...(trimmed.length > 0
      ? [['References', trimmed.map((id) => `<${id}>`).join(' ')] as [string, string]]
      : []),
    ['Message-ID', `<${messageId}>`],
    ['Date', headerDate(input.date ?? new Date())],
    ['Auto-Submitted', 'auto-replied'],
    ['X-Auto-Response-Suppress', 'All'],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Transfer-Encoding', 'quoted-printable'],
  ];
  const body = wrapQuotedPrintable(encodeQuotedPrintable(input.text.replace(/\r\n|\r|\n/g, '\r\n')), 76);
  const message = [...headers.map(([name, value]) => headerLine(name, value)), '', body].join('\r\n');
  return new TextEncoder().encode(message);
}

/** Printable ASCII without brackets or spaces: safe between `<` and `>` in a header. */
function isMessageId(id: string): boolean {
  return /^[!-;=?-~]{1,250}$/.test(id);
}
