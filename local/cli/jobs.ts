import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { JobItem } from '#contracts/jobs-table.ts';
import type { CliContext } from './cli-context.ts';
import { output, table } from './format.ts';

function costOf({ modelUsage: usage }: JobItem): string {
  if (typeof usage?.costUsd !== 'number') return '';
  const offline = usage.offlineCalls ?? 0;
  return offline > 0 && offline === usage.calls ? 'offline, $0' : `$${usage.costUsd.toFixed(4)}`;
}

const countOf = (value: unknown[] | undefined): string => (value ? String(value.length) : '');

/** Every email's outcome, newest first, for one project or all of them. */
export async function listJobs(
  context: CliContext,
  options: { project?: string; json: boolean },
): Promise<void> {
  const items: JobItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await context.clients.documents.send(
      options.project
        ? new QueryCommand({
            TableName: context.config.jobsTable,
            KeyConditionExpression: 'pk = :project',
            ExpressionAttributeValues: { ':project': options.project },
            ExclusiveStartKey: startKey,
          })
        : new ScanCommand({ TableName: context.config.jobsTable, ExclusiveStartKey: startKey }),
    );
    items.push(...((page.Items ?? []) as JobItem[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  items.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  output(options.json, items, () =>
    table(
      [
        'PROJECT',
        'JOB',
        'OUTCOME',
        'REASON',
        'STORIES',
        'COMMITS',
        'COST',
        'BRANCH',
        'PULL REQUEST',
        'SUBJECT',
        'RECEIVED',
      ],
      items.map((item) => [
        item.pk,
        item.sk,
        item.outcome,
        item.reason,
        countOf(item.summary?.stories ?? item.stories),
        countOf(item.summary?.commits ?? item.commits),
        costOf(item),
        item.branch,
        item.pullRequest?.url,
        item.subject,
        item.createdAt,
      ]),
    ),
  );
}
