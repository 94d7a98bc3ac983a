import { describe, expect, it } from 'vitest';
import {
  decodeS3Key,
  emailObjectsIn,
  executionNameFor,
  startEmailExecution,
} from '#workflow/start-email-execution';
import type { ExecutionStarter, StartOutcome } from '#workflow/ports';

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
    const name = executionNameFor('<ABC@example.com>'.slice(1, -1), 'emails/k1');
    expect(name).toBe(executionNameFor('abc@EXAMPLE.com', 'emails/k1'));
    expect(name).toMatch(/^[0-9A-Za-z_-]{1,80}$/);
    expect(executionNameFor('other@example.com', 'emails/k1')).not.toBe(name);
  });

  it('gives another stored object with the same Message-ID its own name', () => {
    expect(executionNameFor('victim@example.com', 'emails/squatter')).not.toBe(
      executionNameFor('victim@example.com', 'emails/victim'),
    );
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
        get: async () => new TextEncoder().encode('Message-ID: <m1@x>\r\n\r\nhi'),
        put: async () => {},
      },
      starter,
      messageIdOf: () => 'm1@x',
    };
    const object = { bucket: 'intake-mail', key: 'emails/one' };
    const first = await startEmailExecution(object, deps);
    const second = await startEmailExecution(object, deps);
    expect(first).toMatchObject({
      status: 'started',
      name: executionNameFor('m1@x', 'emails/one'),
      messageId: 'm1@x',
    });
    expect(second.status).toBe('already-started');
    expect(JSON.parse(started.get(first.name)!)).toEqual({ bucket: 'intake-mail', key: 'emails/one' });
  });
});
