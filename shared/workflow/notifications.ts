import type { RepliesOf } from '../contracts/reply-policy.ts';

/** Why the workflow's Lambdas write to a sender (contracts/reply-policy.ts decides when). */
export type NotificationKind = RepliesOf['finish-job'] | RepliesOf['handle-timeout'];

export interface Notification {
  kind: NotificationKind;
  to: string;
  projectId: string;
  userId: string;
  threadId: string;
  subject: string;
  inReplyTo: string | undefined;
  references: string[];
  /** A reason code or a short cause; never raw header text. */
  detail: string;
}

/** Sends a notification to a sender; implementations compose the MIME and pick the transport. */
export interface SenderNotifier {
  notify(notification: Notification): Promise<void>;
}

const REJECTION_TEXT: Record<string, string> = {
  'unknown-project': 'This address does not belong to a project here.',
  'no-project-address': 'None of the recipients is a project address.',
  'unauthorised-sender': 'Your address is not allowed to send to this project.',
  empty: 'The email had no instruction in it.',
  'too-large': 'The email is larger than this project accepts.',
  unparseable: 'The email could not be read.',
  'rate-limited':
    'Too many emails arrived from you or for this project within the hour; this one was not started. Later emails in this hour are set aside without another note.',
};

/** The body of a notification: plain text, built from reason codes, never from raw headers. */
export function notificationText(notification: Notification): string {
  switch (notification.kind) {
    case 'rejected':
      return [
        'Your email was not accepted.',
        '',
        REJECTION_TEXT[notification.detail] ?? `Reason: ${notification.detail}`,
        '',
        'Nothing was started. The original message is kept.',
      ].join('\n');
    case 'interrupted':
      return [
        'Your earlier job was stopped because a newer email arrived for the same project.',
        '',
        `Where it stopped: ${notification.detail}`,
        '',
        'The newer email is being worked on now; work already committed is kept.',
      ].join('\n');
    case 'timed-out':
      return [
        'Your job did not finish in time and was set aside for a person to look at.',
        '',
        `Detail: ${notification.detail}`,
      ].join('\n');
    case 'slot-unavailable':
      return [
        'Your email could not be started: another job for this project kept running after it was asked to stop.',
        '',
        'Please send it again in a few minutes.',
      ].join('\n');
    case 'failed':
      return ['Your email could not be processed.', '', `Detail: ${notification.detail}`].join('\n');
  }
}

export const notificationSubject = (notification: Notification): string => {
  const prefix: Record<NotificationKind, string> = {
    rejected: 'Not accepted',
    interrupted: 'Interrupted',
    'timed-out': 'Timed out',
    'slot-unavailable': 'Not started',
    failed: 'Failed',
  };
  return `[${prefix[notification.kind]}] ${notification.subject}`.trim();
};
