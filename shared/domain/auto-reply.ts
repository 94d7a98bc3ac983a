import { splitAddress } from './email-address.ts';
import { firstHeader, type RawHeader } from './header-block.ts';
import type { AutoReplyKind } from './inbound-email.ts';

const AUTOMATED_SENDERS = new Set(['mailer-daemon', 'postmaster']);
/** Mailboxes that do not read replies; answering them only adds to someone's bounce pile. */
const NO_REPLY_SENDERS = new Set(['noreply', 'no-reply', 'donotreply', 'do-not-reply', 'bounce', 'bounces']);

/** The local part without its `+tag` sub-address: `postmaster+x` is still the postmaster. */
const baseLocalPart = (local: string): string => local.split('+', 1)[0] ?? local;

/** Whether an address belongs to a machine (postmaster, mailer-daemon, no-reply, …), tags ignored. */
export function isAutomatedAddress(address: string): boolean {
  const parts = splitAddress(address);
  if (!parts) return true;
  const base = baseLocalPart(parts.local);
  return AUTOMATED_SENDERS.has(base) || NO_REPLY_SENDERS.has(base);
}
const BULK_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);
const BOUNCE_KINDS: ReadonlySet<AutoReplyKind> = new Set(['delivery-report', 'mailer-daemon', 'null-sender']);

/**
 * Whether a message was sent by a machine rather than a person (RFC 3834 and common practice).
 * Answering one risks a mail loop, so such messages are ignored, never answered.
 */
export function detectAutoReply(
  headers: readonly RawHeader[],
  from: string | undefined,
): AutoReplyKind | undefined {
  const value = (name: string): string | undefined => firstHeader(headers, name)?.value.trim().toLowerCase();
  if (/^multipart\/report\b/.test(value('content-type') ?? '')) return 'delivery-report';
  const sender = from === undefined ? undefined : splitAddress(from);
  if (sender && AUTOMATED_SENDERS.has(baseLocalPart(sender.local))) return 'mailer-daemon';
  const autoSubmitted = value('auto-submitted')?.split(/[\s;(]/, 1)[0];
  if (autoSubmitted !== undefined && autoSubmitted !== '' && autoSubmitted !== 'no') return 'auto-submitted';
  if (BULK_PRECEDENCE.has(value('precedence') ?? '')) return 'precedence';
  if (['x-autoreply', 'x-autorespond', 'x-autoresponder'].some((name) => isSet(value(name))))
    return 'x-autoreply';
  // The topmost Return-Path is the one the receiving server wrote from the SMTP envelope.
  if (/^<\s*>$/.test(value('return-path') ?? '')) return 'null-sender';
  return undefined;
}

/** Bounces and delivery reports, as opposed to auto-replies such as out-of-office notes. */
export function isBounce(kind: AutoReplyKind): boolean {
  return BOUNCE_KINDS.has(kind);
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== 'no' && value !== 'false';
}
