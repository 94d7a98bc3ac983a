import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FINAL_OUTCOMES } from '#contracts/tables';
import type { Checkpoint, JobRecordStore, WorkerReport } from '../ports.ts';

/**
 * The worker's fields on a jobs-table item (pk = projectId, sk = jobId): `checkpoint`, `stories`,
 * `modelUsage`, `workerId`, `workerStartedAt`, `workerReport`, and where the work is: `branch`,
 * `repositoryUrl`, `pullRequest`. It sets `outcome` only to `running`,
 * and only while no final outcome has been written by the workflow.
 */
export function createDynamoDbJobRecords(client: DynamoDBDocumentClient, tableName: string): JobRecordStore {
  const set = async (projectId: string, jobId: string, fields: Record<string, unknown>): Promise<void> => {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':updatedAt': new Date().toISOString() };
    const sets = ['#updatedAt = :updatedAt'];
    for (const [field, value] of Object.entries(fields)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: projectId, sk: jobId },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  };

  return {
    async load(projectId, jobId) {
      const result = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: projectId, sk: jobId }, ConsistentRead: true }),
      );
      const item = result.Item as { checkpoint?: Checkpoint; workerReport?: WorkerReport } | undefined;
      return {
        ...(item?.checkpoint ? { checkpoint: item.checkpoint } : {}),
        ...(item?.workerReport ? { report: item.workerReport } : {}),
      };
    },
    async markRunning(projectId, jobId, { workerId, startedAt }) {
      const finals = Object.fromEntries(FINAL_OUTCOMES.map((outcome, i) => [`:final${i}`, outcome]));
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: projectId, sk: jobId },
            UpdateExpression:
              'SET #outcome = :running, workerId = :workerId, workerStartedAt = :startedAt, updatedAt = :startedAt',
            ConditionExpression: `attribute_not_exists(#outcome) OR NOT (#outcome IN (${Object.keys(finals).join(', ')}))`,
            ExpressionAttributeNames: { '#outcome': 'outcome' },
            ExpressionAttributeValues: {
              ...finals,
              ':running': 'running',
              ':workerId': workerId,
              ':startedAt': startedAt,
            },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        await set(projectId, jobId, { workerId, workerStartedAt: startedAt });
      }
    },
    saveProgress: (projectId, jobId, progress) =>
      set(projectId, jobId, {
        checkpoint: progress.checkpoint,
        stories: progress.stories,
        modelUsage: progress.modelUsage,
      }),
    markReported: (projectId, jobId, report) => set(projectId, jobId, { workerReport: report }),
    saveDelivery: (projectId, jobId, delivery) =>
      set(projectId, jobId, {
        branch: delivery.branch,
        ...(delivery.repositoryUrl ? { repositoryUrl: delivery.repositoryUrl } : {}),
        ...(delivery.pullRequest ? { pullRequest: delivery.pullRequest } : {}),
      }),
  };
}
