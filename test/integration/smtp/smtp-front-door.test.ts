import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { startSmtpFrontDoor, type SmtpFrontDoor } from '#local/smtp/smtp-front-door';
import { parseEmail } from '#domain/parse-email';

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
    expect(parsed.ok && parsed.email.verdicts).toEqual({
      spam: 'PASS',
      virus: 'PASS',
      spf: 'PASS',
      dkim: 'PASS',
      dmarc: 'PASS',
    });
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
