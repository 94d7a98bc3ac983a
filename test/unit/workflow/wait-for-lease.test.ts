import { describe, expect, it } from 'vitest';
import { claimJob, waitForLease } from '#workflow/claim-job.ts';
import { releaseLease, WOKEN } from '#workflow/release-lease.ts';
import {
  FakeQueues,
  MemoryJobRecords,
  MemoryLeaseStore,
  MemoryLeaseWaiters,
  RecordingWaker,
} from '../../helpers/workflow-fakes.ts';
import { admittedState } from '../../helpers/workflow-states.ts';

const LEASE_ID = 'amelia#scott';

const setup = () => {
  let at = Date.parse('2026-11-22T10:00:00Z');
  const deps = {
    leases: new MemoryLeaseStore(),
    queues: new FakeQueues(),
    jobs: new MemoryJobRecords(),
    waiters: new MemoryLeaseWaiters(),
    waker: new RecordingWaker(),
    // Each call is a second later, so arrivals are ordered.
    clock: { now: () => new Date((at += 1000)) },
  };
  return deps;
};

describe('waitForLease and the hand-over on release', () => {
  it('claims a free lease at once: answers its own token with the claim and leaves no registration', async () => {
    const deps = setup();
    expect(await waitForLease(admittedState('job-a'), 'token-a', deps)).toEqual({ parked: false });
    expect(deps.waker.woken).toEqual([
      { token: 'token-a', output: expect.objectContaining({ claimed: true }) },
    ]);
    expect(deps.leases.items.get(LEASE_ID)?.jobId).toBe('job-a');
    expect(await deps.waiters.waiting(LEASE_ID)).toEqual([]);
  });

  it('parks on a busy lease, and the release wakes the oldest waiter only', async () => {
    const deps = setup();
    await claimJob(admittedState('holder'), deps);
    expect(await waitForLease(admittedState('job-b'), 'token-b', deps)).toEqual({ parked: true });
    expect(await waitForLease(admittedState('job-c'), 'token-c', deps)).toEqual({ parked: true });
    expect(deps.waker.woken).toEqual([]);

    expect(await releaseLease(LEASE_ID, 'holder', deps)).toBe(true);
    expect(deps.waker.woken).toEqual([{ token: 'token-b', output: WOKEN }]);

    // Woken, job-b claims again (a new task token) and job-c keeps waiting.
    expect(await waitForLease(admittedState('job-b'), 'token-b2', deps)).toEqual({ parked: false });
    expect(deps.leases.items.get(LEASE_ID)?.jobId).toBe('job-b');
    expect((await deps.waiters.waiting(LEASE_ID)).map((waiter) => waiter.jobId)).toEqual(['job-c']);
  });

  it('keeps a waiter in its first place when it parks again with a new token', async () => {
    const deps = setup();
    await claimJob(admittedState('holder'), deps);
    await waitForLease(admittedState('job-b'), 'token-b', deps);
    await waitForLease(admittedState('job-c'), 'token-c', deps);
    // job-b's wait timed out and it parked again: still first in line.
    await waitForLease(admittedState('job-b'), 'token-b2', deps);
    await releaseLease(LEASE_ID, 'holder', deps);
    expect(deps.waker.woken.map((wake) => wake.token)).toEqual(['token-b2']);
  });

  it('skips and forgets waiters whose task is gone, and wakes the next', async () => {
    const deps = setup();
    await claimJob(admittedState('holder'), deps);
    await waitForLease(admittedState('job-b'), 'token-b', deps);
    await waitForLease(admittedState('job-c'), 'token-c', deps);
    deps.waker.gone.add('token-b'); // job-b's execution was stopped while it waited
    await releaseLease(LEASE_ID, 'holder', deps);
    expect(deps.waker.woken.map((wake) => wake.token)).toEqual(['token-c']);
    expect((await deps.waiters.waiting(LEASE_ID)).map((waiter) => waiter.jobId)).toEqual(['job-c']);
  });

  it('wakes nobody when the release did not free the lease', async () => {
    const deps = setup();
    await claimJob(admittedState('holder'), deps);
    await waitForLease(admittedState('job-b'), 'token-b', deps);
    expect(await releaseLease(LEASE_ID, 'someone-else', deps)).toBe(false);
    expect(deps.waker.woken).toEqual([]);
  });
});
