import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FINAL_JOB, jobKey, type JobItem } from '#contracts/jobs-table';
import type { Checkpoint, JobRecordStore, WorkerReport } from '../ports.ts';

/**
 * The worker's fields on a jobs-table item (pk = projectId, sk = jobId): `checkpoint`, `stories`,
 * `modelUsage`, `workerId`, `workerStartedAt`, `workerReport`, and where the work is: `branch`,
 * `repositoryUrl`, `pullRequest`. It sets `outcome` only to `running`,
 * and only while the job is not final (see `FINAL_JOB`).
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
        Key: jobKey(projectId, jobId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  };

  return {
    async load(projectId, jobId) {
      const result = await client.send(
        new GetCommand({ TableName: tableName, Key: jobKey(projectId, jobId), ConsistentRead: true }),
      );
      const item = result.Item as
        (JobItem & { checkpoint?: Checkpoint; workerReport?: WorkerReport }) | undefined;
      return {
        ...(item?.checkpoint ? { checkpoint: item.checkpoint } : {}),
        ...(item?.workerReport ? { report: item.workerReport } : {}),
      };
    },
    async markRunning(projectId, jobId, { workerId, startedAt }) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: jobKey(projectId, jobId),
            UpdateExpression:
              'SET #outcome = :running, workerId = :workerId, workerStartedAt = :startedAt, updatedAt = :startedAt',
            ConditionExpression: FINAL_JOB.openExpression,
            ExpressionAttributeNames: { '#outcome': 'outcome' },
            ExpressionAttributeValues: {
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
