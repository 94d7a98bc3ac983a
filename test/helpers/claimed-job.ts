import type { WorkflowState } from '#contracts/workflow-state';
import { claimJob } from '#workflow/claim-job';
import { FakeQueues, MemoryJobRecords, MemorySlotStore } from './workflow-fakes.ts';
import { admittedState } from './workflow-states.ts';

export const TEST_NOW = new Date('2026-11-22T10:00:00Z');

/**
 * An admitted email for amelia/scott that has tried to claim its slot (in `stores`, fresh ones by
 * default): the state as the workflow carries it after ClaimJob, claimed or with the holder.
 */
export async function claimedJob(
  jobId: string,
  stores: { slots: MemorySlotStore; jobs: MemoryJobRecords } = {
    slots: new MemorySlotStore(),
    jobs: new MemoryJobRecords(),
  },
) {
  const claim = await claimJob(admittedState(jobId), {
    ...stores,
    queues: new FakeQueues(),
    clock: { now: () => TEST_NOW },
  });
  const state: WorkflowState = { ...admittedState(jobId), claim };
  return { ...stores, state };
}
