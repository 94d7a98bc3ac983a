import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  byArrival,
  leaseWaiterItemFor,
  leaseWaiterKey,
  leaseWaiterOf,
  WAITER_CONDITIONS,
  type LeaseWaiter,
  type LeaseWaiterItem,
} from '../contracts/slot-waiters-table.ts';
import type { LeaseWaiters } from '../workflow/ports.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

/** The slot-waiters table on DynamoDB; the item, its key and its condition are the contract's. */
export class DynamoDbLeaseWaiters implements LeaseWaiters {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<DynamoDbLeaseWaiters> = [
    { actions: ['dynamodb:UpdateItem'], on: 'table', by: ['park'] },
    { actions: ['dynamodb:Query'], on: 'table', by: ['waiting'] },
    { actions: ['dynamodb:DeleteItem'], on: 'table', by: ['leave'] },
  ];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async park(waiter: Omit<LeaseWaiter, 'arrivedAt'>, now: Date): Promise<void> {
    const item = leaseWaiterItemFor(waiter, now);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: leaseWaiterKey(waiter.leaseId, waiter.jobId),
        UpdateExpression: 'SET #token = :token, arrivedAt = if_not_exists(arrivedAt, :now), #ttl = :ttl',
        ExpressionAttributeNames: { '#token': 'token', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':token': item.token, ':now': item.arrivedAt, ':ttl': item.ttl },
      }),
    );
  }

  async waiting(leaseId: string): Promise<LeaseWaiter[]> {
    const items: LeaseWaiterItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': leaseId },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as LeaseWaiterItem[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.map(leaseWaiterOf).sort(byArrival);
  }

  async leave(waiter: Pick<LeaseWaiter, 'leaseId' | 'jobId' | 'token'>): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: leaseWaiterKey(waiter.leaseId, waiter.jobId),
          ConditionExpression: WAITER_CONDITIONS.stillWaitsWith.expression,
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': waiter.token },
        }),
      );
    } catch (error) {
      // Gone already, or parked again with a newer token: that registration stays.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
