import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  LEASE_CONDITIONS,
  leaseItemFor,
  leaseKey,
  epochSeconds,
  type LeaseItem,
} from '../contracts/active-jobs-table.ts';
import type { ClaimAttempt, LeaseClaim, LeaseStore } from '../workflow/ports.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

/** The workflow's side of the active-jobs table on DynamoDB; the item and its conditions are the contract's. */
export class DynamoDbLeaseStore implements LeaseStore {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<DynamoDbLeaseStore> = [
    { actions: ['dynamodb:PutItem'], on: 'table', by: ['claim'] },
    { actions: ['dynamodb:UpdateItem'], on: 'table', by: ['requestInterrupt'] },
    { actions: ['dynamodb:DeleteItem'], on: 'table', by: ['release'] },
  ];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(claim: LeaseClaim): Promise<ClaimAttempt> {
    const item = leaseItemFor(claim);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: LEASE_CONDITIONS.claimable.expression,
            ExpressionAttributeValues: { ':now': epochSeconds(claim.now), ':jobId': claim.jobId },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { claimed: true, item };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // ALL_OLD returns the holder with the failed condition; without one the lease is free again.
        if (error.Item) return { claimed: false, holder: unmarshall(error.Item) as LeaseItem };
      }
    }
    throw new Error(`Could not claim lease ${item.pk}: it changed hands three times during the claim`);
  }

  async requestInterrupt(leaseId: string, holderJobId: string, byJobId: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leaseKey(leaseId),
          UpdateExpression: 'SET interruptRequestedBy = :by',
          ConditionExpression: LEASE_CONDITIONS.heldBy.expression,
          ExpressionAttributeValues: { ':by': byJobId, ':jobId': holderJobId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(leaseId: string, jobId: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: leaseKey(leaseId),
          ConditionExpression: LEASE_CONDITIONS.heldBy.expression,
          ExpressionAttributeValues: { ':jobId': jobId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
