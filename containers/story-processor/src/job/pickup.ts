import type { Pickup } from '#contracts/messages.ts';
import type { WorkerClock, WorkerLeaseStore, LeaseView, TaskCallbacks } from '../ports.ts';

export interface PickupInput {
  /** The task token of the job message: the workflow's QueueJob state waits on it. */
  queueToken: string;
  leaseId: string;
  jobId: string;
  workerId: string;
  /** The lease as this worker's claim returned it. */
  lease: LeaseView;
  /** How long RunJob may take to park the run token: the run's heartbeat, which starts with it. */
  waitMs: number;
  callbacks: TaskCallbacks;
  leases: WorkerLeaseStore;
  clock: WorkerClock;
}

export type PickupResult =
  { kind: 'run'; runToken: string; resumed: boolean } | { kind: 'gone'; detail: string };

/**
 * Takes a job out of its queue phase into its run phase. The queue token has no heartbeat (a job may
 * wait for minutes while workers scale out); answering it starts the workflow's RunJob state, whose
 * token — with the job's heartbeat and time limit — the workflow writes on the lease. A job
 * that already has a run token was started by an earlier worker and is resumed on that token.
 */
export async function pickUpJob(input: PickupInput): Promise<PickupResult> {
  const { clock } = input;
  if (input.lease.runTaskToken) return { kind: 'run', runToken: input.lease.runTaskToken, resumed: true };
  const pickup: Pickup = { workerId: input.workerId, pickedUpAt: clock.now().toISOString() };
  const answer = await input.callbacks.pickUp(input.queueToken, JSON.stringify(pickup));
  // A refused answer can still mean a run started for an earlier pickup: look once, then give up.
  const deadline = clock.now().getTime() + (answer === 'delivered' ? input.waitMs : 0);
  for (let delayMs = 20; ; delayMs = Math.min(delayMs * 2, 500)) {
    const lease = await input.leases.read(input.leaseId);
    if (lease?.jobId !== input.jobId) {
      return { kind: 'gone', detail: 'The workflow released the lease before the job could run.' };
    }
    if (lease.runTaskToken) {
      return { kind: 'run', runToken: lease.runTaskToken, resumed: answer !== 'delivered' };
    }
    if (clock.now().getTime() >= deadline) {
      return {
        kind: 'gone',
        detail:
          answer === 'delivered'
            ? `The workflow did not start the run within ${input.waitMs} ms of the pickup.`
            : 'The workflow closed the queue task before a worker picked the job up.',
      };
    }
    await clock.sleep(delayMs);
  }
}
