import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { jobKey, type JobItem } from '#contracts/jobs-table.ts';
import { DynamoDbJobRecords } from '#adapters/dynamodb-job-records.ts';
import type { Emulators } from '#local/emulators/index.ts';
import { ensureTable } from '#local/provision.ts';
import { DynamoDbWorkerJobRecords } from '../../containers/story-processor/src/adapters/dynamodb-worker-job-records.ts';
import { clientConfig, removeDir, start, tempDataDir } from '../integration/emulators/harness.ts';
import { describeJobsTableContract, type JobsTableUnderTest } from './jobs-table.contract.ts';

const TableName = 'contract-jobs';
let dataDir: string;
let emulators: Emulators;
let client: DynamoDBClient;
let under: JobsTableUnderTest;

beforeAll(async () => {
  dataDir = await tempDataDir();
  emulators = await start(dataDir);
  client = new DynamoDBClient(clientConfig(emulators));
  await ensureTable(client, TableName, 'jobs');
  const doc = DynamoDBDocumentClient.from(client);
  under = {
    jobs: new DynamoDbJobRecords(doc, TableName),
    workers: new DynamoDbWorkerJobRecords(doc, TableName),
    read: async (projectId, jobId) =>
      (await doc.send(new GetCommand({ TableName, Key: jobKey(projectId, jobId), ConsistentRead: true })))
        .Item as JobItem | undefined,
  };
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
  if (dataDir) await removeDir(dataDir);
});

describeJobsTableContract('DynamoDB adapters on the local DynamoDB', () => under);
