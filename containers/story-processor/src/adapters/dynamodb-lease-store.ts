import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActiveJobItem } from '#contracts/tables';
import type { LeaseStore, LeaseView } from '../ports.ts';

const seconds = (ms: number): number => Math.floor(ms / 1000);

const view = (item: Partial<ActiveJobItem>): LeaseView => ({
  jobId: item.jobId ?? '',
  expiresAt: (item.expiresAt ?? 0) * 1000,
  ...(item.workerId ? { workerId: item.workerId } : {}),
  ...(item.interruptRequestedBy ? { interruptRequestedBy: item.interruptRequestedBy } : {}),
  ...(item.runTaskToken ? { runTaskToken: item.runTaskToken } : {}),
});

/**
 * The worker's side of the active-jobs lease: every write is conditioned on the job id (and, once
 * claimed, on this worker), so a lease the workflow has released or handed to another job is never
 * extended. ALL_NEW tells the worker about `interruptRequestedBy` on every renewal.
 */
export function createDynamoDbLeaseStore(client: DynamoDBDocumentClient, tableName: string): LeaseStore {
  const extendExpression = 'SET expiresAt = :exp, expiresAtIso = :iso, #ttl = :ttl';
  const extendValues = (expiresAt: number): Record<string, unknown> => ({
    ':exp': seconds(expiresAt),
    ':iso': new Date(expiresAt).toISOString(),
    ':ttl': seconds(expiresAt) + 86_400,
  });
  const get = async (slotId: string): Promise<Partial<ActiveJobItem> | undefined> =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { pk: slotId }, ConsistentRead: true })))
      .Item as Partial<ActiveJobItem> | undefined;

  return {
    async claim({ slotId, jobId, workerId, expiresAt, now }) {
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: slotId },
            UpdateExpression: `${extendExpression}, workerId = :me`,
            ConditionExpression:
              'jobId = :job AND (attribute_not_exists(workerId) OR workerId = :me OR expiresAt < :now)',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ...extendValues(expiresAt),
              ':me': workerId,
              ':job': jobId,
              ':now': seconds(now),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { kind: 'claimed', lease: view(result.Attributes ?? {}) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const item = await get(slotId);
        if (!item || item.jobId !== jobId)
          return item ? { kind: 'not-ours', lease: view(item) } : { kind: 'not-ours' };
        return { kind: 'held-elsewhere', lease: view(item) };
      }
    },
    async renew({ slotId, jobId, workerId, expiresAt }) {
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: slotId },
            UpdateExpression: extendExpression,
            ConditionExpression: 'jobId = :job AND workerId = :me',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ...extendValues(expiresAt), ':me': workerId, ':job': jobId },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return view(result.Attributes ?? {});
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },
    async read(slotId) {
      const item = await get(slotId);
      return item ? view(item) : undefined;
    },
    async handOver({ slotId, jobId, workerId }) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: slotId },
            UpdateExpression: 'REMOVE workerId',
            ConditionExpression: 'jobId = :job AND workerId = :me',
            ExpressionAttributeValues: { ':me': workerId, ':job': jobId },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
