import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { systemClock } from '../clock.ts';
import type { Clock, ReceivedMessage, WorkQueue } from '../ports.ts';

export function createSqsWorkQueue(sqs: SQSClient, clock: Clock = systemClock): WorkQueue {
  return {
    async listQueues(namePrefix) {
      const urls: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sqs.send(
          new ListQueuesCommand({ QueueNamePrefix: namePrefix, MaxResults: 1000, NextToken: nextToken }),
        );
        urls.push(...(page.QueueUrls ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      return urls;
    },
    async receive(queueUrl, options) {
      const result = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: options.maxMessages,
          WaitTimeSeconds: options.waitSeconds,
          VisibilityTimeout: options.visibilitySeconds,
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      const receivedAt = clock.now();
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
    },
    async changeVisibility(queueUrl, receiptHandle, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
    async delete(queueUrl, receiptHandle) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
    },
  };
}
