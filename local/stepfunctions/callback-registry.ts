import { SfnApiError } from './errors';
import type { JsonValue } from './json';
import { decodeTaskToken } from './task-token';

export type CallbackOutcome =
  { kind: 'success'; output: JsonValue } | { kind: 'failure'; error: string; cause: string };

export interface OpenCallback {
  executionArn: string;
  settle(outcome: CallbackOutcome): void;
  heartbeat(): void;
}

/**
 * Tasks waiting for SendTaskSuccess/Failure, by token. A token that is well formed but not open
 * answers `TaskTimedOut` when its execution is known (answered, timed out, stopped, or issued before a
 * restart) and `TaskDoesNotExist` otherwise, as Step Functions does.
 */
export class CallbackRegistry {
  private readonly open = new Map<string, OpenCallback>();

  constructor(private readonly executionExists: (executionArn: string) => boolean) {}

  register(token: string, callback: OpenCallback): void {
    this.open.set(token, callback);
  }

  /** Closes the token; later callbacks for it answer `TaskTimedOut`. */
  close(token: string): void {
    this.open.delete(token);
  }

  closeExecution(executionArn: string): void {
    for (const [token, callback] of this.open) {
      if (callback.executionArn === executionArn) this.open.delete(token);
    }
  }

  settle(token: string, outcome: CallbackOutcome): void {
    const callback = this.require(token);
    this.open.delete(token);
    callback.settle(outcome);
  }

  heartbeat(token: string): void {
    this.require(token).heartbeat();
  }

  private require(token: string): OpenCallback {
    const claims = decodeTaskToken(token);
    if (!claims) throw new SfnApiError('InvalidToken', 'Invalid token');
    const callback = this.open.get(token);
    if (callback) return callback;
    if (this.executionExists(claims.executionArn)) {
      throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
    }
    throw new SfnApiError('TaskDoesNotExist', 'Task does not exist anymore');
  }
}
