import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  ADMISSION_CONDITIONS,
  admissionWindowKey,
  type AdmissionWindowItem,
  type CountedWindow,
} from '../contracts/admission-windows-table.ts';
import type { AdmissionWindows } from '../workflow/ports.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

type Attribute = keyof AdmissionWindowItem;
const attr = <K extends Attribute>(name: K): K => name;

/**
 * Admission windows on DynamoDB; the item and its conditions are the contract's. Each decision is one conditional update:
 * the job joins the window's `admitted` string set only while the set is smaller than the limit (or
 * already holds it), so concurrent ParseEmail calls can never admit more than the limit.
 */
export class DynamoDbAdmissionWindows implements AdmissionWindows {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<DynamoDbAdmissionWindows> = [
    { actions: ['dynamodb:UpdateItem'], on: 'table', by: ['take', 'giveBack', 'claimReply'] },
  ];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async take(window: CountedWindow, jobId: string): Promise<boolean> {
    return this.conditionally({
      TableName: this.tableName,
      Key: admissionWindowKey(window),
      UpdateExpression: 'ADD #admitted :job SET #ttl = :ttl',
      ConditionExpression: ADMISSION_CONDITIONS.hasRoomFor.expression,
      ExpressionAttributeNames: { '#admitted': attr('admitted'), '#ttl': attr('ttl') },
      ExpressionAttributeValues: {
        ':job': new Set([jobId]),
        ':jobId': jobId,
        ':limit': window.limit,
        ':ttl': window.expiresAt,
      },
    });
  }

  async giveBack(window: CountedWindow, jobId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: admissionWindowKey(window),
        UpdateExpression: 'DELETE #admitted :job',
        ExpressionAttributeNames: { '#admitted': attr('admitted') },
        ExpressionAttributeValues: { ':job': new Set([jobId]) },
      }),
    );
  }

  async claimReply(window: CountedWindow, jobId: string): Promise<boolean> {
    return this.conditionally({
      TableName: this.tableName,
      Key: admissionWindowKey(window),
      UpdateExpression: 'SET #repliedFor = :jobId, #ttl = :ttl',
      ConditionExpression: ADMISSION_CONDITIONS.replyUnclaimedOrOurs.expression,
      ExpressionAttributeNames: { '#repliedFor': attr('repliedFor'), '#ttl': attr('ttl') },
      ExpressionAttributeValues: { ':jobId': jobId, ':ttl': window.expiresAt },
    });
  }

  private async conditionally(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
