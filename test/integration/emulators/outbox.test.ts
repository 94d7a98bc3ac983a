import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulators } from '#local/emulators/index.ts';
import { listOutbox, readOutboxMessage } from '#local/outbox/outbox.ts';
import { clientConfig, removeDir, start, tempDataDir } from './harness.ts';

let dataDir: string;
let emulators: Emulators;
let ses: SESv2Client;

beforeAll(async () => {
  dataDir = await tempDataDir();
  emulators = await start(dataDir);
  ses = new SESv2Client(clientConfig(emulators));
});

afterAll(async () => {
  ses?.destroy();
  await emulators?.stop();
  await removeDir(dataDir);
});

const raw = [
  'From: Intake <amelia.scott@intake.localhost>',
  'To: scott@example.com',
  'Subject: Job done: 3 stories committed',
  'Message-ID: <reply-1@intake.localhost>',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hello Scott,',
  '',
  'All three stories are committed.',
].join('\r\n');

describe('SES v2 SendEmail through the edge', () => {
  it('captures a raw message in the outbox and answers with a MessageId', async () => {
    const { MessageId } = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'amelia.scott@intake.localhost',
        Destination: { ToAddresses: ['scott@example.com'] },
        Content: { Raw: { Data: Buffer.from(raw) } },
      }),
    );
    expect(MessageId).toBeTruthy();
    const [entry] = await listOutbox(dataDir);
    expect(entry).toMatchObject({
      messageId: MessageId,
      from: 'amelia.scott@intake.localhost',
      to: ['scott@example.com'],
      subject: 'Job done: 3 stories committed',
      preview: 'Hello Scott, All three stories are committed.',
    });
    expect((await readOutboxMessage(dataDir, entry!)).toString()).toBe(raw);
  });

  it('captures a simple message too', async () => {
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'amelia.scott@intake.localhost',
        Destination: { ToAddresses: ['scott@example.com'] },
        Content: { Simple: { Subject: { Data: 'Rejected' }, Body: { Text: { Data: 'Unknown project.' } } } },
      }),
    );
    const entries = await listOutbox(dataDir);
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ subject: 'Rejected', preview: 'Unknown project.' });
  });
});
