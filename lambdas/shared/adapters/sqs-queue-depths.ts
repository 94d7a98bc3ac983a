import { GetQueueAttributesCommand, ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueDepthReader } from '#workflow/queue-backlog';

export class SqsQueueDepths implements QueueDepthReader {
  constructor(private readonly client: SQSClient) {}

  async list(namePrefix: string): Promise<string[]> {
    const urls: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListQueuesCommand({ QueueNamePrefix: namePrefix, NextToken: nextToken, MaxResults: 1000 }),
      );
      urls.push(...(page.QueueUrls ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return urls;
  }

  async depth(queueUrl: string): Promise<QueueDepth> {
    const { Attributes = {} } = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }
}
