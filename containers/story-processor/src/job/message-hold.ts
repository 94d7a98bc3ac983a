import type { WorkerClock, Log, WorkQueue } from '../ports.ts';

export interface MessageHoldOptions {
  /** How far ahead each extension pushes the message's visibility. */
  visibilitySeconds: number;
  /** SQS refuses visibility past 12 hours from a receive. */
  maxWindowSeconds: number;
  /** Stop extending this long before the window closes. */
  marginSeconds: number;
}

/**
 * Keeps a job's input message invisible while the job runs. Near the 12-hour cap it lets the
 * message become visible and asks to be re-received (`needsReacquire`): the scheduler then polls the
 * queue again, and the same job's message comes back with a fresh receipt handle and a fresh window.
 */
export class MessageHold {
  private handle: string;
  private receivedAt: number;
  private reacquire = false;

  constructor(
    private readonly queue: WorkQueue,
    readonly queueUrl: string,
    receiptHandle: string,
    receivedAt: number,
    private readonly options: MessageHoldOptions,
    private readonly clock: WorkerClock,
    private readonly log: Log,
  ) {
    this.handle = receiptHandle;
    this.receivedAt = receivedAt;
  }

  get receiptHandle(): string {
    return this.handle;
  }

  get needsReacquire(): boolean {
    return this.reacquire;
  }

  adopt(receiptHandle: string, receivedAt: number): void {
    this.handle = receiptHandle;
    this.receivedAt = receivedAt;
    this.reacquire = false;
  }

  async extend(): Promise<void> {
    const elapsed = (this.clock.now().getTime() - this.receivedAt) / 1000;
    const left = Math.floor(this.options.maxWindowSeconds - this.options.marginSeconds - elapsed);
    const seconds = Math.min(this.options.visibilitySeconds, left);
    if (seconds < this.options.visibilitySeconds) this.reacquire = true;
    if (seconds <= 0) return;
    try {
      await this.queue.changeVisibility(this.queueUrl, this.handle, seconds);
    } catch (error) {
      // A stale handle: someone received the message again. Re-receive it.
      this.reacquire = true;
      this.log.warn('could not extend message visibility', { error: String(error) });
    }
  }

  /** Makes the message visible again after `delaySeconds` (0: at once). */
  release(delaySeconds = 0): Promise<void> {
    return this.queue.changeVisibility(this.queueUrl, this.handle, delaySeconds);
  }

  delete(): Promise<void> {
    return this.queue.delete(this.queueUrl, this.handle);
  }
}
