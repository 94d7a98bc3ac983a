import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { systemClock, type Clock } from '#contracts/clock.ts';
import type { AdapterGrants } from '#contracts/grants.ts';
import type { ReceiveOptions, ReceivedMessage, WorkQueue } from '../ports.ts';

/** The project queues as the worker uses them: discovered by name prefix, received, kept, deleted. */
export class SqsWorkQueue implements WorkQueue {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SqsWorkQueue> = [
    { actions: ['sqs:ListQueues'], on: 'queueList', by: ['listQueues'] },
    { actions: ['sqs:ReceiveMessage'], on: 'queues', by: ['receive'] },
    { actions: ['sqs:ChangeMessageVisibility'], on: 'queues', by: ['changeVisibility'] },
    { actions: ['sqs:DeleteMessage'], on: 'queues', by: ['delete'] },
  ];

  constructor(
    private readonly client: SQSClient,
    private readonly clock: Clock = systemClock,
  ) {}

  async listQueues(namePrefix: string): Promise<string[]> {
    const urls: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListQueuesCommand({ QueueNamePrefix: namePrefix, MaxResults: 1000, NextToken: nextToken }),
      );
      urls.push(...(page.QueueUrls ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return urls;
  }

  async receive(queueUrl: string, options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const result = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: options.maxMessages,
        WaitTimeSeconds: options.waitSeconds,
        VisibilityTimeout: options.visibilitySeconds,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
      options.signal ? { abortSignal: options.signal } : {},
    );
    const receivedAt = this.clock.now().getTime();
    return (result.Messages ?? []).flatMap((message): ReceivedMessage[] => {
      if (!message.ReceiptHandle || message.Body === undefined) return [];
      const sent = Number(message.Attributes?.SentTimestamp);
      return [
        {
          messageId: message.MessageId ?? '',
          receiptHandle: message.ReceiptHandle,
          body: message.Body,
          receivedAt,
          ...(Number.isFinite(sent) && sent > 0 ? { sentAt: sent } : {}),
        },
      ];
    });
  }

  async changeVisibility(queueUrl: string, receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  async delete(queueUrl: string, receiptHandle: string): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  }
}
