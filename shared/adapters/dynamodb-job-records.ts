import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FINAL_JOB, isFinalOutcome, jobKey } from '../contracts/jobs-table.ts';
import type { JobOutcome } from '../contracts/tables.ts';
import type { JobRecordFields, JobRecords } from '../workflow/ports.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

interface UpdateParts {
  sets: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
  condition?: string;
}

/** The jobs table: pk = projectId, sk = jobId. */
export class DynamoDbJobRecords implements JobRecords {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<DynamoDbJobRecords> = [
    { actions: ['dynamodb:UpdateItem'], on: 'table', by: ['record', 'recordIfOpen', 'annotate'] },
  ];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(
    projectId: string,
    jobId: string,
    outcome: JobOutcome,
    fields: JobRecordFields,
    now: Date,
  ): Promise<void> {
    const parts: UpdateParts = {
      sets: ['#outcome = :outcome', 'createdAt = if_not_exists(createdAt, :now)'],
      names: { '#outcome': 'outcome' },
      values: { ':outcome': outcome },
    };
    if (isFinalOutcome(outcome)) parts.sets.push('finishedAt = if_not_exists(finishedAt, :now)');
    await this.update(projectId, jobId, fields, parts, now);
  }

  async recordIfOpen(
    projectId: string,
    jobId: string,
    outcome: JobOutcome,
    fields: JobRecordFields,
    now: Date,
  ): Promise<boolean> {
    try {
      await this.update(
        projectId,
        jobId,
        fields,
        {
          sets: ['#outcome = :outcome', 'createdAt = if_not_exists(createdAt, :now)', 'finishedAt = :now'],
          names: { '#outcome': 'outcome' },
          values: { ':outcome': outcome },
          condition: FINAL_JOB.openExpression,
        },
        now,
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async annotate(projectId: string, jobId: string, fields: JobRecordFields, now: Date): Promise<void> {
    await this.update(projectId, jobId, fields, { sets: [], names: {}, values: {} }, now);
  }

  private async update(
    projectId: string,
    jobId: string,
    fields: JobRecordFields,
    parts: UpdateParts,
    now: Date,
  ): Promise<void> {
    const sets = [...parts.sets, '#updatedAt = :now'];
    const names: Record<string, string> = { ...parts.names, '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ...parts.values, ':now': now.toISOString() };
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
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
        ...(parts.condition ? { ConditionExpression: parts.condition } : {}),
      }),
    );
  }
}
