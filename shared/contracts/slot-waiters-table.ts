import { epochSeconds } from './active-jobs-table.ts';

/**
 * The slot-waiters table, the one place that knows its item: one execution parked on a busy lease,
 * woken by its task token when the lease is released. pk = the lease id (`${projectId}#${userId}`),
 * sk = the waiting job's id. Written by ClaimJob's wait, read and removed by every release.
 */

/** An execution parked on a busy lease until a release wakes it (or its wait times out). */
export interface LeaseWaiter {
  leaseId: string;
  jobId: string;
  token: string;
  /** When it first parked on the lease (kept when it parks again): the oldest is woken first. */
  arrivedAt: string;
}

/** An item of the slot-waiters table. */
export interface LeaseWaiterItem {
  pk: string;
  /** The waiting job's id. */
  sk: string;
  /** The token of the waiting task; replaced each time the execution parks again. */
  token: string;
  /** When the job first parked on this lease: waiters are woken oldest first. */
  arrivedAt: string;
  /** Epoch seconds. */
  ttl: number;
}

/** A waiter item outlives any wait (the workflow bounds a wait to minutes); TTL removes leftovers. */
export const WAITER_TTL_SECONDS = 24 * 3600;

export const leaseWaiterKey = (leaseId: string, jobId: string): { pk: string; sk: string } => ({
  pk: leaseId,
  sk: jobId,
});

/** The item a park writes; `arrivedAt` is kept from an earlier park of the same job (`if_not_exists`). */
export const leaseWaiterItemFor = (
  waiter: Omit<LeaseWaiter, 'arrivedAt'>,
  now: Date,
  earlier?: Pick<LeaseWaiterItem, 'arrivedAt'>,
): LeaseWaiterItem => ({
  ...leaseWaiterKey(waiter.leaseId, waiter.jobId),
  token: waiter.token,
  arrivedAt: earlier?.arrivedAt ?? now.toISOString(),
  ttl: epochSeconds(now) + WAITER_TTL_SECONDS,
});

export const leaseWaiterOf = (item: LeaseWaiterItem): LeaseWaiter => ({
  leaseId: item.pk,
  jobId: item.sk,
  token: item.token,
  arrivedAt: item.arrivedAt,
});

/** Waiters are woken oldest first; equal arrivals by job id, so the order is total. */
export const byArrival = (a: LeaseWaiter, b: LeaseWaiter): number =>
  a.arrivedAt.localeCompare(b.arrivedAt) || a.jobId.localeCompare(b.jobId);

/**
 * A waiter leaves only while it still waits with this token: one that parked again since keeps its
 * newer registration. The predicate the fake evaluates and the condition the adapter sends.
 */
export const WAITER_CONDITIONS = {
  stillWaitsWith: {
    expression: '#token = :token',
    holds: (item: LeaseWaiterItem | undefined, token: string): boolean => item?.token === token,
  },
} as const;
