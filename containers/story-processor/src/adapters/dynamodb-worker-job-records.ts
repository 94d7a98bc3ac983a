import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AdapterGrants } from '#contracts/grants.ts';
import { FINAL_JOB, jobKey, type JobItem } from '#contracts/jobs-table.ts';
import type {
  Checkpoint,
  JobDeliveryRecord,
  JobProgress,
  JobRecordStore,
  WorkerRecord,
  WorkerReport,
} from '../ports.ts';

/**
 * The worker's fields on a jobs-table item (pk = projectId, sk = jobId): `checkpoint`, `stories`,
 * `modelUsage`, `workerId`, `workerStartedAt`, `workerReport`, and where the work is: `branch`,
 * `repositoryUrl`, `pullRequest`. It sets `outcome` only to `running`,
 * and only while the job is not final (see `FINAL_JOB`).
 */
export class DynamoDbWorkerJobRecords implements JobRecordStore {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<DynamoDbWorkerJobRecords> = [
    { actions: ['dynamodb:GetItem'], on: 'table', by: ['load'] },
    {
      actions: ['dynamodb:UpdateItem'],
      on: 'table',
      by: ['markRunning', 'saveProgress', 'markReported', 'saveDelivery'],
    },
  ];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async set(projectId: string, jobId: string, fields: Record<string, unknown>): Promise<void> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':updatedAt': new Date().toISOString() };
    const sets = ['#updatedAt = :updatedAt'];
    for (const [field, value] of Object.entries(fields)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: jobKey(projectId, jobId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async load(projectId: string, jobId: string): Promise<WorkerRecord> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: jobKey(projectId, jobId), ConsistentRead: true }),
    );
    const item = result.Item as
      (JobItem & { checkpoint?: Checkpoint; workerReport?: WorkerReport }) | undefined;
    return {
      ...(item?.checkpoint ? { checkpoint: item.checkpoint } : {}),
      ...(item?.workerReport ? { report: item.workerReport } : {}),
    };
  }

  async markRunning(
    projectId: string,
    jobId: string,
    { workerId, startedAt }: { workerId: string; startedAt: string },
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
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
      await this.set(projectId, jobId, { workerId, workerStartedAt: startedAt });
    }
  }

  saveProgress(projectId: string, jobId: string, progress: JobProgress): Promise<void> {
    return this.set(projectId, jobId, {
      checkpoint: progress.checkpoint,
      stories: progress.stories,
      modelUsage: progress.modelUsage,
    });
  }

  markReported(projectId: string, jobId: string, report: WorkerReport): Promise<void> {
    return this.set(projectId, jobId, { workerReport: report });
  }

  saveDelivery(projectId: string, jobId: string, delivery: JobDeliveryRecord): Promise<void> {
    return this.set(projectId, jobId, {
      branch: delivery.branch,
      ...(delivery.repositoryUrl ? { repositoryUrl: delivery.repositoryUrl } : {}),
      ...(delivery.pullRequest ? { pullRequest: delivery.pullRequest } : {}),
    });
  }
}
