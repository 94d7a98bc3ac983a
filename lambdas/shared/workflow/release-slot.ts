import { slotIdOf } from '#contracts/identifiers';
import { NOT_CLAIMED, type ClaimResult, type WorkflowState } from '#contracts/workflow-state';
import type { SlotStore, SlotWaiters, TaskWaker } from './ports.ts';

export interface SlotReleaseDeps {
  slots: SlotStore;
  waiters: SlotWaiters;
  waker: TaskWaker;
}

/** What a woken waiter is told: nothing is claimed for it yet, it claims again itself. */
export const WOKEN: ClaimResult = NOT_CLAIMED;

/** Releases the slot if this job still holds it, and hands it on by waking the oldest waiter. */
export async function releaseSlot(slotId: string, jobId: string, deps: SlotReleaseDeps): Promise<boolean> {
  const released = await deps.slots.release(slotId, jobId);
  if (released) await wakeOldestWaiter(slotId, deps);
  return released;
}

/** Releases the project-user slot if this execution claimed it and still holds it. */
export async function releaseIfClaimed(
  state: WorkflowState | undefined,
  deps: SlotReleaseDeps,
): Promise<boolean> {
  const email = state?.email;
  if (!state?.claim?.claimed || !email?.projectId || !email.userId) return false;
  return releaseSlot(slotIdOf(email.projectId, email.userId), state.jobId, deps);
}

/**
 * Wakes the slot's oldest waiter that still waits; returns its job id. A waiter whose task is gone
 * (its execution ended, or its wait timed out and it will claim again on its own) is removed.
 */
export async function wakeOldestWaiter(
  slotId: string,
  deps: Pick<SlotReleaseDeps, 'waiters' | 'waker'>,
): Promise<string | undefined> {
  for (const waiter of await deps.waiters.waiting(slotId)) {
    if (await deps.waker.wake(waiter.token, WOKEN)) return waiter.jobId;
    await deps.waiters.leave(waiter);
  }
  return undefined;
}
