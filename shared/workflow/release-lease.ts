import { leaseIdOf } from '../contracts/identifiers.ts';
import { NOT_CLAIMED, type ClaimResult, type WorkflowState } from '../contracts/workflow-state.ts';
import type { LeaseStore, LeaseWaiters, TaskWaker } from './ports.ts';

export interface LeaseReleaseDeps {
  leases: LeaseStore;
  waiters: LeaseWaiters;
  waker: TaskWaker;
}

/** What a woken waiter is told: nothing is claimed for it yet, it claims again itself. */
export const WOKEN: ClaimResult = NOT_CLAIMED;

/** Releases the lease if this job still holds it, and hands it on by waking the oldest waiter. */
export async function releaseLease(leaseId: string, jobId: string, deps: LeaseReleaseDeps): Promise<boolean> {
  const released = await deps.leases.release(leaseId, jobId);
  if (released) await wakeOldestWaiter(leaseId, deps);
  return released;
}

/** Releases the project-user lease if this execution claimed it and still holds it. */
export async function releaseIfClaimed(
  state: WorkflowState | undefined,
  deps: LeaseReleaseDeps,
): Promise<boolean> {
  const email = state?.email;
  if (!state?.claim?.claimed || !email?.projectId || !email.userId) return false;
  return releaseLease(leaseIdOf(email.projectId, email.userId), state.jobId, deps);
}

/**
 * Wakes the lease's oldest waiter that still waits; returns its job id. A waiter whose task is gone
 * (its execution ended, or its wait timed out and it will claim again on its own) is removed.
 */
export async function wakeOldestWaiter(
  leaseId: string,
  deps: Pick<LeaseReleaseDeps, 'waiters' | 'waker'>,
): Promise<string | undefined> {
  for (const waiter of await deps.waiters.waiting(leaseId)) {
    if (await deps.waker.wake(waiter.token, WOKEN)) return waiter.jobId;
    await deps.waiters.leave(waiter);
  }
  return undefined;
}
