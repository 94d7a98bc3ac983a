import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer, OutboundMail } from '../workflow/ports.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

/** Sends raw MIME through SES v2 (locally, the runtime's outbox answers the same API). */
export class SesMailer implements Mailer {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SesMailer> = [
    { actions: ['ses:SendEmail'], on: 'mailIdentities', by: ['send'] },
  ];

  constructor(private readonly client: SESv2Client) {}

  async send(mail: OutboundMail): Promise<string | undefined> {
    const result = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: mail.from,
        Destination: { ToAddresses: [mail.to] },
        Content: { Raw: { Data: mail.raw } },
      }),
    );
    return result.MessageId;
  }
}
