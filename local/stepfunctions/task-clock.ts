export interface TaskClockErrors {
  timeout: (cause: string) => Error;
  heartbeat: (cause: string) => Error;
}

/**
 * Enforces a task's TimeoutSeconds (a hard cap) and HeartbeatSeconds (reset by each heartbeat):
 * `expired` rejects with the matching States.Timeout / States.HeartbeatTimeout error.
 */
export class TaskClock {
  readonly expired: Promise<never>;
  private reject: (error: Error) => void = () => undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutSeconds: number | undefined,
    private readonly heartbeatSeconds: number | undefined,
    private readonly errors: TaskClockErrors,
  ) {
    this.expired = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.expired.catch(() => undefined);
    if (timeoutSeconds !== undefined) {
      this.timeoutTimer = setTimeout(
        () =>
          this.expire(errors.timeout(`Task did not complete within TimeoutSeconds (${timeoutSeconds} s)`)),
        timeoutSeconds * 1000,
      );
    }
    this.heartbeat();
  }

  heartbeat(): void {
    if (this.heartbeatSeconds === undefined) return;
    const seconds = this.heartbeatSeconds;
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(
      () =>
        this.expire(this.errors.heartbeat(`No heartbeat received within HeartbeatSeconds (${seconds} s)`)),
      seconds * 1000,
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
