import { HOOKS_CONTEXT_KEY } from './definition';
import type { TaskStateSpec } from './definition';
import { willRetry } from './retry-policy';

/** One evaluation of a Task state: a new entry (retryCount 0) or a retry of it. */
export interface TaskAttempt {
  spec: TaskStateSpec;
  retryCount: number;
  enteredTime: string;
  token?: string;
}

export interface ExecutionContextInit {
  executionArn: string;
  executionName: string;
  roleArn: string;
  redriveCount: number;
  stateMachineArn: string;
  stateMachineName: string;
  tasksByHook: ReadonlyMap<string, TaskStateSpec>;
  issueToken: (stateName: string) => string;
}

interface StateEntry {
  retryCount: number;
  enteredTime: string;
  retrierAttempts: number[];
  retryPending: boolean;
}

/**
 * The context object (`$$`) of one execution. The interpreter copies its top level but keeps the
 * nested objects by reference, so `State` and `Task` are updated in place by the Parameters hooks
 * (see definition.ts) right before a Task's Parameters are evaluated.
 */
export class ExecutionContext {
  readonly contextObject: Record<string, unknown>;
  private readonly state: { Name?: string; EnteredTime?: string; RetryCount?: number } = {};
  private readonly task: { Token?: string } = {};
  private readonly entries = new Map<string, StateEntry>();
  private pending: TaskAttempt | undefined;

  constructor(private readonly init: ExecutionContextInit) {
    const hooks: Record<string, string> = {};
    for (const [hookId, spec] of init.tasksByHook) {
      Object.defineProperty(hooks, hookId, { enumerable: true, get: () => this.beginAttempt(spec) });
    }
    this.contextObject = {
      Execution: {
        Id: init.executionArn,
        Name: init.executionName,
        RoleArn: init.roleArn,
        RedriveCount: init.redriveCount,
      },
      StateMachine: { Id: init.stateMachineArn, Name: init.stateMachineName },
      State: this.state,
      Task: this.task,
      [HOOKS_CONTEXT_KEY]: hooks,
    };
  }

  /** The attempt whose Parameters were just evaluated; called synchronously by the Task handler. */
  takeAttempt(stateName: string): TaskAttempt {
    const attempt = this.pending;
    this.pending = undefined;
    if (attempt?.spec.name === stateName) return attempt;
    throw new Error(`Task '${stateName}' ran without its Parameters hook`);
  }

  attemptSucceeded(spec: TaskStateSpec): void {
    const entry = this.entries.get(spec.name);
    if (entry) entry.retryPending = false;
  }

  attemptFailed(spec: TaskStateSpec, errorName: string, isTimeout: boolean): void {
    const entry = this.entries.get(spec.name);
    if (entry) entry.retryPending = willRetry(spec.retriers, entry.retrierAttempts, errorName, isTimeout);
  }

  private beginAttempt(spec: TaskStateSpec): string {
    let entry = this.entries.get(spec.name);
    if (entry?.retryPending) {
      entry.retryCount += 1;
      entry.retryPending = false;
    } else {
      entry = {
        retryCount: 0,
        enteredTime: new Date().toISOString(),
        retrierAttempts: [],
        retryPending: false,
      };
      this.entries.set(spec.name, entry);
    }
    const waitsForToken = spec.resource.kind === 'service' && spec.resource.waitForTaskToken;
    const token = waitsForToken ? this.init.issueToken(spec.name) : undefined;
    this.state.Name = spec.name;
    this.state.EnteredTime = entry.enteredTime;
    this.state.RetryCount = entry.retryCount;
    if (token === undefined) delete this.task.Token;
    else this.task.Token = token;
    this.pending = { spec, retryCount: entry.retryCount, enteredTime: entry.enteredTime, token };
    return spec.name;
  }
}
