import { describe, expect, it } from 'vitest';
import {
  decodeS3Key,
  emailObjectsIn,
  executionNameFor,
  executionNameOf,
  MAX_STORED_EMAIL_BYTES,
  startEmailExecution,
} from '#workflow/start-email-execution.ts';
import type { ExecutionStarter, StartOutcome } from '#workflow/ports.ts';

const record = (key: string, eventName = 'ObjectCreated:Put') => ({
  eventName,
  s3: { bucket: { name: 'intake-mail' }, object: { key } },
});

describe('emailObjectsIn', () => {
  it('decodes URL-encoded keys and keeps only created objects under emails/', () => {
    const event = {
      Records: [
        record('emails/a+b%2Bc%3D.eml'),
        record('attachments/x'),
        record('emails/'),
        record('emails/gone', 'ObjectRemoved:Delete'),
        record('emails/AMAZON_SES_SETUP_NOTIFICATION'),
      ],
    };
    expect(emailObjectsIn(event)).toEqual([{ bucket: 'intake-mail', key: 'emails/a b+c=.eml' }]);
    expect(emailObjectsIn({})).toEqual([]);
    expect(decodeS3Key('emails/caf%C3%A9+1')).toBe('emails/café 1');
  });
});

describe('executionNameFor', () => {
  it('is stable, case-insensitive in the message id and a valid execution name', () => {
    const name = executionNameFor({ messageId: '<ABC@example.com>'.slice(1, -1), fingerprint: 'f1' });
    expect(name).toBe(executionNameFor({ messageId: 'abc@EXAMPLE.com', fingerprint: 'f1' }));
    expect(name).toMatch(/^[0-9A-Za-z_-]{1,80}$/);
    expect(executionNameFor({ messageId: 'other@example.com', fingerprint: 'f1' })).not.toBe(name);
  });

  it('collapses a redelivery but not another email that reuses the Message-ID', () => {
    const ses = (id: string, spf: string) =>
      `Return-Path: <${spf}>\r\nReceived: from x by inbound-smtp.us-east-1.amazonaws.com with SMTP id ${id} for amelia.scott@intake.localhost; Sun, 22 Nov 2026 10:00:00 +0000\r\nX-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\nAuthentication-Results: amazonses.com; spf=pass smtp.mailfrom=${spf}; dkim=none; dmarc=none;\r\n`;
    const victim = 'From: scott@example.com\r\nMessage-ID: <v1@example.com>\r\n\r\nBuild it.\r\n';
    const squatter = 'From: scott@example.com\r\nMessage-ID: <v1@example.com>\r\n\r\nDo nothing.\r\n';
    const name = (text: string) => executionNameOf(new TextEncoder().encode(text));
    const original = name(ses('a', 'scott@example.com') + victim);
    expect(name(ses('b', 'scott@example.com') + victim)).toBe(original);
    expect(name(ses('a', 'scott@example.com') + squatter)).not.toBe(original);
    expect(name(ses('a', 'evil@bad.com') + victim)).not.toBe(original);
  });
});

describe('startEmailExecution', () => {
  it('starts with a deterministic input and reports a repeat as already started', async () => {
    const started = new Map<string, string>();
    const starter: ExecutionStarter = {
      async start(name, input): Promise<StartOutcome> {
        if (started.has(name)) return { status: 'already-started' };
        started.set(name, input);
        return { status: 'started', executionArn: `arn:${name}` };
      },
    };
    const deps = {
      blobs: {
        get: async (_bucket: string, _key: string, maxBytes: number) => {
          expect(maxBytes).toBe(MAX_STORED_EMAIL_BYTES);
          return new TextEncoder().encode('Message-ID: <m1@x>\r\n\r\nhi');
        },
        put: async () => {},
      },
      starter,
      identityOf: () => ({ messageId: 'm1@x', fingerprint: 'f' }),
    };
    const object = { bucket: 'intake-mail', key: 'emails/one' };
    const first = await startEmailExecution(object, deps);
    const second = await startEmailExecution(object, deps);
    expect(first).toMatchObject({
      status: 'started',
      name: executionNameFor({ messageId: 'm1@x', fingerprint: 'f' }),
      messageId: 'm1@x',
    });
    expect(second.status).toBe('already-started');
    expect(JSON.parse(started.get(first.name)!)).toEqual({ bucket: 'intake-mail', key: 'emails/one' });
  });
});
