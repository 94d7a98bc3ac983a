import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  LEASE_CONDITIONS,
  leaseKey,
  epochSeconds,
  leaseExpiry,
  leaseViewOf,
  type LeaseItem,
} from '#contracts/active-jobs-table.ts';
import type { AdapterGrants } from '#contracts/grants.ts';
import type { WorkerLeaseClaim, WorkerLeaseRef, WorkerLeaseStore, LeaseView } from '../ports.ts';

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
export class DynamoDbWorkerLeaseStore implements WorkerLeaseStore {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<DynamoDbWorkerLeaseStore> = [
    { actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], on: 'table', by: ['claim'] },
    { actions: ['dynamodb:UpdateItem'], on: 'table', by: ['renew', 'handOver'] },
    { actions: ['dynamodb:GetItem'], on: 'table', by: ['read'] },
  ];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async get(leaseId: string): Promise<Partial<LeaseItem> | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: leaseKey(leaseId), ConsistentRead: true }),
    );
    return result.Item as Partial<LeaseItem> | undefined;
  }

  async claim(input: WorkerLeaseRef & { expiresAt: number; now: number }): Promise<WorkerLeaseClaim> {
    const { leaseId, jobId, workerId, expiresAt, now } = input;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(leaseId),
          UpdateExpression: `${EXTEND}, workerId = :workerId`,
          ConditionExpression: LEASE_CONDITIONS.workerMayTake.expression,
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
      const item = await this.get(leaseId);
      if (!item || item.jobId !== jobId)
        return item ? { kind: 'not-ours', lease: leaseViewOf(item) } : { kind: 'not-ours' };
      return { kind: 'held-elsewhere', lease: leaseViewOf(item) };
    }
  }

  async renew(input: WorkerLeaseRef & { expiresAt: number }): Promise<LeaseView | undefined> {
    const { leaseId, jobId, workerId, expiresAt } = input;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(leaseId),
          UpdateExpression: EXTEND,
          ConditionExpression: LEASE_CONDITIONS.runBy.expression,
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
  }

  async read(leaseId: string): Promise<LeaseView | undefined> {
    const item = await this.get(leaseId);
    return item ? leaseViewOf(item) : undefined;
  }

  async handOver(input: WorkerLeaseRef): Promise<void> {
    const { leaseId, jobId, workerId } = input;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(leaseId),
          UpdateExpression: 'REMOVE workerId',
          ConditionExpression: LEASE_CONDITIONS.runBy.expression,
          ExpressionAttributeValues: { ':workerId': workerId, ':jobId': jobId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
