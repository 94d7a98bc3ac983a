import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { newInputQueueNoticesName } from '#contracts/identifiers.ts';
import type { AdapterGrants } from '#contracts/grants.ts';
import { newInputQueueNoticeSchema } from '#contracts/messages.ts';
import type { NewQueueNotices } from '../ports.ts';
import { safeJson } from '../safe-json.ts';

/** The notices ClaimJob sends when it creates a project-user's input queue, long-polled. */
export class SqsNewQueueNotices implements NewQueueNotices {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SqsNewQueueNotices> = [
    {
      actions: ['sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      on: 'newQueueNotices',
      by: ['next'],
    },
  ];

  private url: Promise<string> | undefined;

  constructor(
    private readonly client: SQSClient,
    private readonly queuePrefix: string,
    private readonly waitSeconds = 20,
  ) {}

  /**
   * The input queue URLs announced since the last call, after a long poll; each notice is deleted once
   * read (one worker learns of a queue this way, the others at their next ListQueues). A notice that is
   * not one is dropped and named in `ignored`.
   */
  async next(signal: AbortSignal): Promise<{ inputQueueUrls: string[]; ignored: string[] }> {
    this.url ??= this.resolveUrl();
    const url = await this.url.catch((error: unknown) => {
      this.url = undefined;
      throw error;
    });
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: this.waitSeconds,
      }),
      { abortSignal: signal },
    );
    const inputQueueUrls: string[] = [];
    const ignored: string[] = [];
    for (const message of Messages) {
      const parsed = newInputQueueNoticeSchema.safeParse(safeJson(message.Body ?? ''));
      if (parsed.success) inputQueueUrls.push(parsed.data.inputQueueUrl);
      else ignored.push(message.MessageId ?? '(no id)');
    }
    for (const { ReceiptHandle } of Messages)
      if (ReceiptHandle) await this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle }));
    return { inputQueueUrls, ignored };
  }

  private async resolveUrl(): Promise<string> {
    const name = newInputQueueNoticesName(this.queuePrefix);
    const { QueueUrl } = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`GetQueueUrl ${name} returned no QueueUrl`);
    return QueueUrl;
  }
}
