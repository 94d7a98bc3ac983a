import type { ReplyInput } from '../domain/compose-reply.ts';
import { projectAddressFor } from '../domain/project-address.ts';
import {
  notificationSubject,
  notificationText,
  type Notification,
  type SenderNotifier,
} from './notifications.ts';
import type { Mailer } from './ports.ts';

/** Notifies senders by mail: the reply comes from the project address, Reply-To carries the thread. */
export class MailNotifier implements SenderNotifier {
  constructor(
    private readonly mailer: Mailer,
    private readonly mailDomain: string,
    private readonly compose: (input: ReplyInput) => Promise<Uint8Array>,
  ) {}

  async notify(notification: Notification): Promise<void> {
    const raw = await this.compose({
      projectId: notification.projectId,
      userId: notification.userId,
      domain: this.mailDomain,
      threadId: notification.threadId,
      to: notification.to,
      subject: notificationSubject(notification),
      inReplyTo: notification.inReplyTo ?? '',
      references: notification.references,
      text: notificationText(notification),
    });
    const from = projectAddressFor(notification.projectId, notification.userId, this.mailDomain);
    await this.mailer.send({ from, to: notification.to, raw });
  }
}
