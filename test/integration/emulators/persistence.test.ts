import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { clientConfig, removeDir, start, tempDataDir } from './harness.ts';

let dataDir: string | undefined;

afterAll(async () => {
  if (dataDir) await removeDir(dataDir);
});

describe('emulator data survives a stop and start with the same data folder', () => {
  it('keeps S3 objects, DynamoDB tables, items and TTL settings, SQS queues, messages and deduplication ids', async () => {
    dataDir = await tempDataDir();
    const first = await start(dataDir);
    let messageId: string | undefined;
    try {
      const config = clientConfig(first);
      const s3 = new S3Client({ ...config, forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: 'kept-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'kept-bucket', Key: 'emails/a.eml', Body: 'kept' }));

      const ddb = new DynamoDBClient(config);
      await ddb.send(
        new CreateTableCommand({
          TableName: 'kept-table',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await ddb.send(
        new PutItemCommand({ TableName: 'kept-table', Item: { pk: { S: 'k' }, v: { N: '1' } } }),
      );
      await ddb.send(
        new UpdateTimeToLiveCommand({
          TableName: 'kept-table',
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        }),
      );

      const sqs = new SQSClient(config);
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({
          QueueName: 'kept.fifo',
          Attributes: { FifoQueue: 'true', VisibilityTimeout: '45' },
        }),
      );
      messageId = (
        await sqs.send(
          new SendMessageCommand({
            QueueUrl,
            MessageBody: 'm1',
            MessageGroupId: 'g',
            MessageDeduplicationId: 'd1',
          }),
        )
      ).MessageId;
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'm2',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'd2',
        }),
      );
      // m1 is in flight when the runtime stops.
      const inFlight = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
      expect(inFlight.Messages?.[0]?.Body).toBe('m1');
      [s3, ddb, sqs].forEach((c) => c.destroy());
    } finally {
      await first.stop();
    }

    const second = await start(dataDir);
    try {
      const config = clientConfig(second);
      const s3 = new S3Client({ ...config, forcePathStyle: true });
      const object = await s3.send(new GetObjectCommand({ Bucket: 'kept-bucket', Key: 'emails/a.eml' }));
      expect(await object.Body?.transformToString()).toBe('kept');

      const ddb = new DynamoDBClient(config);
      const { Item } = await ddb.send(
        new GetItemCommand({ TableName: 'kept-table', Key: { pk: { S: 'k' } } }),
      );
      expect(Item?.v).toEqual({ N: '1' });
      const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'kept-table' }));
      expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');

      const sqs = new SQSClient(config);
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'kept.fifo' }));
      expect(QueueUrl?.startsWith(second.endpoint)).toBe(true);
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
      );
      expect(Attributes).toMatchObject({
        FifoQueue: 'true',
        VisibilityTimeout: '45',
        ApproximateNumberOfMessages: '2',
      });
      const resent = await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'm1',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'd1',
        }),
      );
      expect(resent.MessageId).toBe(messageId);
      // The message that was in flight comes back first, its receive count kept.
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      expect(received.Messages?.map((m) => m.Body)).toEqual(['m1']);
      expect(received.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
      [s3, ddb, sqs].forEach((c) => c.destroy());
    } finally {
      await second.stop();
    }
  });
});
