import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { SlotWaiterItem } from '#contracts/tables';
import { epochSeconds } from '#contracts/active-jobs-table';
import type { SlotWaiter, SlotWaiters } from '#workflow/ports';

/** A waiter item outlives any wait (the workflow bounds a wait to minutes); TTL removes leftovers. */
const WAITER_TTL_SECONDS = 24 * 3600;

/** The slot-waiters table: pk = slot id, sk = job id. */
export class DynamoDbSlotWaiters implements SlotWaiters {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async park(waiter: Omit<SlotWaiter, 'arrivedAt'>, now: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: waiter.slotId, sk: waiter.jobId },
        UpdateExpression: 'SET #token = :token, arrivedAt = if_not_exists(arrivedAt, :now), #ttl = :ttl',
        ExpressionAttributeNames: { '#token': 'token', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':token': waiter.token,
          ':now': now.toISOString(),
          ':ttl': epochSeconds(now) + WAITER_TTL_SECONDS,
        },
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
    return items
      .map((item) => ({ slotId: item.pk, jobId: item.sk, token: item.token, arrivedAt: item.arrivedAt }))
      .sort((a, b) => a.arrivedAt.localeCompare(b.arrivedAt) || a.jobId.localeCompare(b.jobId));
  }

  async leave(waiter: Pick<SlotWaiter, 'slotId' | 'jobId' | 'token'>): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: waiter.slotId, sk: waiter.jobId },
          ConditionExpression: '#token = :token',
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
