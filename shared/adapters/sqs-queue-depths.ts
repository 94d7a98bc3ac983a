import { GetQueueAttributesCommand, paginateListQueues, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueDepthReader } from '../workflow/queue-backlog.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

export class SqsQueueDepths implements QueueDepthReader {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SqsQueueDepths> = [
    { actions: ['sqs:ListQueues'], on: 'queueList', by: ['list'] },
    { actions: ['sqs:GetQueueAttributes'], on: 'queues', by: ['depth'] },
  ];

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
