import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { startSmtpFrontDoor, type SmtpFrontDoor } from '#local/smtp/smtp-front-door.ts';
import { parseEmail } from '#domain/parse-email.ts';

describe('SMTP front door', () => {
  const stored = new Map<string, Buffer>();
  let door: SmtpFrontDoor;
  const transport = () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: door.port, secure: false, ignoreTLS: true });

  beforeAll(async () => {
    door = await startSmtpFrontDoor({
      host: '127.0.0.1',
      port: 0,
      mailDomain: 'Intake.Localhost',
      maxMessageBytes: 64 * 1024,
      store: async (key, raw) => {
        stored.set(key, raw);
      },
    });
  });
  afterAll(async () => door.stop());

  it('stores accepted mail under emails/ with SES verdict headers on top', async () => {
    const info = await transport().sendMail({
      from: 'scott@example.com',
      to: 'amelia.scott@intake.localhost',
      subject: 'Hello',
      text: 'Build a thing',
      headers: { 'X-SES-Spam-Verdict': 'FAIL' },
    });
    expect(info.accepted).toEqual(['amelia.scott@intake.localhost']);
    const [key, raw] = [...stored.entries()].at(-1)!;
    expect(key).toMatch(/^emails\/[0-9a-f]{40}$/);
    expect(raw.toString('latin1')).toMatch(/^Return-Path: <scott@example.com>\r\nReceived: from /);
    const parsed = await parseEmail(raw);
    // SPF passes for the envelope domain (the client is this machine); no DKIM or DMARC without DNS.
    expect(parsed.ok && parsed.email.verdicts).toEqual({
      spam: 'PASS',
      virus: 'PASS',
      spf: 'PASS',
      dkim: 'NONE',
      dmarc: 'NONE',
    });
    expect(parsed.ok && parsed.email.passing).toEqual({ spf: 'example.com', dkim: [], dmarc: undefined });
  });

  it('records the SMTP envelope, not the headers: SPF for the MAIL FROM domain, RCPT TO as recipients', async () => {
    await transport().sendMail({
      envelope: { from: 'evil@bad.com', to: ['amelia.scott@intake.localhost'] },
      from: 'scott@example.com',
      to: 'someone.else@intake.localhost',
      subject: 'Spoof',
      text: 'Build a thing',
    });
    const raw = [...stored.values()].at(-1)!;
    const parsed = await parseEmail(raw);
    if (!parsed.ok) throw new Error(parsed.detail);
    expect(parsed.email).toMatchObject({
      from: 'scott@example.com',
      recipients: ['amelia.scott@intake.localhost'],
      passing: { spf: 'bad.com', dkim: [], dmarc: undefined },
    });
  });

  it('stamps no SPF pass for the null sender', async () => {
    await transport().sendMail({
      envelope: { from: '', to: ['amelia.scott@intake.localhost'] },
      from: 'scott@example.com',
      text: 'x',
    });
    const parsed = await parseEmail([...stored.values()].at(-1)!);
    expect(parsed.ok && parsed.email.verdicts.spf).toBe('NONE');
  });

  it('refuses recipients on other domains at RCPT with 550', async () => {
    await expect(
      transport().sendMail({ from: 'scott@example.com', to: 'someone@elsewhere.example', text: 'x' }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  it('refuses messages over the size limit with 552', async () => {
    await expect(
      transport().sendMail({
        from: 'scott@example.com',
        to: 'amelia.scott@intake.localhost',
        text: 'x'.repeat(100 * 1024),
      }),
    ).rejects.toMatchObject({ responseCode: 552 });
  });
});
