import { randomBytes } from 'node:crypto';
import { localVerdictsFor, sesHeaders, type Envelope, type LocalVerdicts } from './ses-headers.ts';

/** SES message ids are 20 bytes of hex-like text; the object key is `emails/` plus that id. */
export const newMessageKey = (): string => `emails/${randomBytes(20).toString('hex')}`;

/**
 * What SES receiving stores for one message: the key under `emails/` and the raw message with SES's
 * headers prepended (verdicts decided by {@link localVerdictsFor}, or forced). The SMTP front door and
 * the local SES's delivery of mail sent to the receiving domain both store exactly this.
 */
export const receivedMessage = (
  envelope: Envelope,
  message: Buffer | Buffer[],
  verdicts: Partial<LocalVerdicts> = {},
  receivedAt = new Date(),
): { key: string; raw: Buffer } => {
  const key = newMessageKey();
  const headers = sesHeaders(
    envelope,
    { ...localVerdictsFor(envelope), ...verdicts },
    receivedAt,
    key.slice('emails/'.length),
  );
  return { key, raw: Buffer.concat([Buffer.from(headers), ...[message].flat()]) };
};
