import { slotIdOf } from '#contracts/identifiers';
import type { WorkflowState } from '#contracts/workflow-state';
import type { SlotStore } from './ports.ts';

/** Releases the project-user slot if this execution claimed it and still holds it. */
export async function releaseIfClaimed(state: WorkflowState | undefined, slots: SlotStore): Promise<boolean> {
  const email = state?.email;
  if (!state?.claim?.claimed || !email?.projectId || !email.userId) return false;
  return slots.release(slotIdOf(email.projectId, email.userId), state.jobId);
}
