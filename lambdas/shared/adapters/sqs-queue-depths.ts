import { GetQueueAttributesCommand, paginateListQueues, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueDepthReader } from '#workflow/queue-backlog';

export class SqsQueueDepths implements QueueDepthReader {
  constructor(private readonly client: SQSClient) {}

  async list(namePrefix: string): Promise<string[]> {
    const urls: string[] = [];
    const pages = paginateListQueues(
      { client: this.client, pageSize: 1000 },
      { QueueNamePrefix: namePrefix },
    );
    for await (const page of pages) urls.push(...(page.QueueUrls ?? []));
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
