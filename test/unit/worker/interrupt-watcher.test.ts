import { describe, expect, it } from 'vitest';
import { JobControl } from '../../../containers/story-processor/src/job/job-control.ts';
import { watchInterrupts } from '../../../containers/story-processor/src/job/interrupt-watcher.ts';
import { silentLog } from '../../../containers/story-processor/src/logging.ts';
import { systemWorkerClock } from '../../../containers/story-processor/src/clock.ts';
import type { ReceivedMessage, WorkQueue } from '../../../containers/story-processor/src/ports.ts';

/** A queue whose next receive the test answers by hand, like a long poll that is still open. */
class HandQueue implements WorkQueue {
  pending: ((messages: ReceivedMessage[]) => void) | undefined;
  readonly released: string[] = [];
  readonly deleted: string[] = [];
  async listQueues(): Promise<string[]> {
    return [];
  }
  receive(): Promise<ReceivedMessage[]> {
    return new Promise((resolve) => (this.pending = resolve));
  }
  async changeVisibility(_url: string, receiptHandle: string, seconds: number): Promise<void> {
    if (seconds === 0) this.released.push(receiptHandle);
  }
  async delete(_url: string, receiptHandle: string): Promise<void> {
    this.deleted.push(receiptHandle);
  }
}

const interrupt = (targetJobId: string, receiptHandle: string): ReceivedMessage => ({
  messageId: receiptHandle,
  receiptHandle,
  receivedAt: Date.now(),
  body: JSON.stringify({ version: 1, kind: 'interrupt', targetJobId, byJobId: 'newer', reason: 'reply' }),
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/** A watcher for job-1 whose first long poll is open. */
async function watchJobOne() {
  const queue = new HandQueue();
  const control = new JobControl();
  const watcher = watchInterrupts({
    queue,
    queueUrl: 'q',
    jobId: 'job-1',
    control,
    clock: systemWorkerClock,
    log: silentLog,
    waitSeconds: 20,
  });
  await settle();
  return { queue, control, watcher };
}

describe('watchInterrupts', () => {
  it('stops the job on an interrupt for it and deletes the message', async () => {
    const { queue, control, watcher } = await watchJobOne();
    queue.pending?.([interrupt('job-1', 'r1')]);
    await settle();
    expect(control.stopReason).toMatchObject({ kind: 'interrupt', byJobId: 'newer' });
    expect(queue.deleted).toEqual(['r1']);
    await watcher.stop();
  });

  it('hands an interrupt for the next job, received by its last poll after stop, back to the queue', async () => {
    const { queue, control, watcher } = await watchJobOne();
    await watcher.stop();
    queue.pending?.([interrupt('job-2', 'r2')]);
    await settle();
    expect(queue.released).toEqual(['r2']);
    expect(queue.deleted).toEqual([]);
    expect(control.stopReason).toBeUndefined();
  });
});
