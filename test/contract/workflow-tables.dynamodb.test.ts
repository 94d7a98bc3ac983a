import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDbAdmissionWindows } from '#adapters/dynamodb-admission-windows.ts';
import { DynamoDbInterruptionLog } from '#adapters/dynamodb-interruption-log.ts';
import { DynamoDbProjectRegistry } from '#adapters/dynamodb-project-registry.ts';
import { DynamoDbLeaseWaiters } from '#adapters/dynamodb-lease-waiters.ts';
import type { AdmissionWindowItem } from '#contracts/admission-windows-table.ts';
import type { InterruptionItem } from '#contracts/interruptions-table.ts';
import type { ProjectItem } from '#contracts/projects-table.ts';
import type { LeaseWaiterItem } from '#contracts/slot-waiters-table.ts';
import type { Emulators } from '#local/emulators/index.ts';
import type { TableKind } from '#contracts/tables.ts';
import { ensureTable } from '#local/provision.ts';
import { clientConfig, removeDir, start, tempDataDir } from '../integration/emulators/harness.ts';
import { describeAdmissionWindowsTableContract } from './admission-windows-table.contract.ts';
import { describeInterruptionsTableContract } from './interruptions-table.contract.ts';
import { describeProjectsTableContract } from './projects-table.contract.ts';
import { describeSlotWaitersTableContract } from './slot-waiters-table.contract.ts';

const TABLES = {
  interruptions: 'contract-interruptions',
  slotWaiters: 'contract-slot-waiters',
  admissionWindows: 'contract-admission-windows',
  projects: 'contract-projects',
} as const satisfies Partial<Record<TableKind, string>>;
const NOW = new Date('2026-03-01T10:00:00.000Z');

let dataDir: string;
let emulators: Emulators;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  dataDir = await tempDataDir();
  emulators = await start(dataDir);
  client = new DynamoDBClient(clientConfig(emulators));
  for (const [kind, name] of Object.entries(TABLES)) await ensureTable(client, name, kind as TableKind);
  doc = DynamoDBDocumentClient.from(client);
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
  if (dataDir) await removeDir(dataDir);
});

const read = async <T>(TableName: string, Key: Record<string, string>): Promise<T | undefined> =>
  (await doc.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item as T | undefined;

describeInterruptionsTableContract('DynamoDB adapter on the local DynamoDB', () => ({
  log: new DynamoDbInterruptionLog(doc, TABLES.interruptions),
  read: (key) => read<InterruptionItem>(TABLES.interruptions, key),
}));

describeSlotWaitersTableContract('DynamoDB adapter on the local DynamoDB', () => ({
  waiters: new DynamoDbLeaseWaiters(doc, TABLES.slotWaiters),
  read: (key) => read<LeaseWaiterItem>(TABLES.slotWaiters, key),
}));

describeAdmissionWindowsTableContract('DynamoDB adapter on the local DynamoDB', () => ({
  windows: new DynamoDbAdmissionWindows(doc, TABLES.admissionWindows),
  read: (key) => read<AdmissionWindowItem>(TABLES.admissionWindows, { pk: key }),
}));

describeProjectsTableContract('DynamoDB adapter on the local DynamoDB', () => ({
  registry: new DynamoDbProjectRegistry(doc, TABLES.projects, { now: () => NOW }),
  read: (key) => read<ProjectItem>(TABLES.projects, key),
  now: NOW,
}));
