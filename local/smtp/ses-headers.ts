import { isIP } from 'node:net';
import type { Verdict } from '#domain/inbound-email.ts';

/** Verdicts the local front door stamps on mail, as SES would after its checks. */
export interface LocalVerdicts {
  spam: Extract<Verdict, 'PASS' | 'FAIL' | 'GRAY'>;
  virus: Extract<Verdict, 'PASS' | 'FAIL' | 'GRAY'>;
  spf: 'pass' | 'fail' | 'none';
  dkim: 'pass' | 'fail' | 'none';
  dmarc: 'pass' | 'fail' | 'none';
}

export interface Envelope {
  mailFrom: string;
  /** RCPT TO addresses, as SES records them in its `Received` field. */
  recipients: string[];
  clientAddress: string;
  clientHostname: string;
  heloName: string;
}

/** Keeps header values on one line and free of anything a client could use to add a field. */
const oneLine = (value: string): string => value.replace(/[\r\n\0]/g, ' ').slice(0, 256);
/** An address for a header: only characters an address needs, so nothing can end a clause. */
const safeAddress = (value: string): string => value.replace(/[^\w.+=@!#$%&'*/?^`{|}~-]/g, '').slice(0, 256);

const isLoopback = (address: string): boolean => {
  const bare = address.replace(/^::ffff:/i, '');
  return isIP(bare) === 4 ? bare.startsWith('127.') : bare === '::1';
};

/**
 * What SES would find for this envelope, decided without DNS (the local runtime has none):
 * - SPF: the client is this machine, and this machine is the only host that can reach the front
 *   door, so it counts as authorised for the envelope (MAIL FROM) domain: `pass` for that domain,
 *   `none` for the null sender `<>` or a client that is not loopback.
 * - DKIM: `none`. Verifying a signature needs the signer's public key from DNS.
 * - DMARC: `none`. There is no policy to look up.
 * Admission then requires the envelope domain to align with the header From: a plain send with
 * envelope `evil@bad.com` and `From: scott@example.com` is refused, as it would be on SES.
 */
export function localVerdictsFor(envelope: Envelope): LocalVerdicts {
  const hasDomain = /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(envelope.mailFrom);
  return {
    spam: 'PASS',
    virus: 'PASS',
    spf: hasDomain && isLoopback(envelope.clientAddress) ? 'pass' : 'none',
    dkim: 'none',
    dmarc: 'none',
  };
}

/**
 * The fields SES prepends to a received message, in SES's order, with the verdicts the front door
 * decided (see `localVerdictsFor`). The intake reads them exactly as it reads SES's.
 */
export function sesHeaders(
  envelope: Envelope,
  verdicts: LocalVerdicts,
  receivedAt: Date,
  messageKey: string,
): string {
  const from = safeAddress(envelope.mailFrom);
  const domain = from.includes('@') ? from.split('@').pop() : undefined;
  const client = `${oneLine(envelope.clientHostname)} [${oneLine(envelope.clientAddress)}]`;
  const recipients = envelope.recipients.map(safeAddress).filter((address) => address !== '');
  const forClause = recipients.length > 0 ? ` for ${recipients.join(', ')}` : '';
  const spfComment =
    verdicts.spf === 'pass'
      ? `local: loopback client authorised for ${domain ?? 'the envelope domain'}`
      : 'local: not checked';
  return [
    `Return-Path: <${from}>`,
    `Received: from ${oneLine(envelope.heloName)} (${client}) by inbound-smtp.intake.localhost with SMTP id ${messageKey}${forClause}; ${receivedAt.toUTCString()}`,
    `X-SES-Spam-Verdict: ${verdicts.spam}`,
    `X-SES-Virus-Verdict: ${verdicts.virus}`,
    `Received-SPF: ${verdicts.spf} (${spfComment}) client-ip=${oneLine(envelope.clientAddress)}; envelope-from=${from || '<>'};`,
    `Authentication-Results: amazonses.com; spf=${verdicts.spf} (${spfComment}) smtp.mailfrom=${from || '<>'}; dkim=${verdicts.dkim}; dmarc=${verdicts.dmarc};`,
    '',
  ].join('\r\n');
}
