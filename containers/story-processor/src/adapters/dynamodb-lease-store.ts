import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  ACTIVE_JOB_CONDITIONS,
  activeJobKey,
  epochSeconds,
  leaseExpiry,
  leaseViewOf,
  type ActiveJobItem,
} from '#contracts/active-jobs-table';
import type { LeaseStore } from '../ports.ts';

const EXTEND = 'SET expiresAt = :exp, expiresAtIso = :iso, #ttl = :ttl';

const extendValues = (expiresAtMs: number): Record<string, unknown> => {
  const { expiresAt, expiresAtIso, ttl } = leaseExpiry(new Date(expiresAtMs));
  return { ':exp': expiresAt, ':iso': expiresAtIso, ':ttl': ttl };
};

/**
 * The worker's side of the active-jobs table: every write is conditioned on the job id (and, once
 * claimed, on this worker), so a lease the workflow has released or handed to another job is never
 * extended. ALL_NEW tells the worker about `interruptRequestedBy` on every renewal.
 */
export function createDynamoDbLeaseStore(client: DynamoDBDocumentClient, tableName: string): LeaseStore {
  const get = async (slotId: string): Promise<Partial<ActiveJobItem> | undefined> =>
    (
      await client.send(
        new GetCommand({ TableName: tableName, Key: activeJobKey(slotId), ConsistentRead: true }),
      )
    ).Item as Partial<ActiveJobItem> | undefined;

  return {
    async claim({ slotId, jobId, workerId, expiresAt, now }) {
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: activeJobKey(slotId),
            UpdateExpression: `${EXTEND}, workerId = :workerId`,
            ConditionExpression: ACTIVE_JOB_CONDITIONS.workerMayTake.expression,
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ...extendValues(expiresAt),
              ':workerId': workerId,
              ':jobId': jobId,
              ':now': epochSeconds(new Date(now)),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { kind: 'claimed', lease: leaseViewOf(result.Attributes ?? {}) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const item = await get(slotId);
        if (!item || item.jobId !== jobId)
          return item ? { kind: 'not-ours', lease: leaseViewOf(item) } : { kind: 'not-ours' };
        return { kind: 'held-elsewhere', lease: leaseViewOf(item) };
      }
    },
    async renew({ slotId, jobId, workerId, expiresAt }) {
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: activeJobKey(slotId),
            UpdateExpression: EXTEND,
            ConditionExpression: ACTIVE_JOB_CONDITIONS.runBy.expression,
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ...extendValues(expiresAt), ':workerId': workerId, ':jobId': jobId },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return leaseViewOf(result.Attributes ?? {});
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },
    async read(slotId) {
      const item = await get(slotId);
      return item ? leaseViewOf(item) : undefined;
    },
    async handOver({ slotId, jobId, workerId }) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: activeJobKey(slotId),
            UpdateExpression: 'REMOVE workerId',
            ConditionExpression: ACTIVE_JOB_CONDITIONS.runBy.expression,
            ExpressionAttributeValues: { ':workerId': workerId, ':jobId': jobId },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
