import type { WorkflowState } from '#contracts/workflow-state.ts';
import { claimJob } from '#workflow/claim-job.ts';
import { FakeQueues, MemoryJobRecords, MemoryLeaseStore } from './workflow-fakes.ts';
import { admittedState } from './workflow-states.ts';

export const TEST_NOW = new Date('2026-11-22T10:00:00Z');

/**
 * An admitted email for amelia/scott that has tried to claim its lease (in `stores`, fresh ones by
 * default): the state as the workflow carries it after ClaimJob, claimed or with the holder.
 */
export async function claimedJob(
  jobId: string,
  stores: { leases: MemoryLeaseStore; jobs: MemoryJobRecords } = {
    leases: new MemoryLeaseStore(),
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
