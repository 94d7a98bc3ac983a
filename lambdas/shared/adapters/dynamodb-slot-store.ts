import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ActiveJobItem } from '#contracts/tables';
import { epochSeconds, leaseItemFor } from '#workflow/lease-item';
import type { ClaimAttempt, SlotClaim, SlotStore } from '#workflow/ports';

/**
 * The active-jobs lease on DynamoDB. The lease's expiry is checked in the condition expression:
 * TTL deletion can lag for days, so an expired item still exists and must not block a claim.
 */
export class DynamoDbSlotStore implements SlotStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(claim: SlotClaim): Promise<ClaimAttempt> {
    const item = leaseItemFor(claim);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR jobId = :jobId',
            ExpressionAttributeValues: { ':now': epochSeconds(claim.now), ':jobId': claim.jobId },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { claimed: true, item };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const holder = error.Item ? (unmarshall(error.Item) as ActiveJobItem) : await this.get(item.pk);
        // The holder released between our write and our read: the slot is free, try again.
        if (holder) return { claimed: false, holder };
      }
    }
    throw new Error(`Could not claim slot ${item.pk}: it changed hands three times during the claim`);
  }

  async requestInterrupt(slotId: string, holderJobId: string, byJobId: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: slotId },
          UpdateExpression: 'SET interruptRequestedBy = :by',
          ConditionExpression: 'jobId = :holder',
          ExpressionAttributeValues: { ':by': byJobId, ':holder': holderJobId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(slotId: string, jobId: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: slotId },
          ConditionExpression: 'jobId = :jobId',
          ExpressionAttributeValues: { ':jobId': jobId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async get(slotId: string): Promise<ActiveJobItem | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: slotId }, ConsistentRead: true }),
    );
    return result.Item as ActiveJobItem | undefined;
  }
}
