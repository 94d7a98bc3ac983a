import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type ExecutionStatus,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { executionHistory as readHistory } from '../execution-history.ts';
import { executionArnFor, type CliContext } from './cli-context.ts';
import { durationOf, isoOrEmpty, output, table } from './format.ts';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export async function listExecutions(
  context: CliContext,
  options: { status?: string; limit: number; json: boolean },
): Promise<void> {
  const status = options.status?.toUpperCase();
  if (status && !STATUSES.includes(status)) throw new Error(`--status must be one of ${STATUSES.join(', ')}`);
  const { executions = [] } = await context.clients.sfn.send(
    new ListExecutionsCommand({
      stateMachineArn: context.config.stateMachineArn,
      statusFilter: status as ExecutionStatus | undefined,
      maxResults: options.limit,
    }),
  );
  output(options.json, executions, () =>
    table(
      ['NAME', 'STATUS', 'STARTED', 'DURATION'],
      executions.map((execution) => [
        execution.name,
        execution.status,
        isoOrEmpty(execution.startDate),
        durationOf(execution.startDate, execution.stopDate),
      ]),
    ),
  );
}

export async function describeExecution(context: CliContext, name: string, json: boolean): Promise<string> {
  const execution = await context.clients.sfn.send(
    new DescribeExecutionCommand({ executionArn: executionArnFor(context, name) }),
  );
  const { $metadata: _metadata, ...body } = execution;
  output(json, body, () =>
    [
      `name:     ${execution.name}`,
      `status:   ${execution.status}`,
      `started:  ${isoOrEmpty(execution.startDate)}`,
      `stopped:  ${isoOrEmpty(execution.stopDate)}`,
      `input:    ${execution.input ?? ''}`,
      ...(execution.output ? [`output:   ${execution.output}`] : []),
      ...(execution.error ? [`error:    ${execution.error}`, `cause:    ${execution.cause ?? ''}`] : []),
    ].join('\n'),
  );
  return execution.status ?? 'UNKNOWN';
}

/** One line per event: what happened, in which state, with the error where there is one. */
export function describeEvent(event: HistoryEvent, currentState = ''): string[] {
  const details = Object.entries(event).find(([key]) => key.endsWith('EventDetails'))?.[1] as
    { name?: string; error?: string; cause?: string; resource?: string } | undefined;
  const step = details?.name ?? currentState;
  const problem = details?.error
    ? `${details.error}${details.cause ? `: ${details.cause.slice(0, 120)}` : ''}`
    : '';
  return [String(event.id), isoOrEmpty(event.timestamp), event.type ?? '', step, problem];
}

/** Task events carry no state name: they belong to the state entered last. */
function describeEvents(events: HistoryEvent[]): string[][] {
  let state = '';
  return events.map((event) => {
    state = event.stateEnteredEventDetails?.name ?? state;
    return describeEvent(event, state);
  });
}

export async function executionHistory(
  context: CliContext,
  name: string,
  options: { json: boolean; watch: boolean; intervalMs?: number; progress?: () => Promise<string[]> },
): Promise<void> {
  const executionArn = executionArnFor(context, name);
  if (!options.watch) {
    const events = await readHistory(context.clients.sfn, executionArn);
    output(options.json, events, () =>
      table(['ID', 'TIME', 'TYPE', 'STEP', 'ERROR'], describeEvents(events)),
    );
    return;
  }
  let printed = 0;
  for (;;) {
    const events = await readHistory(context.clients.sfn, executionArn);
    const lines = describeEvents(events);
    for (const [index, event] of events.entries()) {
      if (index < printed) continue;
      console.log(options.json ? JSON.stringify(event) : (lines[index] ?? []).join('  ').trimEnd());
    }
    printed = events.length;
    if (!options.json && options.progress) for (const line of await options.progress()) console.log(line);
    const { status } = await context.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') return;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}
