export interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
}

/**
 * Mirrors the interpreter's decision whether a failed attempt is retried (first retrier whose
 * ErrorEquals matches decides; its attempt counter is shared across entries of the same state
 * execution). We need the same answer one step ahead to know whether the next evaluation of the
 * state's Parameters is a retry ($$.State.RetryCount + 1) or a new entry.
 */
export function willRetry(
  retriers: readonly Retrier[],
  attempts: number[],
  errorName: string,
  isTimeout: boolean,
): boolean {
  for (const [index, retrier] of retriers.entries()) {
    const matches = retrier.ErrorEquals.some(
      (name) => name === errorName || name === 'States.ALL' || (name === 'States.TaskFailed' && !isTimeout),
    );
    if (!matches) continue;
    const used = attempts[index] ?? 0;
    if (used >= (retrier.MaxAttempts ?? 3)) return false;
    attempts[index] = used + 1;
    return true;
  }
  return false;
}
