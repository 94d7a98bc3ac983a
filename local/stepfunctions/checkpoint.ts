import type { JsonObject, JsonValue } from './json.ts';

/** How a Task attempt ended, once known: kept so a replay returns it instead of running it again. */
export type AttemptOutcome =
  | { kind: 'success'; output: JsonValue }
  | { kind: 'failure'; error: string; cause: string; timeout?: boolean };

/** One attempt of a top-level Task state, as far as it got. Times are epoch milliseconds. */
export interface AttemptCheckpoint {
  retryCount: number;
  startedAt: number;
  token?: string;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  /** The last SendTaskHeartbeat (the heartbeat clock restarts from here). */
  heartbeatAt?: number;
  /** The integration call returned (for a callback task: the token was handed out). */
  submitted: boolean;
  outcome?: AttemptOutcome;
}

/**
 * One Parallel branch or Map iteration of the Map/Parallel state in progress: running (with the
 * checkpoint of the state it is in, once it entered one), finished with its output or error (and the
 * checkpoint of the state it failed in, where a redrive continues it), or `REDRIVEN`: to run again
 * (from `state`, entered anew, or from its StartAt) once RedriveExecution reaches it.
 */
export type BranchCheckpoint =
  | { status: 'RUNNING'; state?: StateCheckpoint }
  | { status: 'SUCCEEDED'; output: JsonValue }
  | { status: 'FAILED'; error: string; cause: string; state?: StateCheckpoint }
  | { status: 'REDRIVEN'; state?: StateCheckpoint };

/**
 * The state an execution (or a branch/iteration of a Map or Parallel state) is in, with what resuming
 * it needs.
 */
export interface StateCheckpoint {
  name: string;
  type: string;
  /** The state's raw input (before InputPath). */
  input: JsonValue;
  enteredAt: number;
  /** `$$.State.EnteredTime` as the state's Parameters saw it. */
  enteredTime?: string;
  /** Task states: the retry bookkeeping of this state entry. */
  retryCount: number;
  retrierAttempts: number[];
  retryPending: boolean;
  /** When the pending retry's backoff ends. */
  retryDueAt?: number;
  attempt?: AttemptCheckpoint;
  /** Wait states: when the wait ends. */
  waitUntil?: number;
  /** The workflow variables as the state was entered (a resumed state sees them again). */
  variables?: JsonObject;
  /** Map and Parallel states: each branch or iteration started so far, by index. */
  branches?: Record<string, BranchCheckpoint>;
  /** Entered again by RedriveExecution: its `<Type>StateEntered` is not in the history yet. */
  redriven?: boolean;
}

/**
 * Where RedriveExecution continues an execution (or a branch) that stopped in `checkpoint`: the same
 * state with the same input and variables, entered anew (retry counts reset, no attempt, no Wait
 * deadline). A Map or Parallel state keeps its SUCCEEDED branches with their output; the ones that
 * failed, were aborted or never got further than their start run again, each from the state it
 * stopped in (recursively) or, when it had not entered one, from its StartAt.
 */
export function redriveCheckpoint(checkpoint: Readonly<StateCheckpoint>, now: number): StateCheckpoint {
  const { name, type, input, variables, branches } = checkpoint;
  const redriven: StateCheckpoint = {
    name,
    type,
    input: structuredClone(input),
    enteredAt: now,
    retryCount: 0,
    retrierAttempts: [],
    retryPending: false,
    redriven: true,
  };
  if (variables) redriven.variables = structuredClone(variables);
  if (branches) {
    redriven.branches = {};
    for (const [index, branch] of Object.entries(branches)) {
      redriven.branches[index] =
        branch.status === 'SUCCEEDED'
          ? structuredClone(branch)
          : { status: 'REDRIVEN', ...(branch.state && { state: redriveCheckpoint(branch.state, now) }) };
    }
  }
  return redriven;
}

/**
 * The task tokens a resumed execution will wait on again: attempts in progress (without an outcome) in
 * its state and in the running branches of a Map/Parallel state, recursively.
 */
export function awaitedTokens(checkpoint: Readonly<StateCheckpoint> | undefined): string[] {
  if (!checkpoint) return [];
  const { attempt } = checkpoint;
  const own =
    attempt?.token !== undefined && !attempt.outcome && !checkpoint.retryPending ? [attempt.token] : [];
  const nested = Object.values(checkpoint.branches ?? {}).flatMap((branch) =>
    branch.status === 'RUNNING' ? awaitedTokens(branch.state) : [],
  );
  return [...own, ...nested];
}

/**
 * The write-ahead record of one running execution: every change is saved (synchronously, by the
 * sink) before the step it describes becomes visible — a task token handed out, a callback answered,
 * a heartbeat acknowledged, a retry scheduled. After `close()` (runtime shutting down) nothing is
 * written, so the file keeps the last acknowledged step for the next start.
 */
export class ExecutionJournal {
  private current: StateCheckpoint | undefined;
  private closed = false;
  private readonly children = new Set<ExecutionJournal>();
  private detach: () => void = () => undefined;

  constructor(
    initial: StateCheckpoint | undefined,
    private readonly sink: (checkpoint: StateCheckpoint) => void,
  ) {
    this.current = initial;
  }

  get state(): Readonly<StateCheckpoint> | undefined {
    return this.current;
  }

  /** The checkpoint of `stateName` when it is the state in progress, else `undefined`. */
  stateNamed(stateName: string): Readonly<StateCheckpoint> | undefined {
    return this.current?.name === stateName ? this.current : undefined;
  }

  enterState(checkpoint: Omit<StateCheckpoint, 'retryCount' | 'retrierAttempts' | 'retryPending'>): void {
    this.write({ ...checkpoint, retryCount: 0, retrierAttempts: [], retryPending: false });
  }

  /** Applies `change` to the checkpoint of `stateName` (if that is the state in progress) and saves it. */
  update(stateName: string, change: (checkpoint: StateCheckpoint) => void): void {
    if (this.current?.name !== stateName) return;
    const next = structuredClone(this.current);
    change(next);
    this.write(next);
  }

  /**
   * The journal of branch/iteration `index` of the Map or Parallel state `stateName` in progress: its
   * checkpoints are saved inside this one (`branches`), so one file still holds the whole execution.
   */
  branch(stateName: string, index: number): ExecutionJournal {
    const saved = this.stateNamed(stateName)?.branches?.[index];
    const child = new ExecutionJournal(saved?.status === 'RUNNING' ? saved.state : undefined, (state) =>
      this.setBranch(stateName, index, { status: 'RUNNING', state }),
    );
    if (this.closed) child.close();
    else {
      this.children.add(child);
      child.detach = () => this.children.delete(child);
    }
    return child;
  }

  setBranch(stateName: string, index: number, branch: BranchCheckpoint): void {
    this.update(stateName, (checkpoint) => {
      checkpoint.branches ??= {};
      checkpoint.branches[index] = branch;
    });
  }

  /** Nothing more is written (the runtime stops, the execution or the branch ended). */
  close(): void {
    this.closed = true;
    for (const child of [...this.children]) child.close();
    this.detach();
  }

  /** RedriveExecution: the execution runs again, checkpointed from `checkpoint` (its redrive state) on. */
  reopen(checkpoint: StateCheckpoint | undefined): void {
    this.closed = false;
    if (checkpoint) this.write(checkpoint);
  }

  private write(checkpoint: StateCheckpoint): void {
    if (this.closed) return;
    this.current = checkpoint;
    this.sink(checkpoint);
  }
}
