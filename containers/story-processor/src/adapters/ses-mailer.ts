import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer } from '../ports.ts';

/** Raw MIME through SES v2; locally the runtime's outbox answers the same API. */
export function createSesMailer(ses: SESv2Client): Mailer {
  return {
    async sendRaw({ from, to, raw }) {
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: to },
          Content: { Raw: { Data: raw } },
        }),
      );
    },
  };
}
