import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FifoSender } from '#workflow/ports';

export class SqsFifoSender implements FifoSender {
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
