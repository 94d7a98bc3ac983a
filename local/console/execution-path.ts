import type { ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import { END_NODE, START_NODE } from './state-graph.ts';

/** `caught`: the state's task failed and a Catch moved on (amber in the AWS console). */
export type VisitStatus = 'running' | 'succeeded' | 'failed' | 'caught' | 'aborted';

export interface StateVisit {
  name: string;
  /** The ASL type, taken from the `<Type>StateEntered` event. */
  stateType: string;
  status: VisitStatus;
  enteredEventId: number;
  exitedEventId?: number;
  enteredAt?: Date;
  exitedAt?: Date;
  /** JSON text exactly as the StateEntered / StateExited events carry it. */
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

export interface Transition {
  from: string;
  to: string;
  /** Whether the step left through a Catch rule. */
  viaCatch: boolean;
}

export interface ExecutionPath {
  visits: StateVisit[];
  transitions: Transition[];
}

const NESTING_TYPES = new Set(['Parallel', 'Map']);

const TASK_FAILURE_TYPES = new Set([
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
]);

/** Reads the path an execution took from its history: which states ran, how each ended, their data. */
export function executionPath(
  events: readonly HistoryEvent[],
  status: ExecutionStatus | undefined,
): ExecutionPath {
  const visits: StateVisit[] = [];
  const open = new Map<string, StateVisit>();
  let current: StateVisit | undefined;

  for (const event of events) {
    const type = event.type ?? '';
    const entered = event.stateEnteredEventDetails;
    const exited = event.stateExitedEventDetails;
    if (type.endsWith('StateEntered') && entered?.name) {
      // A Catch may move on without a StateExited event for the failed state.
      if (current && open.get(current.name) === current && !NESTING_TYPES.has(current.stateType)) {
        open.delete(current.name);
        current.status = current.error === undefined ? 'succeeded' : 'caught';
      }
      current = {
        name: entered.name,
        stateType: type.slice(0, -'StateEntered'.length),
        status: type === 'FailStateEntered' ? 'failed' : 'running',
        enteredEventId: event.id ?? 0,
        enteredAt: event.timestamp,
        input: entered.input,
      };
      visits.push(current);
      if (current.status === 'running') open.set(current.name, current);
    } else if (type.endsWith('StateExited') && exited?.name) {
      const visit = open.get(exited.name);
      if (!visit) continue;
      open.delete(exited.name);
      visit.status = visit.error === undefined ? 'succeeded' : 'caught';
      visit.exitedEventId = event.id;
      visit.exitedAt = event.timestamp;
      visit.output = exited.output;
    } else if (current && TASK_FAILURE_TYPES.has(type)) {
      const failure = failureOf(event);
      current.error = failure.error;
      current.cause = failure.cause;
    } else if (current && (type === 'TaskScheduled' || type === 'LambdaFunctionScheduled')) {
      // A new attempt after a retry: an earlier failure no longer decides how the state ends.
      current.error = undefined;
      current.cause = undefined;
    }
  }

  for (const visit of open.values()) {
    if (status === 'RUNNING') continue;
    visit.status = status === 'ABORTED' ? 'aborted' : 'failed';
  }
  return { visits, transitions: transitionsOf(visits, status) };
}

function failureOf(event: HistoryEvent): { error?: string; cause?: string } {
  const details =
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails;
  const withError = details as { error?: string; cause?: string } | undefined;
  return { error: withError?.error ?? event.type ?? 'Error', cause: withError?.cause };
}

function transitionsOf(visits: StateVisit[], status: ExecutionStatus | undefined): Transition[] {
  const first = visits[0];
  if (!first) return [];
  const transitions: Transition[] = [{ from: START_NODE, to: first.name, viaCatch: false }];
  for (let index = 1; index < visits.length; index++) {
    const from = visits[index - 1];
    const to = visits[index];
    if (from && to) transitions.push({ from: from.name, to: to.name, viaCatch: from.status === 'caught' });
  }
  const last = visits[visits.length - 1];
  const reachedEnd = last && (status === 'SUCCEEDED' || (status === 'FAILED' && last.stateType === 'Fail'));
  if (last && reachedEnd) transitions.push({ from: last.name, to: END_NODE, viaCatch: false });
  return transitions;
}
