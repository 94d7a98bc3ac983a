import { describe, expect, it } from 'vitest';
import { claimJob, waitForSlot } from '#workflow/claim-job';
import { releaseSlot, WOKEN } from '#workflow/release-slot';
import {
  FakeQueues,
  MemoryJobRecords,
  MemorySlotStore,
  MemorySlotWaiters,
  RecordingWaker,
} from '#test/workflow-fakes';
import { admittedState } from '#test/workflow-states';

const SLOT = 'amelia#scott';

const setup = () => {
  let at = Date.parse('2026-11-22T10:00:00Z');
  const deps = {
    slots: new MemorySlotStore(),
    queues: new FakeQueues(),
    jobs: new MemoryJobRecords(),
    waiters: new MemorySlotWaiters(),
    waker: new RecordingWaker(),
    // Each call is a second later, so arrivals are ordered.
    clock: { now: () => new Date((at += 1000)) },
  };
  return deps;
};

describe('waitForSlot and the hand-over on release', () => {
  it('claims a free slot at once: answers its own token with the claim and leaves no registration', async () => {
    const deps = setup();
    expect(await waitForSlot(admittedState('job-a'), 'token-a', deps)).toEqual({ parked: false });
    expect(deps.waker.woken).toEqual([
      { token: 'token-a', output: expect.objectContaining({ claimed: true }) },
    ]);
    expect(deps.slots.items.get(SLOT)?.jobId).toBe('job-a');
    expect(await deps.waiters.waiting(SLOT)).toEqual([]);
  });

  it('parks on a busy slot, and the release wakes the oldest waiter only', async () => {
    const deps = setup();
    await claimJob(admittedState('holder'), deps);
    expect(await waitForSlot(admittedState('job-b'), 'token-b', deps)).toEqual({ parked: true });
    expect(await waitForSlot(admittedState('job-c'), 'token-c', deps)).toEqual({ parked: true });
    expect(deps.waker.woken).toEqual([]);

    expect(await releaseSlot(SLOT, 'holder', deps)).toBe(true);
    expect(deps.waker.woken).toEqual([{ token: 'token-b', output: WOKEN }]);

    // Woken, job-b claims again (a new task token) and job-c keeps waiting.
    expect(await waitForSlot(admittedState('job-b'), 'token-b2', deps)).toEqual({ parked: false });
    expect(deps.slots.items.get(SLOT)?.jobId).toBe('job-b');
    expect((await deps.waiters.waiting(SLOT)).map((waiter) => waiter.jobId)).toEqual(['job-c']);
  });

  it('keeps a waiter in its first place when it parks again with a new token', async () => {
    const deps = setup();
    await claimJob(admittedState('holder'), deps);
    await waitForSlot(admittedState('job-b'), 'token-b', deps);
    await waitForSlot(admittedState('job-c'), 'token-c', deps);
    // job-b's wait timed out and it parked again: still first in line.
    await waitForSlot(admittedState('job-b'), 'token-b2', deps);
    await releaseSlot(SLOT, 'holder', deps);
    expect(deps.waker.woken.map((wake) => wake.token)).toEqual(['token-b2']);
  });

  it('skips and forgets waiters whose task is gone, and wakes the next', async () => {
    const deps = setup();
    await claimJob(admittedState('holder'), deps);
    await waitForSlot(admittedState('job-b'), 'token-b', deps);
    await waitForSlot(admittedState('job-c'), 'token-c', deps);
    deps.waker.gone.add('token-b'); // job-b's execution was stopped while it waited
    await releaseSlot(SLOT, 'holder', deps);
    expect(deps.waker.woken.map((wake) => wake.token)).toEqual(['token-c']);
    expect((await deps.waiters.waiting(SLOT)).map((waiter) => waiter.jobId)).toEqual(['job-c']);
  });

  it('wakes nobody when the release did not free the slot', async () => {
    const deps = setup();
    await claimJob(admittedState('holder'), deps);
    await waitForSlot(admittedState('job-b'), 'token-b', deps);
    expect(await releaseSlot(SLOT, 'someone-else', deps)).toBe(false);
    expect(deps.waker.woken).toEqual([]);
  });
});
