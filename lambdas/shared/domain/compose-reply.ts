import MailComposer from 'nodemailer/lib/mail-composer';
import { normaliseAddress } from './email-address.ts';
import { sanitiseSubject } from './sanitise-text.ts';
import { projectAddressFor, replyAddressFor } from './thread-id.ts';

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
 * `Auto-Submitted: auto-replied` so that other robots do not answer it.
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
  const composer = new MailComposer({
    from: {
      name: sanitiseSubject(input.fromName ?? 'intake', 64),
      address: projectAddressFor(input.projectId, input.userId, input.domain),
    },
    to: { name: '', address: to },
    replyTo: replyAddressFor(input.projectId, input.userId, input.threadId, input.domain),
    subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`.trimEnd(),
    inReplyTo: inReplyTo && `<${inReplyTo}>`,
    references: trimmed.map((id) => `<${id}>`),
    text: input.text,
    messageId: input.messageId && isMessageId(input.messageId) ? `<${input.messageId}>` : undefined,
    date: input.date,
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  });
  const message = await composer.compile().build();
  return new Uint8Array(message.buffer, message.byteOffset, message.length);
}

/** Printable ASCII without brackets or spaces: safe between `<` and `>` in a header. */
function isMessageId(id: string): boolean {
  return /^[!-;=?-~]{1,250}$/.test(id);
}
