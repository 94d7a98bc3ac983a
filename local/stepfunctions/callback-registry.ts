import { SfnApiError } from './errors.ts';
import type { JsonValue } from './json.ts';
import { decodeTaskToken } from './task-token.ts';

export type CallbackOutcome =
  { kind: 'success'; output: JsonValue } | { kind: 'failure'; error: string; cause: string };

export interface OpenCallback {
  executionArn: string;
  settle(outcome: CallbackOutcome): void;
  heartbeat(): void;
}

/** A token of a task that resumes after a restart, with the callbacks that arrived before it did. */
interface ExpectedToken {
  executionArn: string;
  waiters: { take: (callback: OpenCallback) => void; timedOut: () => void }[];
}

/**
 * Tasks waiting for SendTaskSuccess/Failure, by token. A token that is well formed but not open
 * answers `TaskTimedOut` when its execution is known (answered, timed out, stopped, or issued before a
 * restart) and `TaskDoesNotExist` otherwise, as Step Functions does. A token that a resumed execution
 * will wait on again (`expect`) is valid from the moment the runtime serves: a callback that arrives
 * before the resumed task registered it is answered once the task took it (and saved it).
 */
export class CallbackRegistry {
  private readonly open = new Map<string, OpenCallback>();
  private readonly expected = new Map<string, ExpectedToken>();

  constructor(private readonly executionExists: (executionArn: string) => boolean) {}

  expect(token: string, executionArn: string): void {
    this.expected.set(token, { executionArn, waiters: [] });
  }

  register(token: string, callback: OpenCallback): void {
    this.open.set(token, callback);
    const expected = this.expected.get(token);
    this.expected.delete(token);
    for (const waiter of expected?.waiters ?? []) waiter.take(callback);
  }

  /** Closes the token; later callbacks for it answer `TaskTimedOut`. */
  close(token: string): void {
    this.open.delete(token);
  }

  closeExecution(executionArn: string): void {
    for (const [token, callback] of this.open) {
      if (callback.executionArn === executionArn) this.open.delete(token);
    }
    for (const [token, expected] of this.expected) {
      if (expected.executionArn !== executionArn) continue;
      this.expected.delete(token);
      for (const waiter of expected.waiters) waiter.timedOut();
    }
  }

  settle(token: string, outcome: CallbackOutcome): Promise<void> {
    return this.withCallback(token, (callback) => {
      this.open.delete(token);
      callback.settle(outcome);
    });
  }

  heartbeat(token: string): Promise<void> {
    return this.withCallback(token, (callback) => callback.heartbeat());
  }

  private withCallback(token: string, use: (callback: OpenCallback) => void): Promise<void> {
    const expected = this.open.has(token) ? undefined : this.expected.get(token);
    if (!expected) {
      use(this.require(token));
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      expected.waiters.push({
        take: (callback) => {
          // Several callbacks raced the resumed task: the first settles it, the next find it closed.
          try {
            use(this.open.get(token) === callback ? callback : this.require(token));
            resolve();
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
        timedOut: () => reject(new SfnApiError('TaskTimedOut', 'Task Timed Out')),
      });
    });
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
