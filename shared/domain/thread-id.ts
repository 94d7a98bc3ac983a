import { createHash } from 'node:crypto';
import { splitAddress } from './email-address.ts';

/** A thread id: `t` and 24 hex characters (96 bits of a SHA-256). */
export const THREAD_TOKEN_PATTERN = /^t[0-9a-f]{24}$/;

/** The thread id of a thread whose first message has this Message-ID (brackets and case ignored). */
export function threadIdOf(rootMessageId: string): string {
  const normalised = rootMessageId.trim().replace(/^<|>$/g, '').toLowerCase();
  return `t${createHash('sha256').update(normalised, 'utf8').digest('hex').slice(0, 24)}`;
}

/**
 * The thread token carried in an address's sub-address (`local+t…@domain`), if any. The system's
 * replies put it in their Reply-To, because mail clients keep addresses but drop custom headers.
 */
export function threadTokenFromAddress(address: string): string | undefined {
  const parts = splitAddress(address);
  if (!parts) return undefined;
  const plus = parts.local.indexOf('+');
  if (plus < 0) return undefined;
  const tag = parts.local.slice(plus + 1);
  return THREAD_TOKEN_PATTERN.test(tag) ? tag : undefined;
}
