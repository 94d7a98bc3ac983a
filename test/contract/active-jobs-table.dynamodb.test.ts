import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { leaseKey, type LeaseItem } from '#contracts/active-jobs-table.ts';
import { DynamoDbLeaseStore } from '#adapters/dynamodb-lease-store.ts';
import type { Emulators } from '#local/emulators/index.ts';
import { ensureTable } from '#local/provision.ts';
import { DynamoDbWorkerLeaseStore } from '../../containers/story-processor/src/adapters/dynamodb-worker-lease-store.ts';
import { clientConfig, removeDir, start, tempDataDir } from '../integration/emulators/harness.ts';
import {
  describeActiveJobsTableContract,
  type ActiveJobsTableUnderTest,
} from './active-jobs-table.contract.ts';

const TableName = 'contract-active-jobs';
let dataDir: string;
let emulators: Emulators;
let client: DynamoDBClient;
let under: ActiveJobsTableUnderTest;

beforeAll(async () => {
  dataDir = await tempDataDir();
  emulators = await start(dataDir);
  client = new DynamoDBClient(clientConfig(emulators));
  await ensureTable(client, TableName, 'activeJobs');
  const doc = DynamoDBDocumentClient.from(client);
  under = {
    leases: new DynamoDbLeaseStore(doc, TableName),
    workerLeases: new DynamoDbWorkerLeaseStore(doc, TableName),
    read: async (leaseId) =>
      (await doc.send(new GetCommand({ TableName, Key: leaseKey(leaseId), ConsistentRead: true }))).Item as
        LeaseItem | undefined,
  };
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
  if (dataDir) await removeDir(dataDir);
});

describeActiveJobsTableContract('DynamoDB adapters on the local DynamoDB', () => under);
