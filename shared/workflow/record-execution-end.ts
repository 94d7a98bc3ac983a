import type { Clock } from '../contracts/clock.ts';
import { UNROUTED_PROJECT, type JobOutcome } from '../contracts/tables.ts';
import type { WorkflowState } from '../contracts/workflow-state.ts';
import type { JobRecords } from './ports.ts';
import { releaseIfClaimed, type LeaseReleaseDeps } from './release-lease.ts';

/** An execution that ended, as Step Functions reports it (EventBridge "Execution Status Change"). */
export interface ExecutionEnd {
  executionArn: string;
  name: string;
  status: 'ABORTED' | 'TIMED_OUT' | 'FAILED';
  error?: string | null;
  cause?: string | null;
}

/** Reads the last workflow state an execution carried (from its history). */
export interface ExecutionStates {
  lastState(executionArn: string): Promise<WorkflowState | undefined>;
}

export interface RecordExecutionEndDeps extends LeaseReleaseDeps {
  states: ExecutionStates;
  jobs: JobRecords;
  clock: Clock;
}

const OUTCOME: Record<ExecutionEnd['status'], JobOutcome> = {
  ABORTED: 'aborted',
  TIMED_OUT: 'timed-out',
  FAILED: 'failed',
};

/**
 * The safety net behind "every email ends in a recorded outcome": an execution stopped by an
 * operator, or one whose own Record* step failed, ends without recording. This releases its lease
 * if it still holds it and records the outcome, unless the workflow already recorded one.
 */
export async function recordExecutionEnd(
  end: ExecutionEnd,
  deps: RecordExecutionEndDeps,
): Promise<{ recorded: boolean; released: boolean; outcome: JobOutcome }> {
  const state = await deps.states.lastState(end.executionArn);
  const email = state?.email;
  const released = await releaseIfClaimed(state, deps);
  const recorded = await deps.jobs.recordIfOpen(
    email?.projectId ?? UNROUTED_PROJECT,
    end.name,
    OUTCOME[end.status],
    {
      executionArn: end.executionArn,
      error: end.error ?? `Execution.${end.status}`,
      cause:
        end.cause ??
        `The execution ended ${end.status.toLowerCase().replace('_', ' ')} before it recorded an outcome.`,
    },
    deps.clock.now(),
  );
  return { recorded, released, outcome: OUTCOME[end.status] };
}
