import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { interruptionItemFor, type InterruptionRecord } from '../contracts/interruptions-table.ts';
import type { InterruptionLog } from '../workflow/ports.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

/** The interruptions audit table on DynamoDB; the item and its key are the contract's. */
export class DynamoDbInterruptionLog implements InterruptionLog {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<DynamoDbInterruptionLog> = [
    { actions: ['dynamodb:PutItem'], on: 'table', by: ['record'] },
  ];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(entry: InterruptionRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: interruptionItemFor(entry) }));
  }
}
