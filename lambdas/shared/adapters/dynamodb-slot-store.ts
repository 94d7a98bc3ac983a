import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  ACTIVE_JOB_CONDITIONS,
  activeJobItemFor,
  activeJobKey,
  epochSeconds,
  type ActiveJobItem,
} from '#contracts/active-jobs-table';
import type { ClaimAttempt, SlotClaim, SlotStore } from '#workflow/ports';

/** The workflow's side of the active-jobs table on DynamoDB; the item and its conditions are the contract's. */
export class DynamoDbSlotStore implements SlotStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(claim: SlotClaim): Promise<ClaimAttempt> {
    const item = activeJobItemFor(claim);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: ACTIVE_JOB_CONDITIONS.claimable.expression,
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
          Key: activeJobKey(slotId),
          UpdateExpression: 'SET interruptRequestedBy = :by',
          ConditionExpression: ACTIVE_JOB_CONDITIONS.heldBy.expression,
          ExpressionAttributeValues: { ':by': byJobId, ':jobId': holderJobId },
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
          Key: activeJobKey(slotId),
          ConditionExpression: ACTIVE_JOB_CONDITIONS.heldBy.expression,
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
      new GetCommand({ TableName: this.tableName, Key: activeJobKey(slotId), ConsistentRead: true }),
    );
    return result.Item as ActiveJobItem | undefined;
  }
}
