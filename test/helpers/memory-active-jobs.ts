import {
  LEASE_CONDITIONS,
  leaseItemFor,
  leaseExpiry,
  leaseViewOf,
  type LeaseItem,
} from '#contracts/active-jobs-table.ts';
import { leaseIdOf } from '#contracts/identifiers.ts';
import type { ClaimAttempt, LeaseClaim, LeaseStore } from '#workflow/ports.ts';
import type {
  WorkerLeaseClaim,
  WorkerLeaseStore,
  LeaseView,
} from '../../containers/story-processor/src/ports.ts';

/**
 * The active-jobs table in memory: both sides of it (the workflow's lease store and the worker's
 * lease store) over one map of the contract's items, judged by the contract's conditions. The
 * contract suite (`test/contract/active-jobs-table.contract.ts`) holds them to the DynamoDB adapters.
 */
export type LeaseItems = Map<string, LeaseItem>;

export class MemoryLeaseStore implements LeaseStore {
  constructor(readonly items: LeaseItems = new Map()) {}

  async claim(claim: LeaseClaim): Promise<ClaimAttempt> {
    const current = this.items.get(leaseIdOf(claim.projectId, claim.userId));
    if (current && !LEASE_CONDITIONS.claimable.holds(current, claim.jobId, claim.now)) {
      return { claimed: false, holder: { ...current } };
    }
    const item = leaseItemFor(claim);
    this.items.set(item.pk, item);
    return { claimed: true, item: { ...item } };
  }

  async requestInterrupt(leaseId: string, holderJobId: string, byJobId: string): Promise<boolean> {
    const item = this.items.get(leaseId);
    if (!item || !LEASE_CONDITIONS.heldBy.holds(item, holderJobId)) return false;
    item.interruptRequestedBy = byJobId;
    return true;
  }

  async release(leaseId: string, jobId: string): Promise<boolean> {
    if (!LEASE_CONDITIONS.heldBy.holds(this.items.get(leaseId), jobId)) return false;
    this.items.delete(leaseId);
    return true;
  }
}

export class MemoryWorkerLeaseStore implements WorkerLeaseStore {
  constructor(readonly items: LeaseItems = new Map()) {}

  async claim(input: {
    leaseId: string;
    jobId: string;
    workerId: string;
    expiresAt: number;
    now: number;
  }): Promise<WorkerLeaseClaim> {
    const item = this.items.get(input.leaseId);
    if (!item || item.jobId !== input.jobId)
      return item ? { kind: 'not-ours', lease: leaseViewOf(item) } : { kind: 'not-ours' };
    if (!LEASE_CONDITIONS.workerMayTake.holds(item, input.jobId, input.workerId, new Date(input.now)))
      return { kind: 'held-elsewhere', lease: leaseViewOf(item) };
    Object.assign(item, leaseExpiry(new Date(input.expiresAt)), { workerId: input.workerId });
    return { kind: 'claimed', lease: leaseViewOf(item) };
  }

  async renew(input: {
    leaseId: string;
    jobId: string;
    workerId: string;
    expiresAt: number;
  }): Promise<LeaseView | undefined> {
    const item = this.items.get(input.leaseId);
    if (!item || !LEASE_CONDITIONS.runBy.holds(item, input.jobId, input.workerId)) return undefined;
    Object.assign(item, leaseExpiry(new Date(input.expiresAt)));
    return leaseViewOf(item);
  }

  async read(leaseId: string): Promise<LeaseView | undefined> {
    const item = this.items.get(leaseId);
    return item ? leaseViewOf(item) : undefined;
  }

  async handOver(input: { leaseId: string; jobId: string; workerId: string }): Promise<void> {
    const item = this.items.get(input.leaseId);
    if (item && LEASE_CONDITIONS.runBy.holds(item, input.jobId, input.workerId)) delete item.workerId;
  }
}
