import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import type { OutboxEntry } from '#local/outbox/outbox.ts';
import { storedKeyOf } from '#local/smtp/smtp-front-door.ts';
import { AMELIA, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  executionNameFor,
  executionNameOf,
  MAX_STORED_EMAIL_BYTES,
} from '#workflow/start-email-execution.ts';

interface Mail {
  envelopeFrom: string;
  rcpt: string;
  headers: string;
  body?: string;
  attachments?: { filename: string; content: string }[];
}

describe('hostile senders over SMTP and S3: refused, recorded, never answered when forged', () => {
  let runtime: TestRuntime;
  const outbox: OutboxEntry[] = [];

  beforeAll(async () => {
    runtime = await startTestRuntime({
      smtpPort: 0,
      projects: [
        {
          ...AMELIA,
          allowedSenders: ['scott@example.com', '@trusted.example'],
          // No worker runs here: a queued job gives the lease back after a second in the queue, so the
          // next test's email from the same sender can be admitted.
          settings: { ...AMELIA.settings, queueWaitSeconds: 1 },
        },
        { id: 'other', users: ['zoe'], allowedSenders: ['zoe@example.org'] },
      ],
      onOutboxMessage: (entry) => outbox.push(entry),
    });
  }, 60_000);
  afterAll(async () => runtime?.dispose());

  /** Sends over SMTP to the front door; returns the job the stored object starts. */
  async function send(mail: Mail): Promise<{ jobId: string; key: string }> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: runtime.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    try {
      const info = await transport.sendMail({
        envelope: { from: mail.envelopeFrom, to: [mail.rcpt] },
        raw: `${mail.headers.trim()}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${mail.body ?? '1. Add a README\r\n'}`,
      });
      const key = storedKeyOf(info.response);
      if (!key) throw new Error(`no stored key in ${info.response}`);
      const raw = await new S3BlobStore(runtime.clients.s3).get(
        runtime.config.mailBucket,
        key,
        MAX_STORED_EMAIL_BYTES,
      );
      return { jobId: executionNameOf(raw), key };
    } finally {
      transport.close();
    }
  }

  const recordOf = (projectId: string, jobId: string) =>
    waitFor(`the outcome of ${jobId}`, async () => {
      const record = await runtime.jobRecord(projectId, jobId);
      return record && record.outcome !== 'received' ? record : undefined;
    });
  const repliesTo = (address: string) => outbox.filter((entry) => entry.to.includes(address));

  it('refuses envelope evil@bad.com with From: scott@example.com as failed-authentication, unanswered', async () => {
    const { jobId } = await send({
      envelopeFrom: 'evil@bad.com',
      rcpt: 'amelia.scott@intake.localhost',
      headers: 'From: Scott <scott@example.com>\r\nTo: amelia.scott@intake.localhost\r\nSubject: Spoof',
    });
    const record = await recordOf('_unrouted', jobId);
    expect(record).toMatchObject({ outcome: 'rejected', reason: 'failed-authentication' });
    expect(String(record.detail)).toContain('spf=pass for bad.com');
    expect((await runtime.executionEnded(jobId)).status).toBe('SUCCEEDED');
    expect(repliesTo('scott@example.com')).toEqual([]);
  });

  it('admits the same send with an aligned envelope (a subdomain of the From domain)', async () => {
    const { jobId } = await send({
      envelopeFrom: 'bounces+scott@mail.example.com',
      rcpt: 'amelia.scott@intake.localhost',
      headers: 'From: Scott <scott@example.com>\r\nTo: amelia.scott@intake.localhost\r\nSubject: Aligned',
    });
    const record = await waitFor('the admission', async () => {
      const item = await runtime.jobRecord('amelia', jobId);
      return item && ['queued', 'running'].includes(String(item.outcome)) ? item : undefined;
    });
    expect(record.userId).toBe('scott');
  });

  it('refuses two From addresses as malformed, without a reply to either', async () => {
    const { jobId } = await send({
      envelopeFrom: 'scott@example.com',
      rcpt: 'amelia.scott@intake.localhost',
      headers:
        'From: scott@example.com, eve@example.com\r\nTo: amelia.scott@intake.localhost\r\nSubject: Two',
    });
    expect(await recordOf('_unrouted', jobId)).toMatchObject({ outcome: 'rejected', reason: 'malformed' });
    expect(repliesTo('eve@example.com')).toEqual([]);
  });

  it('routes by RCPT TO, never by To: a To naming amelia does not reach her project', async () => {
    const { jobId } = await send({
      envelopeFrom: 'scott@example.com',
      rcpt: 'other.zoe@intake.localhost',
      headers: 'From: scott@example.com\r\nTo: amelia.scott@intake.localhost\r\nSubject: Misrouted',
    });
    const record = await recordOf('other', jobId);
    expect(record).toMatchObject({ outcome: 'rejected', reason: 'unauthorised-sender' });
    expect(await runtime.jobRecord('amelia', jobId)).toBeUndefined();
  });

  it('answers an aligned but unauthorised sender, and never a forged or automated one (no backscatter)', async () => {
    const aligned = await send({
      envelopeFrom: 'mallory@evil.example',
      rcpt: 'amelia.scott@intake.localhost',
      headers: 'From: mallory@evil.example\r\nTo: amelia.scott@intake.localhost\r\nSubject: Let me in',
    });
    expect(await recordOf('amelia', aligned.jobId)).toMatchObject({ reason: 'unauthorised-sender' });
    await waitFor('the reply to mallory', () =>
      repliesTo('mallory@evil.example').length ? true : undefined,
    );

    const forged = await send({
      envelopeFrom: 'evil@bad.com',
      rcpt: 'amelia.scott@intake.localhost',
      headers: 'From: victim@example.org\r\nTo: amelia.scott@intake.localhost\r\nSubject: Bounce this',
    });
    const automated = await send({
      envelopeFrom: 'noreply@robots.example',
      rcpt: 'amelia.scott@intake.localhost',
      headers: 'From: noreply@robots.example\r\nTo: amelia.scott@intake.localhost\r\nSubject: Robots',
    });
    expect(await recordOf('_unrouted', forged.jobId)).toMatchObject({ reason: 'failed-authentication' });
    expect(await recordOf('amelia', automated.jobId)).toMatchObject({ reason: 'unauthorised-sender' });
    await runtime.executionEnded(forged.jobId);
    await runtime.executionEnded(automated.jobId);
    expect(repliesTo('victim@example.org')).toEqual([]);
    expect(repliesTo('noreply@robots.example')).toEqual([]);
  });

  it('refuses an S3 object with SES verdicts that pass for another domain only', async () => {
    const raw = [
      'Return-Path: <evil@bad.com>',
      'Received: from mx.bad.com by inbound-smtp.us-east-1.amazonaws.com with SMTP id forged for amelia.scott@intake.localhost; Sun, 22 Nov 2026 10:00:00 +0000',
      'X-SES-Spam-Verdict: PASS',
      'X-SES-Virus-Verdict: PASS',
      'Received-SPF: pass (spfCheck: domain of bad.com designates 192.0.2.9 as permitted sender) envelope-from=evil@bad.com;',
      'Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=evil@bad.com; dkim=none; dmarc=none header.from=example.com;',
      'From: Scott <scott@example.com>',
      'To: amelia.scott@intake.localhost',
      'Subject: Crafted',
      'Message-ID: <crafted@example.com>',
      '',
      '1. Run my command',
      '',
    ].join('\r\n');
    const key = 'emails/crafted-unaligned';
    await runtime.clients.s3.send(
      new PutObjectCommand({ Bucket: runtime.config.mailBucket, Key: key, Body: raw }),
    );
    const jobId = executionNameOf(new TextEncoder().encode(raw));
    expect(await recordOf('_unrouted', jobId)).toMatchObject({
      outcome: 'rejected',
      reason: 'failed-authentication',
    });
  });

  it('gives a squatted Message-ID its own outcome: the victim email still runs, every stored email is recorded', async () => {
    const messageId = `<victim-${Date.now()}@example.com>`;
    const squatter = await send({
      envelopeFrom: 'evil@bad.com',
      rcpt: 'amelia.scott@intake.localhost',
      headers: `From: scott@example.com\r\nTo: amelia.scott@intake.localhost\r\nSubject: First\r\nMessage-ID: ${messageId}`,
      body: 'Do nothing.\r\n',
    });
    const victim = await send({
      envelopeFrom: 'scott@example.com',
      rcpt: 'amelia.scott@intake.localhost',
      headers: `From: scott@example.com\r\nTo: amelia.scott@intake.localhost\r\nSubject: Real\r\nMessage-ID: ${messageId}`,
    });
    expect(victim.jobId).not.toBe(squatter.jobId);
    expect(await recordOf('_unrouted', squatter.jobId)).toMatchObject({ reason: 'failed-authentication' });
    const admitted = await waitFor('the victim to be admitted', async () => {
      const item = await runtime.jobRecord('amelia', victim.jobId);
      return item && ['queued', 'running'].includes(String(item.outcome)) ? item : undefined;
    });
    expect(admitted.emailKey).toBe(victim.key);

    // The same S3 event three times is one execution.
    const again = await new S3BlobStore(runtime.clients.s3).get(
      runtime.config.mailBucket,
      victim.key,
      MAX_STORED_EMAIL_BYTES,
    );
    for (let i = 0; i < 2; i++)
      await runtime.clients.s3.send(
        new PutObjectCommand({ Bucket: runtime.config.mailBucket, Key: victim.key, Body: again }),
      );
    expect(executionNameOf(again)).toBe(victim.jobId);

    // Every object under emails/ has exactly one job record.
    const { Contents = [] } = await runtime.clients.s3.send(
      new ListObjectsV2Command({ Bucket: runtime.config.mailBucket, Prefix: 'emails/' }),
    );
    const names = await Promise.all(
      Contents.map(async ({ Key }) =>
        executionNameOf(
          await new S3BlobStore(runtime.clients.s3).get(
            runtime.config.mailBucket,
            Key!,
            MAX_STORED_EMAIL_BYTES,
          ),
        ),
      ),
    );
    expect(new Set(names).size).toBe(Contents.length);
    for (const name of names) {
      await waitFor(`a record of ${name}`, async () => {
        for (const project of ['_unrouted', 'amelia', 'other'])
          if (await runtime.jobRecord(project, name)) return true;
        return undefined;
      });
    }
  }, 60_000);

  it('keeps the state small for 990 attachments and refuses a 2 MB line at admission', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: runtime.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    const info = await transport.sendMail({
      from: 'scott@example.com',
      to: 'amelia.scott@intake.localhost',
      subject: 'Many files',
      text: '1. Use the files',
      attachments: Array.from({ length: 990 }, (_, index) => ({
        filename: `file-with-a-long-descriptive-name-${index}.txt`,
        content: `content ${index}`,
      })),
    });
    const key = storedKeyOf(info.response)!;
    const jobId = executionNameOf(
      await new S3BlobStore(runtime.clients.s3).get(runtime.config.mailBucket, key, MAX_STORED_EMAIL_BYTES),
    );
    const record = await waitFor('the admission', async () => {
      const item = await runtime.jobRecord('amelia', jobId);
      return item && item.outcome === 'queued' ? item : undefined;
    });
    expect(record.attachmentCount).toBe(20);
    const { events = [] } = await runtime.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: runtime.executionArnOf(jobId) }),
    );
    const largest = Math.max(...events.map((event) => JSON.stringify(event).length));
    expect(largest).toBeLessThan(32 * 1024);

    const line = 'x'.repeat(2 * 1024 * 1024);
    const long = await transport.sendMail({
      from: 'scott@example.com',
      to: 'amelia.scott@intake.localhost',
      subject: 'One long line',
      text: line,
    });
    transport.close();
    const longKey = storedKeyOf(long.response)!;
    const longJob = executionNameOf(
      await new S3BlobStore(runtime.clients.s3).get(
        runtime.config.mailBucket,
        longKey,
        MAX_STORED_EMAIL_BYTES,
      ),
    );
    const refused = await recordOf('amelia', longJob);
    expect(refused).toMatchObject({ outcome: 'rejected', reason: 'too-large' });
    expect(String(refused.detail)).toMatch(/the instruction (is|has a line of) \d+ characters/);
  }, 90_000);

  it("records an object stored over SES's 40 MB as too-large without reading it into memory", async () => {
    const key = 'emails/hostile-oversize';
    const bytes = MAX_STORED_EMAIL_BYTES + 1024;
    const header = 'From: scott@example.com\r\nTo: amelia.scott@intake.localhost\r\nSubject: Huge\r\n\r\n';
    const body = Buffer.alloc(bytes, 'x');
    body.write(header, 0, 'latin1');
    await runtime.clients.s3.send(
      new PutObjectCommand({ Bucket: runtime.config.mailBucket, Key: key, Body: body }),
    );
    const jobId = executionNameFor({ messageId: `too-large:${key}`, fingerprint: `${key}\n${bytes}` });
    const record = await recordOf('_unrouted', jobId);
    expect(record).toMatchObject({ outcome: 'rejected', reason: 'too-large' });
    expect(String(record.detail)).toContain(`the object is ${bytes} bytes`);
    expect((await runtime.executionEnded(jobId)).status).toBe('SUCCEEDED');
  }, 90_000);
});
