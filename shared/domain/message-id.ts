import { createHash } from 'node:crypto';
import { firstHeader, readHeaderBlock } from './header-block.ts';
import { readSesBlock } from './ses-verdicts.ts';

const MAX_MESSAGE_ID_LENGTH = 250;

/** The `<id>` tokens of a Message-ID, In-Reply-To or References value, brackets removed. */
export function messageIdsIn(value: string | undefined): string[] {
  if (value === undefined) return [];
  const ids = [...value.matchAll(/<([^<>\s]+)>/g)].map((match) => match[1] ?? '');
  const candidates = ids.length > 0 ? ids : [value.trim()];
  // Printable ASCII without brackets: ids end up in headers and in execution-name hashes.
  return candidates.filter((id) => id.length <= MAX_MESSAGE_ID_LENGTH && /^[!-;=?-~]+$/.test(id));
}

/** Hashes the message as the sender sent it (without SES's prepended fields), so redeliveries agree. */
export function derivedMessageId(content: Uint8Array): string {
  return `${createHash('sha256').update(content).digest('hex')}@derived.intake.invalid`;
}

/**
 * The message id `parseEmail` would report, read from the header block alone (no MIME parsing), so
 * the intake can name an execution cheaply: the Message-ID, else a hash of the sender's message.
 */
export function messageIdOf(raw: Uint8Array): string {
  return storedEmailIdentity(raw).messageId;
}

/** What names a stored email's execution. */
export interface StoredEmailIdentity {
  messageId: string;
  /**
   * SHA-256 of the sender's message (without SES's prepended fields, which differ per delivery) and
   * of what SES found about it (verdicts, the domains they vouch for, the envelope recipients). A
   * redelivery of the same message agrees; another message reusing the Message-ID (a squatter's,
   * or the same bytes from an unauthenticated sender) does not.
   */
  fingerprint: string;
}

export function storedEmailIdentity(raw: Uint8Array): StoredEmailIdentity {
  const block = readHeaderBlock(raw);
  const ses = readSesBlock(block.headers);
  const content = raw.subarray(ses.headers.at(-1)?.end ?? 0);
  const own = messageIdsIn(firstHeader(block.headers, 'message-id')?.value)[0];
  const findings = JSON.stringify([ses.verdicts, ses.passing, ses.envelopeRecipients]);
  const fingerprint = createHash('sha256').update(findings).update('\n').update(content).digest('hex');
  return { messageId: own ?? derivedMessageId(content), fingerprint };
}
