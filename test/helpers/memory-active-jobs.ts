import {
  ACTIVE_JOB_CONDITIONS,
  activeJobItemFor,
  leaseExpiry,
  leaseViewOf,
  type ActiveJobItem,
} from '#contracts/active-jobs-table';
import { slotIdOf } from '#contracts/identifiers';
import type { ClaimAttempt, SlotClaim, SlotStore } from '#workflow/ports';
import type {
  WorkerLeaseClaim,
  WorkerLeaseStore,
  LeaseView,
} from '../../containers/story-processor/src/ports.ts';

/**
 * The active-jobs table in memory: both sides of it (the workflow's slot store and the worker's
 * lease store) over one map of the contract's items, judged by the contract's conditions. The
 * contract suite (`test/contract/active-jobs-table.contract.ts`) holds them to the DynamoDB adapters.
 */
export type ActiveJobItems = Map<string, ActiveJobItem>;

export class MemorySlotStore implements SlotStore {
  constructor(readonly items: ActiveJobItems = new Map()) {}

  async claim(claim: SlotClaim): Promise<ClaimAttempt> {
    const current = this.items.get(slotIdOf(claim.projectId, claim.userId));
    if (current && !ACTIVE_JOB_CONDITIONS.claimable.holds(current, claim.jobId, claim.now)) {
      return { claimed: false, holder: { ...current } };
    }
    const item = activeJobItemFor(claim);
    this.items.set(item.pk, item);
    return { claimed: true, item: { ...item } };
  }

  async requestInterrupt(slotId: string, holderJobId: string, byJobId: string): Promise<boolean> {
    const item = this.items.get(slotId);
    if (!item || !ACTIVE_JOB_CONDITIONS.heldBy.holds(item, holderJobId)) return false;
    item.interruptRequestedBy = byJobId;
    return true;
  }

  async release(slotId: string, jobId: string): Promise<boolean> {
    if (!ACTIVE_JOB_CONDITIONS.heldBy.holds(this.items.get(slotId), jobId)) return false;
    this.items.delete(slotId);
    return true;
  }
}

export class MemoryWorkerLeaseStore implements WorkerLeaseStore {
  constructor(readonly items: ActiveJobItems = new Map()) {}

  async claim(input: {
    slotId: string;
    jobId: string;
    workerId: string;
    expiresAt: number;
    now: number;
  }): Promise<WorkerLeaseClaim> {
    const item = this.items.get(input.slotId);
    if (!item || item.jobId !== input.jobId)
      return item ? { kind: 'not-ours', lease: leaseViewOf(item) } : { kind: 'not-ours' };
    if (!ACTIVE_JOB_CONDITIONS.workerMayTake.holds(item, input.jobId, input.workerId, new Date(input.now)))
      return { kind: 'held-elsewhere', lease: leaseViewOf(item) };
    Object.assign(item, leaseExpiry(new Date(input.expiresAt)), { workerId: input.workerId });
    return { kind: 'claimed', lease: leaseViewOf(item) };
  }

  async renew(input: {
    slotId: string;
    jobId: string;
    workerId: string;
    expiresAt: number;
  }): Promise<LeaseView | undefined> {
    const item = this.items.get(input.slotId);
    if (!item || !ACTIVE_JOB_CONDITIONS.runBy.holds(item, input.jobId, input.workerId)) return undefined;
    Object.assign(item, leaseExpiry(new Date(input.expiresAt)));
    return leaseViewOf(item);
  }

  async read(slotId: string): Promise<LeaseView | undefined> {
    const item = this.items.get(slotId);
    return item ? leaseViewOf(item) : undefined;
  }

  async handOver(input: { slotId: string; jobId: string; workerId: string }): Promise<void> {
    const item = this.items.get(input.slotId);
    if (item && ACTIVE_JOB_CONDITIONS.runBy.holds(item, input.jobId, input.workerId)) delete item.workerId;
  }
}
