import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { newInputQueueNoticesName } from '#contracts/identifiers.ts';
import { TABLE_KEYS, type TableKind } from '#contracts/tables.ts';
import type { RuntimeConfig } from '#shared/config.ts';

const tableNames = (config: RuntimeConfig): Record<TableKind, string> => ({
  activeJobs: config.activeJobsTable,
  jobs: config.jobsTable,
  interruptions: config.interruptionsTable,
  projects: config.projectsTable,
  admissionWindows: config.admissionWindowsTable,
  slotWaiters: config.slotWaitersTable,
});

/**
 * Creates the bucket, tables and the new-input-queue notices queue the local runtime needs, as the
 * CDK stack does on AWS. Idempotent: a restart with the same data folder finds them and changes nothing.
 */
export async function provisionLocalResources(
  config: RuntimeConfig,
  clients: { s3: S3Client; dynamodb: DynamoDBClient; sqs: SQSClient },
): Promise<void> {
  await ensureBucket(clients.s3, config.mailBucket);
  // CreateQueue with the same attributes answers the existing queue's URL.
  await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: newInputQueueNoticesName(config.queuePrefix),
      Attributes: { MessageRetentionPeriod: String(15 * 60) },
    }),
  );
  for (const [kind, name] of Object.entries(tableNames(config)) as [TableKind, string][]) {
    await ensureTable(clients.dynamodb, name, kind);
  }
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    // Only a missing bucket is created; any other answer is reported as itself.
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) {
      throw new Error(`Could not check the mail bucket ${bucket}: ${String(error)}`);
    }
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

export async function ensureTable(dynamodb: DynamoDBClient, name: string, kind: TableKind): Promise<void> {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const keys = TABLE_KEYS[kind];
  const sortKey = 'sortKey' in keys ? keys.sortKey : undefined;
  const keySchema: KeySchemaElement[] = [{ AttributeName: keys.partitionKey, KeyType: 'HASH' }];
  if (sortKey) keySchema.push({ AttributeName: sortKey, KeyType: 'RANGE' });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keySchema,
      AttributeDefinitions: keySchema.map((key) => ({
        AttributeName: key.AttributeName,
        AttributeType: 'S',
      })),
    }),
  );
  await waitForTable(dynamodb, name);
  if (keys.ttlAttribute) {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: keys.ttlAttribute, Enabled: true },
      }),
    );
  }
}

async function waitForTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Table ${name} did not become ACTIVE`);
}
