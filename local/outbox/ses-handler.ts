import type { IncomingMessage, ServerResponse } from 'node:http';
import MailComposer from 'nodemailer/lib/mail-composer';
import { readBody, sendJson } from '../emulators/http-util.ts';
import { storeOutboxMessage } from './outbox.ts';
import type { OutboxEntry } from './outbox.ts';
import { relayRaw } from './relay.ts';
import { receivedMessage } from '../smtp/ses-receiving.ts';
import type { SmtpRelayConfig } from './relay.ts';

export interface SesOutboxOptions {
  dataDir: string;
  relay?: SmtpRelayConfig;
  /** Called after each captured message (e.g. to update a console). */
  onMessage?: (entry: OutboxEntry) => void;
  /**
   * SES receiving for the local mail domain: mail sent to an address there is also delivered to the
   * inbound path (stored under `emails/` with SES's headers), as SES does for a domain it receives
   * mail for. Unset, mail is only captured.
   */
  receiving?: () => LocalReceiving | undefined;
}

export interface LocalReceiving {
  domain: string;
  /** Stores a received message under `emails/` (its S3 event starts the intake). */
  store(key: string, raw: Buffer): Promise<void>;
}

interface Content {
  Data?: string;
}
interface SendEmailRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  ReplyToAddresses?: string[];
  Content?: {
    Raw?: { Data?: string };
    Simple?: { Subject?: Content; Body?: { Text?: Content; Html?: Content } };
  };
}

export const SES_SEND_EMAIL_PATH = '/v2/email/outbound-emails';

const domainOf = (address: string): string =>
  (/<([^>]*)>/.exec(address)?.[1] ?? address).split('@').pop()?.trim().toLowerCase() ?? '';

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.setHeader('x-amzn-errortype', type);
  sendJson(res, status, { message }, 'application/json');
}

function compose(input: SendEmailRequest): Promise<Buffer> {
  const simple = input.Content?.Simple;
  const destination = input.Destination ?? {};
  return new MailComposer({
    from: input.FromEmailAddress,
    to: destination.ToAddresses,
    cc: destination.CcAddresses,
    replyTo: input.ReplyToAddresses,
    subject: simple?.Subject?.Data,
    text: simple?.Body?.Text?.Data,
    html: simple?.Body?.Html?.Data,
  })
    .compile()
    .build();
}

/** Handles SES v2 SendEmail (Raw or Simple content): captures the message to the outbox. */
export function createSesOutboxHandler(
  options: SesOutboxOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== SES_SEND_EMAIL_PATH) {
      error(res, 404, 'NotFoundException', `local SES supports only POST ${SES_SEND_EMAIL_PATH}`);
      return;
    }
    let input: SendEmailRequest;
    try {
      input = JSON.parse((await readBody(req, 50 * 1024 * 1024)).toString('utf8')) as SendEmailRequest;
    } catch {
      error(res, 400, 'BadRequestException', 'request body is not JSON');
      return;
    }
    const rawData = input.Content?.Raw?.Data;
    if (!rawData && !input.Content?.Simple) {
      error(res, 400, 'BadRequestException', 'Content.Raw or Content.Simple is required');
      return;
    }
    const raw = rawData ? Buffer.from(rawData, 'base64') : await compose(input);
    const d = input.Destination ?? {};
    const to = [...(d.ToAddresses ?? []), ...(d.CcAddresses ?? []), ...(d.BccAddresses ?? [])];
    const from = input.FromEmailAddress ?? '';
    let relay: OutboxEntry['relay'];
    if (options.relay && to.length > 0) {
      relay = await relayRaw(options.relay, raw, { from, to }).then(
        () => ({ delivered: true }),
        (err: Error) => ({ delivered: false, error: err.message }),
      );
    }
    const entry = await storeOutboxMessage(options.dataDir, raw, { from, to }, relay);
    options.onMessage?.(entry);
    const receiving = options.receiving?.();
    const received = receiving ? to.filter((address) => domainOf(address) === receiving.domain) : [];
    if (receiving && received.length > 0) {
      // SES signs what it sends for a verified domain; locally the sender is this machine.
      const envelope = {
        mailFrom: from,
        recipients: received,
        clientAddress: '127.0.0.1',
        clientHostname: 'outbound.intake.localhost',
        heloName: 'outbound.intake.localhost',
      };
      const message = receivedMessage(envelope, raw);
      await receiving.store(message.key, message.raw);
    }
    sendJson(res, 200, { MessageId: entry.messageId }, 'application/json');
  };
}
