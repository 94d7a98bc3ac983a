import type { AttemptCheckpoint, StateCheckpoint } from './checkpoint.ts';
import { EXECUTION_CONTEXT_KEY, HOOKS_CONTEXT_KEY, VARIABLES_CONTEXT_KEY } from './definition.ts';
import type { TaskStateSpec } from './definition.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { decideRetry } from './retry-policy.ts';

/** One evaluation of a Task state: a new entry (retryCount 0) or a retry of it. */
export interface TaskAttempt {
  spec: TaskStateSpec;
  retryCount: number;
  enteredTime: string;
  token?: string;
  /** The attempt that was in progress when the runtime stopped: continue it, do not start anew. */
  resumed?: AttemptCheckpoint;
  /** A retry whose backoff began before the runtime stopped starts no earlier than this (epoch ms). */
  notBefore?: number;
}

export interface ExecutionContextInit {
  executionArn: string;
  executionName: string;
  executionInput: JsonValue;
  startDate: number;
  roleArn: string;
  redriveCount: number;
  stateMachineArn: string;
  stateMachineName: string;
  tasksByHook: ReadonlyMap<string, TaskStateSpec>;
  issueToken: (stateName: string) => string;
  /** The state the execution resumes in, from its checkpoint. */
  resume?: StateCheckpoint;
  /** A branch or iteration's variables when it starts: a copy of the enclosing scope's. */
  variables?: JsonObject;
}

export interface StateEntry {
  retryCount: number;
  enteredTime: string;
  retrierAttempts: number[];
  retryPending: boolean;
}

/**
 * The context object (`$$`) of one execution. The interpreter copies its top level but keeps the
 * nested objects by reference, so `State` and `Task` are updated in place by the Parameters hooks
 * (see definition.ts) right before a Task's Parameters are evaluated. It also keeps each Task state's
 * retry bookkeeping: the runtime, not the interpreter, decides retries and their backoff.
 */
export class ExecutionContext {
  readonly contextObject: Record<string, unknown>;
  /** For the interpreter's `retryIntervalOverrides`: the backoff decided for each Task state. */
  readonly retryIntervals: Record<string, number> = {};
  private readonly state: { Name?: string; EnteredTime?: string; RetryCount?: number } = {};
  private readonly task: { Token?: string } = {};
  private readonly entries = new Map<string, StateEntry>();
  private pending: TaskAttempt | undefined;
  private resume: StateCheckpoint | undefined;
  /** The workflow variables (`Assign`) in scope at the top level; checkpointed with each state entry. */
  private readonly variableValues: JsonObject;
  private readonly inputs = new Map<string, JsonValue>();

  constructor(private readonly init: ExecutionContextInit) {
    const hooks: Record<string, string> = {};
    for (const [hookId, spec] of init.tasksByHook) {
      Object.defineProperty(hooks, hookId, { enumerable: true, get: () => this.beginAttempt(spec) });
    }
    this.resume = init.resume?.type === 'Task' ? init.resume : undefined;
    this.variableValues = structuredClone(init.resume?.variables ?? init.variables ?? {});
    const startTime = new Date(init.startDate).toISOString();
    this.contextObject = {
      Execution: {
        Id: init.executionArn,
        Name: init.executionName,
        RoleArn: init.roleArn,
        RedriveCount: init.redriveCount,
        StartTime: startTime,
      },
      StateMachine: { Id: init.stateMachineArn, Name: init.stateMachineName },
      State: this.state,
      Task: this.task,
      [HOOKS_CONTEXT_KEY]: hooks,
      [EXECUTION_CONTEXT_KEY]: { Input: init.executionInput, StartTime: startTime },
      // JSONPath `$name` reads `$$.__vars.name` (see definition.ts).
      [VARIABLES_CONTEXT_KEY]: this.variableValues,
    };
  }

  /**
   * The context of one Parallel branch or Map iteration: its own `$$.State`/`$$.Task`, retry
   * bookkeeping and variables. The variables start as a copy of this scope's, so the branch reads the
   * outer ones; they can only change there by the Map/Parallel state's own Assign, after the branches
   * ended (AWS refuses an inner Assign of an outer variable), so the copy never goes stale.
   */
  branch(resume: StateCheckpoint | undefined): ExecutionContext {
    return new ExecutionContext({ ...this.init, resume, variables: structuredClone(this.variableValues) });
  }

  get variables(): Readonly<JsonObject> {
    return this.variableValues;
  }

  /** `Assign`: every value was evaluated against the variables as they were; now they all apply. */
  assignVariables(values: JsonObject): void {
    Object.assign(this.variableValues, values);
  }

  /** A JSONata Task's input, for `$states.input` in its Catch rules' Output and Assign. */
  rememberInput(stateName: string, input: JsonValue): void {
    this.inputs.set(stateName, input);
  }

  inputOf(stateName: string): JsonValue {
    return this.inputs.get(stateName) ?? null;
  }

  /** `$$` for the runtime's own JSONPath evaluation (Assign): the public context and what the
   * rewritten paths read (`$$.__execution`, `$$.__vars`). */
  evaluationContext(stateName: string): Record<string, unknown> {
    return {
      ...this.publicContext(stateName),
      [EXECUTION_CONTEXT_KEY]: this.contextObject[EXECUTION_CONTEXT_KEY],
      [VARIABLES_CONTEXT_KEY]: this.variableValues,
    };
  }

  /** `$states.context` / `$$` as a state named `stateName` sees it, without the runtime's hooks. */
  publicContext(stateName: string): JsonObject {
    const execution = this.contextObject['Execution'] as JsonObject;
    const original = this.contextObject[EXECUTION_CONTEXT_KEY] as JsonObject;
    const context: JsonObject = {
      Execution: { ...execution, ...original },
      StateMachine: { ...(this.contextObject['StateMachine'] as JsonObject) },
      State: {
        Name: stateName,
        EnteredTime:
          this.state.Name === stateName && this.state.EnteredTime
            ? this.state.EnteredTime
            : new Date().toISOString(),
        RetryCount: this.state.Name === stateName ? (this.state.RetryCount ?? 0) : 0,
      },
    };
    if (this.state.Name === stateName && this.task.Token !== undefined)
      context['Task'] = { Token: this.task.Token };
    return context;
  }

  /** The attempt whose Parameters were just evaluated; called synchronously by the Task handler. */
  takeAttempt(stateName: string): TaskAttempt {
    const attempt = this.pending;
    this.pending = undefined;
    if (attempt?.spec.name === stateName) return attempt;
    throw new Error(`Task '${stateName}' ran without its Parameters hook`);
  }

  /** The retry bookkeeping of the current entry of a Task state. */
  entryOf(stateName: string): Readonly<StateEntry> | undefined {
    return this.entries.get(stateName);
  }

  attemptSucceeded(spec: Pick<TaskStateSpec, 'name'>): void {
    const entry = this.entries.get(spec.name);
    if (entry) entry.retryPending = false;
  }

  /** Decides whether the failed attempt is retried; returns the backoff in ms, or `undefined`. */
  attemptFailed(
    spec: Pick<TaskStateSpec, 'name' | 'retriers'>,
    errorName: string,
    isTimeout: boolean,
  ): number | undefined {
    const entry = this.entries.get(spec.name);
    if (!entry) return undefined;
    const delay = decideRetry(spec.retriers, entry.retrierAttempts, errorName, isTimeout);
    entry.retryPending = delay !== undefined;
    if (delay !== undefined) this.retryIntervals[spec.name] = delay;
    return delay;
  }

  /**
   * A Map or Parallel state starts: a new entry, or a retry the runtime decided. `resume` is its
   * checkpoint when the run continues the one before a restart. Returns the entry and, for a retry whose
   * backoff began before the restart, when it may start (epoch ms). `$$.State` is the state's from now
   * on, so its own ResultSelector, Output and Assign see its RetryCount.
   */
  beginComposite(
    name: string,
    resume: Readonly<StateCheckpoint> | undefined,
  ): { entry: Readonly<StateEntry>; notBefore?: number } {
    const begun = this.enterOrRetry(name, resume);
    this.state.Name = name;
    this.state.EnteredTime = begun.entry.enteredTime;
    this.state.RetryCount = begun.entry.retryCount;
    delete this.task.Token;
    return begun;
  }

  private beginAttempt(spec: TaskStateSpec): string {
    const resume = this.resume?.name === spec.name ? this.resume : undefined;
    this.resume = undefined;
    const { entry, notBefore } = this.enterOrRetry(spec.name, resume);
    const resumed = resume && !resume.retryPending ? resume.attempt : undefined;
    const waitsForToken = spec.resource.kind === 'service' && spec.resource.waitForTaskToken;
    const token = waitsForToken ? (resumed?.token ?? this.init.issueToken(spec.name)) : undefined;
    this.state.Name = spec.name;
    this.state.EnteredTime = entry.enteredTime;
    this.state.RetryCount = entry.retryCount;
    if (token === undefined) delete this.task.Token;
    else this.task.Token = token;
    this.pending = {
      spec,
      retryCount: entry.retryCount,
      enteredTime: entry.enteredTime,
      token,
      resumed,
      notBefore,
    };
    return spec.name;
  }

  /** The state entry a Task attempt or a Map/Parallel run belongs to, with its retry bookkeeping. */
  private enterOrRetry(
    name: string,
    resume: Readonly<StateCheckpoint> | undefined,
  ): { entry: StateEntry; notBefore?: number } {
    let entry = this.entries.get(name);
    let notBefore: number | undefined;
    if (resume) {
      entry = {
        retryCount: resume.retryCount,
        enteredTime: resume.enteredTime ?? new Date(resume.enteredAt).toISOString(),
        retrierAttempts: [...resume.retrierAttempts],
        retryPending: resume.retryPending,
      };
      this.entries.set(name, entry);
      if (resume.retryPending) notBefore = resume.retryDueAt;
    }
    if (entry?.retryPending) {
      entry.retryCount += 1;
      entry.retryPending = false;
    } else if (!resume || !entry) {
      entry = {
        retryCount: 0,
        enteredTime: new Date().toISOString(),
        retrierAttempts: [],
        retryPending: false,
      };
      this.entries.set(name, entry);
    }
    return { entry, notBefore };
  }
}
