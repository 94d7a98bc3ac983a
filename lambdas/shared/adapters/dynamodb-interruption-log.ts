import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { slotIdOf } from '#contracts/identifiers';
import type { InterruptionLog, InterruptionRecord } from '#workflow/ports';

/** The interruptions audit table: pk = slot, sk = `${at}#${byJobId}`; items expire by TTL. */
export class DynamoDbInterruptionLog implements InterruptionLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(entry: InterruptionRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: slotIdOf(entry.projectId, entry.userId),
          sk: `${entry.at.toISOString()}#${entry.byJobId}`,
          projectId: entry.projectId,
          userId: entry.userId,
          targetJobId: entry.targetJobId,
          byJobId: entry.byJobId,
          reason: entry.reason,
          delivered: entry.delivered,
          interruptedAt: entry.at.toISOString(),
          ttl: Math.floor(entry.expiresAt.getTime() / 1000),
        },
      }),
    );
  }
}
