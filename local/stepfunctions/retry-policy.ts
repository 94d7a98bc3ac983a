export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'NONE' | 'FULL';
}

/** Errors that no retrier or catcher matches through `States.ALL` (AWS: terminal errors). */
const TERMINAL = new Set(['States.Runtime', 'States.DataLimitExceeded']);

/**
 * Decides, as Step Functions does, whether a failed Task attempt is retried: the first retrier whose
 * ErrorEquals matches decides; its attempt counter (in `attempts`, shared across the attempts of one
 * state entry) is used and incremented. Returns the backoff in milliseconds, or `undefined` for no retry.
 * The runtime makes this decision (not the interpreter) so that it can persist it.
 */
export function decideRetry(
  retriers: readonly Retrier[],
  attempts: number[],
  errorName: string,
  isTimeout: boolean,
  random: () => number = Math.random,
): number | undefined {
  for (const [index, retrier] of retriers.entries()) {
    const matches = retrier.ErrorEquals.some(
      (name) =>
        name === errorName ||
        (name === 'States.ALL' && !TERMINAL.has(errorName)) ||
        (name === 'States.TaskFailed' && !isTimeout && !TERMINAL.has(errorName)),
    );
    if (!matches) continue;
    const used = attempts[index] ?? 0;
    if (used >= (retrier.MaxAttempts ?? 3)) return undefined;
    attempts[index] = used + 1;
    const interval = (retrier.IntervalSeconds ?? 1) * Math.pow(retrier.BackoffRate ?? 2, used);
    const capped =
      retrier.MaxDelaySeconds === undefined ? interval : Math.min(interval, retrier.MaxDelaySeconds);
    const seconds = retrier.JitterStrategy === 'FULL' ? capped * random() : capped;
    return Math.round(seconds * 1000);
  }
  return undefined;
}

/** True for errors that `States.ALL` does not match. */
export function isTerminalError(errorName: string): boolean {
  return TERMINAL.has(errorName);
}
