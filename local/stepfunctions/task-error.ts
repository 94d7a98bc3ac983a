import { isTerminalError } from './retry-policy.ts';

/** An error a Task surfaces to Retry/Catch: `name` is the ASL error name, `message` its cause. */
export class TaskError extends Error {
  constructor(errorName: string, cause: string) {
    super(cause);
    this.name = errorName;
  }

  /** Read by the interpreter's Catch: terminal errors (States.Runtime, ...) fail the execution. */
  get isCatchable(): boolean {
    return !isTerminalError(this.name);
  }
}

/**
 * Thrown to the interpreter when the runtime has decided (and persisted) that a failed attempt is
 * retried: the interpreter's copy of a Task's Retry matches only this name (see definition.ts).
 */
export const RETRY_DECIDED = 'Local.RetryDecided';

export class RetryDecidedError extends Error {
  override readonly name = RETRY_DECIDED;
}

export function describeError(error: unknown): { name: string; message: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}
