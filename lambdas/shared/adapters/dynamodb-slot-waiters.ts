import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  byArrival,
  slotWaiterItemFor,
  slotWaiterKey,
  slotWaiterOf,
  WAITER_CONDITIONS,
  type SlotWaiter,
  type SlotWaiterItem,
} from '#contracts/slot-waiters-table';
import type { SlotWaiters } from '#workflow/ports';
import type { AdapterGrants } from '#contracts/grants';

/** The slot-waiters table on DynamoDB; the item, its key and its condition are the contract's. */
export class DynamoDbSlotWaiters implements SlotWaiters {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<DynamoDbSlotWaiters> = [
    { actions: ['dynamodb:UpdateItem'], on: 'table', by: ['park'] },
    { actions: ['dynamodb:Query'], on: 'table', by: ['waiting'] },
    { actions: ['dynamodb:DeleteItem'], on: 'table', by: ['leave'] },
  ];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async park(waiter: Omit<SlotWaiter, 'arrivedAt'>, now: Date): Promise<void> {
    const item = slotWaiterItemFor(waiter, now);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: slotWaiterKey(waiter.slotId, waiter.jobId),
        UpdateExpression: 'SET #token = :token, arrivedAt = if_not_exists(arrivedAt, :now), #ttl = :ttl',
        ExpressionAttributeNames: { '#token': 'token', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':token': item.token, ':now': item.arrivedAt, ':ttl': item.ttl },
      }),
    );
  }

  async waiting(slotId: string): Promise<SlotWaiter[]> {
    const items: SlotWaiterItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': slotId },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as SlotWaiterItem[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.map(slotWaiterOf).sort(byArrival);
  }

  async leave(waiter: Pick<SlotWaiter, 'slotId' | 'jobId' | 'token'>): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: slotWaiterKey(waiter.slotId, waiter.jobId),
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
