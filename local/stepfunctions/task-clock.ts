export interface TaskClockErrors {
  timeout: (cause: string) => Error;
  heartbeat: (cause: string) => Error;
}

export interface TaskClockSettings {
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  /** When the attempt started (epoch ms): TimeoutSeconds counts from here, in wall-clock time. */
  startedAt: number;
  /** The last heartbeat (epoch ms), when the attempt resumes after a restart. */
  heartbeatAt?: number;
}

/**
 * Enforces a task's TimeoutSeconds (a hard cap) and HeartbeatSeconds (reset by each heartbeat):
 * `expired` rejects with the matching States.Timeout / States.HeartbeatTimeout error. Deadlines are
 * wall-clock instants, so an attempt resumed after a restart keeps the ones it had.
 */
export class TaskClock {
  readonly expired: Promise<never>;
  private reject: (error: Error) => void = () => undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: TaskClockSettings,
    private readonly errors: TaskClockErrors,
  ) {
    this.expired = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.expired.catch(() => undefined);
    const { timeoutSeconds } = settings;
    if (timeoutSeconds !== undefined) {
      this.timeoutTimer = setTimeout(
        () =>
          this.expire(errors.timeout(`Task did not complete within TimeoutSeconds (${timeoutSeconds} s)`)),
        remaining(settings.startedAt, timeoutSeconds),
      );
    }
    this.heartbeat(settings.heartbeatAt ?? settings.startedAt);
  }

  heartbeat(at = Date.now()): void {
    const seconds = this.settings.heartbeatSeconds;
    if (seconds === undefined) return;
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(
      () =>
        this.expire(this.errors.heartbeat(`No heartbeat received within HeartbeatSeconds (${seconds} s)`)),
      remaining(at, seconds),
    );
  }

  stop(): void {
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.heartbeatTimer);
  }

  private expire(error: Error): void {
    this.stop();
    this.reject(error);
  }
}

function remaining(from: number, seconds: number): number {
  return Math.max(0, from + seconds * 1000 - Date.now());
}
