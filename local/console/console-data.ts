import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type ExecutionStatus,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import PostalMime, { type Address } from 'postal-mime';
import { SqsQueueDepths } from '#adapters/sqs-queue-depths.ts';
import type { LeaseItem } from '#contracts/active-jobs-table.ts';
import { newInputQueueNoticesName, type QueueKind } from '#contracts/identifiers.ts';
import type { InterruptionItem } from '#contracts/interruptions-table.ts';
import type { JobItem } from '#contracts/jobs-table.ts';
import { executionHistory } from '../execution-history.ts';
import { listOutbox, readOutboxMessage, type OutboxEntry } from '../outbox/outbox.ts';
import { executionPath, type ExecutionPath } from './execution-path.ts';
import { layoutStateGraph, type StateGraph } from './state-graph.ts';

export interface ConsoleConfig {
  stateMachineArn: string;
  jobsTable: string;
  activeJobsTable: string;
  interruptionsTable: string;
  queuePrefix: string;
}

export interface ConsoleClients {
  sfn: SFNClient;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
}

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
];

export interface StateMachineView {
  stateMachineArn: string;
  name?: string;
  definition: string;
  graph: StateGraph;
}

export interface ExecutionView {
  execution: Omit<DescribeExecutionCommandOutput, '$metadata'>;
  /** Every event, exactly as GetExecutionHistory pages them, oldest first. */
  events: HistoryEvent[];
  path: ExecutionPath;
}

export interface QueueDepth {
  name: string;
  url: string;
  kind: QueueKind | 'other';
  /** `project-user` from the name (both may hold dashes, so it is not split further). */
  slot: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface OutboxMessage {
  entry: OutboxEntry;
  cc: string;
  replyTo: string;
  inReplyTo: string;
  text: string;
}

type Item = Record<string, unknown>;

/** An execution, with the job's project, sender, subject, branch and pull request when it has a job. */
export type ExecutionRow = ExecutionListItem & {
  project?: unknown;
  sender?: unknown;
  subject?: unknown;
  branch?: unknown;
  pullRequest?: unknown;
};

/**
 * Everything the console shows, read through the same APIs an AWS tool would use: Step Functions,
 * DynamoDB and SQS through the SDK, and the local outbox folder.
 */
export class ConsoleData {
  private graphCache: { definition: string; view: StateMachineView } | undefined;

  constructor(
    private readonly clients: ConsoleClients,
    private readonly config: ConsoleConfig,
    private readonly dataDir: string,
  ) {}

  async stateMachine(): Promise<StateMachineView> {
    const described = await this.clients.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: this.config.stateMachineArn }),
    );
    const definition = described.definition ?? '{}';
    if (this.graphCache?.definition !== definition) {
      this.graphCache = {
        definition,
        view: {
          stateMachineArn: this.config.stateMachineArn,
          name: described.name,
          definition,
          graph: layoutStateGraph(definition),
        },
      };
    }
    return this.graphCache.view;
  }

  async listExecutions(query: {
    status?: ExecutionStatus;
    nextToken?: string;
    maxResults?: number;
  }): Promise<{ executions: ExecutionRow[]; nextToken?: string }> {
    const page = await this.clients.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: this.config.stateMachineArn,
        statusFilter: query.status,
        nextToken: query.nextToken,
        maxResults: query.maxResults ?? 50,
      }),
    );
    const executions = page.executions ?? [];
    const jobs = executions.length > 0 ? await this.jobsByName() : new Map<string, JobItem>();
    return {
      executions: executions.map((execution) => {
        const job = jobs.get(execution.name ?? '');
        return job
          ? {
              ...execution,
              project: job.pk,
              sender: job.sender,
              subject: job.subject,
              branch: job.branch,
              pullRequest: job.pullRequest,
            }
          : execution;
      }),
      nextToken: page.nextToken,
    };
  }

  /** Jobs by execution name (the job id is the execution name). */
  private async jobsByName(): Promise<Map<string, JobItem>> {
    return new Map((await this.jobs()).map((job) => [job.sk, job]));
  }

  async execution(executionArn: string): Promise<ExecutionView> {
    const { $metadata: _metadata, ...execution } = await this.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn }),
    );
    const events = await this.history(executionArn);
    return { execution, events, path: executionPath(events, execution.status) };
  }

  history(executionArn: string): Promise<HistoryEvent[]> {
    return executionHistory(this.clients.sfn, executionArn);
  }

  /** The id of an execution's newest history event, for cheap change detection while polling. */
  async latestEventId(executionArn: string): Promise<number | undefined> {
    const page = await this.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1, reverseOrder: true }),
    );
    return page.events?.[0]?.id;
  }

  async jobs(): Promise<JobItem[]> {
    return (await this.scan(this.config.jobsTable)) as unknown as JobItem[];
  }

  async activeJobs(): Promise<LeaseItem[]> {
    return (await this.scan(this.config.activeJobsTable)) as unknown as LeaseItem[];
  }

  async interruptions(): Promise<InterruptionItem[]> {
    return (await this.scan(this.config.interruptionsTable)) as unknown as InterruptionItem[];
  }

  async queues(): Promise<QueueDepth[]> {
    const prefix = `${this.config.queuePrefix}-`;
    // The project-user queues; the stack's new-queue notices queue shares the prefix.
    const notices = `/${newInputQueueNoticesName(this.config.queuePrefix)}`;
    const urls = (await new SqsQueueDepths(this.clients.sqs).list(prefix)).filter(
      (url) => !url.endsWith(notices),
    );
    const depths = await Promise.all(urls.map((url) => this.queueDepth(url, prefix)));
    return depths.sort((a, b) => a.slot.localeCompare(b.slot) || a.kind.localeCompare(b.kind));
  }

  async outbox(): Promise<OutboxEntry[]> {
    return (await listOutbox(this.dataDir)).reverse();
  }

  async outboxMessage(id: string): Promise<OutboxMessage | undefined> {
    const entry = (await listOutbox(this.dataDir)).find((candidate) => candidate.id === id);
    if (!entry) return undefined;
    const parsed = await PostalMime.parse(await readOutboxMessage(this.dataDir, entry));
    const addresses = (field: readonly Address[] = []) => field.map(addressText).join(', ');
    return {
      entry,
      cc: addresses(parsed.cc),
      replyTo: addresses(parsed.replyTo),
      inReplyTo: parsed.inReplyTo ?? '',
      text: parsed.text ?? '',
    };
  }

  private async queueDepth(url: string, prefix: string): Promise<QueueDepth> {
    const { Attributes = {} } = await this.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const name = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    // `<kind>-<project>-<user>-<hash>.fifo` (identifiers.ts); queues from before the hash lack it.
    const match = /^(input|dlq|interrupt)-(.+?)(?:-[0-9a-f]{16})?(?:\.fifo)?$/.exec(
      name.slice(prefix.length),
    );
    return {
      name,
      url,
      kind: (match?.[1] as QueueKind | undefined) ?? 'other',
      slot: match?.[2] ?? name,
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  private async scan(tableName: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: ScanKey;
    do {
      const page = await this.clients.dynamodb.send(
        new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

type ScanKey = ScanCommand['input']['ExclusiveStartKey'];

/** An address as a mail client shows it: `Name <a@b>`, or `Team: a@b, c@d;` for a group. */
function addressText(address: Address): string {
  if (address.group) return `${address.name}: ${address.group.map(addressText).join(', ')};`;
  return address.name ? `${address.name} <${address.address}>` : address.address;
}
