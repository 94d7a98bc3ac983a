import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import { messageIdOf } from '#domain/message-id.ts';
import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import { executionNameOf, MAX_STORED_EMAIL_BYTES } from '#workflow/start-email-execution.ts';
import { storedKeyOf } from '../smtp/smtp-front-door.ts';
import { CliError, type CliContext } from './cli-context.ts';

export interface SendOptions {
  to: string;
  from: string;
  subject: string;
  replyTo?: string;
  /** Send the file as a complete MIME message instead of using it as the body. */
  raw: boolean;
  smtp?: string;
  json: boolean;
}

export interface SentEmail {
  messageId: string;
  /** Undefined when the server did not say where it stored the message (not the local front door). */
  jobId: string | undefined;
  accepted: string[];
  response: string;
}

async function readInput(file: string | undefined): Promise<Buffer> {
  if (file && file !== '-') return readFile(file);
  if (process.stdin.isTTY) throw new CliError('Give a file, or pipe the spec on standard input', 2);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function smtpTarget(context: CliContext, smtp: string | undefined): { host: string; port: number } {
  if (smtp) {
    const [host = '127.0.0.1', port = '2525'] = smtp.split(':');
    return { host, port: Number(port) };
  }
  if (context.runtime?.smtp) return context.runtime.smtp;
  throw new CliError('No SMTP server: start "intake up" or pass --smtp host:port');
}

const bare = (id: string) => id.trim().replace(/^<|>$/g, '');

/**
 * The job a send started: named from the object the front door stored (its answer names the key),
 * read back from the mail bucket. Undefined for a server that is not the local front door.
 */
async function storedJobId(context: CliContext, smtpResponse: string): Promise<string | undefined> {
  const key = storedKeyOf(smtpResponse);
  if (key === undefined) return undefined;
  const raw = await new S3BlobStore(context.clients.s3).get(
    context.config.mailBucket,
    key,
    MAX_STORED_EMAIL_BYTES,
  );
  return executionNameOf(raw);
}

/** Sends a spec (or a reply to one) over SMTP, as any mail client would. */
export async function sendEmail(
  context: CliContext,
  file: string | undefined,
  options: SendOptions,
): Promise<SentEmail> {
  const body = await readInput(file);
  const target = smtpTarget(context, options.smtp);
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: false,
    ignoreTLS: true,
  });
  const domain = options.from.split('@').pop() ?? 'localhost';
  const messageId = `${randomUUID()}@${domain}`;
  try {
    const info = options.raw
      ? await transport.sendMail({ envelope: { from: options.from, to: [options.to] }, raw: body })
      : await transport.sendMail({
          from: options.from,
          to: options.to,
          subject: options.subject,
          text: body.toString('utf8'),
          messageId: `<${messageId}>`,
          ...(options.replyTo
            ? { inReplyTo: `<${bare(options.replyTo)}>`, references: [`<${bare(options.replyTo)}>`] }
            : {}),
        });
    const sentId = options.raw ? messageIdOf(body) : messageId;
    return {
      messageId: sentId,
      jobId: await storedJobId(context, info.response),
      accepted: info.accepted.map(String),
      response: info.response,
    };
  } catch (error) {
    const { responseCode, response } = error as { responseCode?: number; response?: string };
    if (responseCode)
      throw new CliError(`The SMTP server refused the message: ${response ?? responseCode}`, 1);
    throw new CliError(`Could not send to ${target.host}:${target.port}: ${(error as Error).message}`);
  } finally {
    transport.close();
  }
}
