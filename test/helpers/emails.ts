import { randomUUID } from 'node:crypto';

export interface TestEmail {
  from?: string;
  to?: string;
  subject?: string;
  text?: string;
  messageId?: string;
  inReplyTo?: string;
  /** SES verdict headers on top, as SES stores mail; `false` leaves them out. */
  ses?: boolean;
  spam?: 'PASS' | 'FAIL';
}

/** A raw email as SES would store it in S3: verdict headers first, then the sender's message. */
export function rawEmail(email: TestEmail = {}): { raw: string; messageId: string } {
  const messageId = email.messageId ?? `${randomUUID()}@example.com`;
  const from = email.from ?? 'scott@example.com';
  const to = email.to ?? 'amelia.scott@intake.localhost';
  // SES records the envelope; the sender here is its own envelope, so every check aligns.
  const domain = from.split('@').pop() ?? 'example.com';
  const lines = [
    ...(email.ses === false
      ? []
      : [
          `Return-Path: <${from}>`,
          `Received: from mail.example.com by inbound-smtp.us-east-1.amazonaws.com with SMTP id test for ${to}; Sun, 22 Nov 2026 10:00:00 +0000`,
          `X-SES-Spam-Verdict: ${email.spam ?? 'PASS'}`,
          'X-SES-Virus-Verdict: PASS',
          `Received-SPF: pass (spfCheck: domain of ${domain} designates 192.0.2.1 as permitted sender)`,
          `Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=${from}; dkim=pass header.i=@${domain}; dmarc=pass header.from=${domain};`,
        ]),
    `From: Scott <${from}>`,
    `To: ${to}`,
    `Subject: ${email.subject ?? 'Build a small thing'}`,
    `Message-ID: <${messageId}>`,
    ...(email.inReplyTo ? [`In-Reply-To: <${email.inReplyTo}>`, `References: <${email.inReplyTo}>`] : []),
    'Date: Sun, 22 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    email.text ?? '1. Add a README\n2. Add a greeting module\n3. Add a test',
    '',
  ];
  return { raw: lines.join('\r\n'), messageId };
}
