import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import type { LocalVerdicts } from './ses-headers.ts';
import { receivedMessage } from './ses-receiving.ts';

export interface SmtpFrontDoorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Mail is accepted for this domain only; other recipients are refused at RCPT. */
  mailDomain: string;
  /** The largest message accepted, in bytes (SES accepts up to 40 MB). */
  maxMessageBytes: number;
  /** Stores the raw message (SES headers prepended) under `emails/`; returns the object key. */
  store: (key: string, raw: Buffer) => Promise<void>;
  /** Forces some verdicts (a test's spam or virus FAIL); the rest are decided per message. */
  verdicts?: Partial<LocalVerdicts>;
  onStored?: (key: string) => void;
}

export interface SmtpFrontDoor {
  port: number;
  stop(): Promise<void>;
}

class SmtpResponseError extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

const tooBig = (limit: number): string => `5.3.4 Message too big: the limit is ${limit} bytes`;

/** What smtp-server keeps of each open connection (its `connections` set is untyped). */
interface OpenConnection {
  session: SMTPServerSession;
  send(code: number, message: string): void;
  close(): void;
}

/**
 * Answers 552 in the middle of DATA and closes the connection (RFC 1870 lets a server refuse a
 * message as soon as it passes the advertised SIZE), so a sender that ignores SIZE cannot make
 * the front door read, or keep, more than the limit.
 */
function refuseOversized(server: SMTPServer, session: SMTPServerSession, limit: number): void {
  const connections = server.connections as Set<OpenConnection>;
  for (const connection of connections) {
    if (connection.session !== session) continue;
    connection.send(552, tooBig(limit));
    connection.close();
  }
}

/** The S3 key a `250 Ok: queued as <id>` answer names, as a client reads it back. */
export function storedKeyOf(smtpResponse: string): string | undefined {
  const id = /\bqueued as ([0-9a-f]{40})\b/.exec(smtpResponse)?.[1];
  return id === undefined ? undefined : `emails/${id}`;
}

/** The local stand-in for SES inbound: SMTP in, raw MIME with verdict headers out to S3. */
export async function startSmtpFrontDoor(options: SmtpFrontDoorOptions): Promise<SmtpFrontDoor> {
  const domain = options.mailDomain.toLowerCase();
  const server = new SMTPServer({
    name: 'inbound-smtp.intake.localhost',
    banner: `intake local SES inbound for ${domain}`,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: options.maxMessageBytes,
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback) {
      const recipientDomain = address.address.split('@').pop()?.toLowerCase();
      if (recipientDomain !== domain) {
        callback(
          new SmtpResponseError(
            550,
            `5.7.1 <${address.address}>: relay access denied; this server accepts mail for ${domain} only`,
          ),
        );
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      const onChunk = (chunk: Buffer): void => {
        if (!stream.sizeExceeded) {
          chunks.push(chunk);
          return;
        }
        // Over the limit: answer now and hang up, rather than read (and hold) the rest.
        stream.off('data', onChunk);
        chunks.length = 0;
        refuseOversized(server, session, options.maxMessageBytes);
      };
      stream.on('data', onChunk);
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(new SmtpResponseError(552, tooBig(options.maxMessageBytes)));
          return;
        }
        const envelope = {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          recipients: session.envelope.rcptTo.map((recipient) => recipient.address),
          clientAddress: session.remoteAddress,
          clientHostname: session.clientHostname,
          heloName: session.hostNameAppearsAs,
        };
        const { key, raw } = receivedMessage(envelope, chunks, options.verdicts);
        options
          .store(key, raw)
          .then(() => {
            options.onStored?.(key);
            callback(null, `Ok: queued as ${key.slice('emails/'.length)}`);
          })
          .catch((error: unknown) => {
            callback(
              new SmtpResponseError(
                451,
                `4.3.0 Could not store the message, try again later (${String(error).slice(0, 100)})`,
              ),
            );
          });
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {
    // Client errors (dropped connections) are reported per session; the server keeps running.
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
