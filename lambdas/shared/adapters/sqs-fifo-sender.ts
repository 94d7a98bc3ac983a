import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FifoSender } from '#workflow/ports';
import type { AdapterGrants } from '#contracts/grants';

export class SqsFifoSender implements FifoSender {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SqsFifoSender> = [
    { actions: ['sqs:SendMessage'], on: 'queues', by: ['send'] },
  ];

  constructor(private readonly client: SQSClient) {}

  async send(
    queueUrl: string,
    body: string,
    groupId: string,
    deduplicationId: string,
  ): Promise<string | undefined> {
    const result = await this.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageGroupId: groupId,
        MessageDeduplicationId: deduplicationId,
      }),
    );
    return result.MessageId;
  }
}
