import type { Verdict } from '#domain/inbound-email';

/** Verdicts the local front door stamps on mail, as SES would after its checks. */
export interface LocalVerdicts {
  spam: Extract<Verdict, 'PASS' | 'FAIL' | 'GRAY'>;
  virus: Extract<Verdict, 'PASS' | 'FAIL' | 'GRAY'>;
  spf: 'pass' | 'fail' | 'none';
  dkim: 'pass' | 'fail' | 'none';
  dmarc: 'pass' | 'fail' | 'none';
}

export const PASSING_VERDICTS: LocalVerdicts = {
  spam: 'PASS',
  virus: 'PASS',
  spf: 'pass',
  dkim: 'pass',
  dmarc: 'pass',
};

export interface Envelope {
  mailFrom: string;
  clientAddress: string;
  clientHostname: string;
  heloName: string;
}

/** Keeps header values on one line and free of anything a client could use to add a field. */
const oneLine = (value: string): string => value.replace(/[\r\n\0]/g, ' ').slice(0, 256);

/**
 * The fields SES prepends to a received message, in SES's order. The local runtime cannot verify
 * SPF or DKIM, so it writes the configured verdicts (passing by default); the intake reads them
 * exactly as it reads SES's.
 */
export function sesHeaders(
  envelope: Envelope,
  verdicts: LocalVerdicts,
  receivedAt: Date,
  messageKey: string,
): string {
  const from = oneLine(envelope.mailFrom || '<>');
  const domain = from.includes('@') ? from.split('@').pop() : 'unknown';
  const client = `${oneLine(envelope.clientHostname)} [${oneLine(envelope.clientAddress)}]`;
  return [
    `Return-Path: <${from.replace(/[<>]/g, '')}>`,
    `Received: from ${oneLine(envelope.heloName)} (${client}) by inbound-smtp.intake.localhost with SMTP id ${messageKey}; ${receivedAt.toUTCString()}`,
    `X-SES-Spam-Verdict: ${verdicts.spam}`,
    `X-SES-Virus-Verdict: ${verdicts.virus}`,
    `Received-SPF: ${verdicts.spf} (local: ${domain} not checked) client-ip=${oneLine(envelope.clientAddress)}; envelope-from=${from};`,
    `Authentication-Results: amazonses.com; spf=${verdicts.spf} smtp.mailfrom=${from}; dkim=${verdicts.dkim} header.i=@${domain}; dmarc=${verdicts.dmarc} header.from=${domain};`,
    '',
  ].join('\r\n');
}
