import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulators, type Emulators } from '#local/emulators/index.ts';

export const BUCKET = 'guarded-bucket';
export const TABLE = 'guarded-table';
export const QUEUE = 'guarded-queue';
/** The item an attacker would like to change (a project's validation commands, say). */
export const ITEM_KEY = { pk: { S: 'project#demo' } };

export interface EdgeFixture {
  emulators: Emulators;
  dataDir: string;
  port: number;
  queueUrl: string;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  /** What an attack could change: object keys, the guarded item, the queue's message count. */
  snapshot(): Promise<{ keys: string[]; item: unknown; messages: string }>;
  stop(): Promise<void>;
}

/** Emulators behind the edge on a free port, with a bucket, a table with one item and a queue. */
export async function startEdgeFixture(): Promise<EdgeFixture> {
  const root = await mkdtemp(join(tmpdir(), 'intake-security-'));
  const dataDir = join(root, 'data');
  const emulators = await startEmulators({ dataDir, edgePort: 0, host: '127.0.0.1' });
  const config = { endpoint: emulators.endpoint, region: 'us-east-1', credentials: emulators.credentials };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const dynamodb = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamodb.send(
    new PutItemCommand({ TableName: TABLE, Item: { ...ITEM_KEY, command: { S: 'npm test' } } }),
  );
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: QUEUE }));
  return {
    emulators,
    dataDir,
    port: Number(new URL(emulators.endpoint).port),
    queueUrl: QueueUrl,
    s3,
    dynamodb,
    sqs,
    async snapshot() {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: TABLE, Key: ITEM_KEY, ConsistentRead: true }),
      );
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      return {
        keys: (listed.Contents ?? []).map((object) => object.Key ?? ''),
        item: Item,
        messages: Attributes?.ApproximateNumberOfMessages ?? '?',
      };
    },
    async stop() {
      s3.destroy();
      dynamodb.destroy();
      sqs.destroy();
      await emulators.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
