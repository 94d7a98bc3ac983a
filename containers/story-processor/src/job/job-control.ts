/** Why a running job must stop before it finishes. */
export type StopReason =
  | { kind: 'task-gone'; detail: string }
  | { kind: 'interrupt'; byJobId: string; reason: string; noticedAt: number; sentAt?: number }
  | { kind: 'lease-lost' }
  | { kind: 'shutdown' };

// A stronger reason replaces a weaker one: a dead task needs no report at all, an interrupt is a
// definitive end, and a shutdown is only a hand-over.
const PRIORITY: Record<StopReason['kind'], number> = {
  'task-gone': 4,
  interrupt: 3,
  'lease-lost': 2,
  shutdown: 1,
};

export class JobStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`job stopped: ${reason.kind}`);
    this.name = 'JobStopped';
  }
}

/**
 * The stop switch of one job. Safe points call `throwIfStopped`; in-flight work (a model call, a
 * validation command) listens to `signal`, which aborts at once for everything but a shutdown.
 */
export class JobControl {
  private readonly controller = new AbortController();
  private current: StopReason | undefined;
  private readonly listeners = new Set<(reason: StopReason) => void>();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopReason(): StopReason | undefined {
    return this.current;
  }

  requestStop(reason: StopReason): void {
    if (this.current && PRIORITY[this.current.kind] >= PRIORITY[reason.kind]) return;
    this.current = reason;
    if (reason.kind !== 'shutdown') this.abortInFlight();
    for (const listener of this.listeners) listener(reason);
  }

  /** Used after the shutdown grace period: stop waiting for the in-flight step. */
  abortInFlight(): void {
    if (!this.controller.signal.aborted && this.current) this.controller.abort(new JobStopped(this.current));
  }

  onStop(listener: (reason: StopReason) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  throwIfStopped(): void {
    if (this.current) throw new JobStopped(this.current);
  }
}
