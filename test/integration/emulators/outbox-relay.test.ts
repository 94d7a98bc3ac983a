import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '#local/emulators/index.ts';
import { listOutbox } from '#local/outbox/outbox.ts';
import { relayConfigOf } from '#local/cli/up.ts';
import { clientConfig, removeDir, tempDataDir } from './harness.ts';

describe('outbox relay to an SMTP server', () => {
  const received: { from: string; to: string[]; raw: string }[] = [];
  let receiver: SMTPServer;
  let receiverPort: number;
  let dataDir: string;
  let emulators: Emulators;
  let ses: SESv2Client;

  beforeAll(async () => {
    receiver = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.server.address();
    receiverPort = typeof address === 'object' && address ? address.port : 0;
    dataDir = await tempDataDir();
    emulators = await startEmulators({
      dataDir,
      edgePort: 0,
      outbox: { relay: relayConfigOf(`smtp://127.0.0.1:${receiverPort}`) },
    });
    ses = new SESv2Client(clientConfig(emulators));
  });

  afterAll(async () => {
    ses?.destroy();
    await emulators?.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await removeDir(dataDir);
  });

  it('delivers each reply to the relay and keeps a copy in the outbox', async () => {
    const raw = [
      'From: intake <amelia.scott@intake.localhost>',
      'To: scott@example.com',
      'Subject: Re: spec',
      'Message-ID: <relay-1@intake.localhost>',
      '',
      'Done.',
    ].join('\r\n');
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'amelia.scott@intake.localhost',
        Destination: { ToAddresses: ['scott@example.com'] },
        Content: { Raw: { Data: new TextEncoder().encode(raw) } },
      }),
    );
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: 'amelia.scott@intake.localhost', to: ['scott@example.com'] });
    expect(received[0]?.raw).toContain('Message-ID: <relay-1@intake.localhost>');
    const [entry] = await listOutbox(dataDir);
    expect(entry?.relay).toEqual({ delivered: true });
  });
});

describe('relayConfigOf', () => {
  it('reads smtp and smtps URLs with credentials', () => {
    expect(relayConfigOf('smtp://127.0.0.1:1025')).toEqual({ host: '127.0.0.1', port: 1025, secure: false });
    expect(relayConfigOf('smtps://me%40x:p%40ss@mail.example.com')).toEqual({
      host: 'mail.example.com',
      port: 465,
      secure: true,
      auth: { user: 'me@x', pass: 'p@ss' },
    });
  });

  it('names what is wrong with a bad URL', () => {
    expect(() => relayConfigOf('mail.example.com')).toThrow(/must be a URL/);
    expect(() => relayConfigOf('http://mail.example.com')).toThrow(/smtp:\/\//);
  });
});
