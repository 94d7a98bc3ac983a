import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulators } from '#local/emulators/index.ts';
import { clientConfig, removeDir, start, tempDataDir } from './harness.ts';

let dataDir: string;
let emulators: Emulators;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
const TableName = 'active-jobs';

beforeAll(async () => {
  dataDir = await tempDataDir();
  emulators = await start(dataDir);
  client = new DynamoDBClient(clientConfig(emulators));
  doc = DynamoDBDocumentClient.from(client);
  await client.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
  await removeDir(dataDir);
});

const claim = (owner: string, now: number): PutCommand =>
  new PutCommand({
    TableName,
    Item: { pk: 'amelia#scott', sk: 'lease', owner, expiresAt: now + 60 },
    ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
    ExpressionAttributeValues: { ':now': now },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });

describe('DynamoDB through the edge', () => {
  it('conditional put: the loser learns who holds the lease (ReturnValuesOnConditionCheckFailure ALL_OLD)', async () => {
    const now = 1_000;
    await doc.send(claim('job-1', now));
    const failure = await doc.send(claim('job-2', now + 1)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ConditionalCheckFailedException);
    expect((failure as ConditionalCheckFailedException).Item?.owner).toEqual({ S: 'job-1' });
    // An expired lease can be taken over.
    await doc.send(claim('job-3', now + 120));
  });

  it('conditional update and delete return the current item on failure; ALL_NEW on success', async () => {
    const renewed = await doc.send(
      new UpdateCommand({
        TableName,
        Key: { pk: 'amelia#scott', sk: 'lease' },
        UpdateExpression: 'SET expiresAt = :e',
        ConditionExpression: '#o = :me',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':e': 5_000, ':me': 'job-3' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(renewed.Attributes).toMatchObject({ owner: 'job-3', expiresAt: 5_000 });
    const failure = await doc
      .send(
        new UpdateCommand({
          TableName,
          Key: { pk: 'amelia#scott', sk: 'lease' },
          UpdateExpression: 'REMOVE #o',
          ConditionExpression: '#o = :me',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':me': 'someone-else' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .catch((err: unknown) => err);
    expect((failure as ConditionalCheckFailedException).Item?.owner).toEqual({ S: 'job-3' });
  });

  it('queries and scans', async () => {
    for (const sk of ['job#1', 'job#2', 'other'])
      await doc.send(new PutCommand({ TableName, Item: { pk: 'amelia', sk } }));
    const { Items } = await doc.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': 'amelia', ':s': 'job#' },
      }),
    );
    expect(Items?.map((i) => i.sk)).toEqual(['job#1', 'job#2']);
    const scanned = await doc.send(new ScanCommand({ TableName }));
    expect(scanned.Count).toBe(4);
  });

  it('accepts TTL settings (UpdateTimeToLive) and reports them', async () => {
    const updated = await client.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
    expect(updated.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    const described = await client.send(new DescribeTimeToLiveCommand({ TableName }));
    expect(described.TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });
    await expect(client.send(new DescribeTimeToLiveCommand({ TableName: 'missing' }))).rejects.toThrow(
      /not found/i,
    );
  });
});
