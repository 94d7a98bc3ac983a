import { leaseIdOf } from './identifiers.ts';

/**
 * The active-jobs table, the one place that knows its item: one lease per project and user, written
 * by the workflow when a job claims the lease and extended by the worker that runs the job. Both
 * sides, their in-memory fakes, the CLI and the console read and write it through this module.
 */

/** An item of the active-jobs table. */
export interface LeaseItem {
  pk: string;
  projectId: string;
  userId: string;
  jobId: string;
  threadId: string;
  executionArn: string;
  /** Where the workflow sends an interrupt for this job. */
  interruptQueueUrl: string;
  claimedAt: string;
  /** Epoch seconds: compared in condition expressions. */
  expiresAt: number;
  expiresAtIso: string;
  ttl: number;
  /** Set by the workflow when a reply interrupts this job; the worker also learns it from the lease. */
  interruptRequestedBy?: string;
  /** Set by the worker that runs the job. */
  workerId?: string;
  /**
   * The run token: written by the workflow's RunJob state (a DynamoDB callback task) once a worker
   * has picked the job up; the worker heartbeats and reports on it. A worker that resumes the job
   * (after a crash or a hand-over) finds it here.
   */
  runTaskToken?: string;
}

/** TTL removes a lease item a day after it lapsed; no condition ever waits for that. */
export const LEASE_TTL_GRACE_SECONDS = 86_400;

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** The key of the lease of a project and user. */
export const leaseKey = (leaseId: string): { pk: string } => ({ pk: leaseId });

/** What a claim needs to write on the project-user lease. */
export interface LeaseClaim {
  projectId: string;
  userId: string;
  jobId: string;
  threadId: string;
  executionArn: string;
  interruptQueueUrl: string;
  now: Date;
  leaseSeconds: number;
}

/** The attributes that move when a lease is written or extended to run until `expires`. */
export interface LeaseExpiry {
  expiresAt: number;
  expiresAtIso: string;
  ttl: number;
}

export function leaseExpiry(expires: Date): LeaseExpiry {
  return {
    expiresAt: epochSeconds(expires),
    expiresAtIso: expires.toISOString(),
    ttl: epochSeconds(expires) + LEASE_TTL_GRACE_SECONDS,
  };
}

/** The item a claim writes: the lease runs `leaseSeconds` from the claim. */
export function leaseItemFor(claim: LeaseClaim): LeaseItem {
  return {
    pk: leaseIdOf(claim.projectId, claim.userId),
    projectId: claim.projectId,
    userId: claim.userId,
    jobId: claim.jobId,
    threadId: claim.threadId,
    executionArn: claim.executionArn,
    interruptQueueUrl: claim.interruptQueueUrl,
    claimedAt: claim.now.toISOString(),
    ...leaseExpiry(new Date(claim.now.getTime() + claim.leaseSeconds * 1000)),
  };
}

/**
 * A lease still binds until the second it expires. TTL deletion can lag for days, so an expired item
 * may still exist: it never blocks a claim nor keeps a worker.
 */
export const isLeaseLive = (item: Pick<LeaseItem, 'expiresAt'>, now: Date): boolean =>
  item.expiresAt >= epochSeconds(now);

/**
 * The invariants of the table, each as the predicate the fakes evaluate and the condition expression
 * the DynamoDB adapters send, side by side so that the two cannot drift apart. Expression values are
 * named `:now` (epoch seconds), `:jobId` and `:workerId`.
 */
export const LEASE_CONDITIONS = {
  /** A job may claim the lease when it is free or has lapsed, or when the job already holds it. */
  claimable: {
    expression: 'attribute_not_exists(pk) OR expiresAt < :now OR jobId = :jobId',
    holds: (item: LeaseItem | undefined, jobId: string, now: Date): boolean =>
      !item || !isLeaseLive(item, now) || item.jobId === jobId,
  },
  /** The lease is held by this job (whoever runs it). */
  heldBy: {
    expression: 'jobId = :jobId',
    holds: (item: LeaseItem | undefined, jobId: string): boolean => item?.jobId === jobId,
  },
  /** A worker may take over the job's lease when no live worker runs it. */
  workerMayTake: {
    expression:
      'jobId = :jobId AND (attribute_not_exists(workerId) OR workerId = :workerId OR expiresAt < :now)',
    holds: (item: LeaseItem | undefined, jobId: string, workerId: string, now: Date): boolean =>
      item?.jobId === jobId && (!item.workerId || item.workerId === workerId || !isLeaseLive(item, now)),
  },
  /** This worker runs this job. */
  runBy: {
    expression: 'jobId = :jobId AND workerId = :workerId',
    holds: (item: LeaseItem | undefined, jobId: string, workerId: string): boolean =>
      item?.jobId === jobId && item.workerId === workerId,
  },
} as const;

/** The worker's view of a lease: times in epoch milliseconds. */
export interface LeaseView {
  jobId: string;
  workerId?: string;
  /** Epoch milliseconds (the table stores seconds). */
  expiresAt: number;
  interruptRequestedBy?: string;
  /** The workflow's run token, once its RunJob state has started. */
  runTaskToken?: string;
}

export const leaseViewOf = (item: Partial<LeaseItem>): LeaseView => ({
  jobId: item.jobId ?? '',
  expiresAt: (item.expiresAt ?? 0) * 1000,
  ...(item.workerId ? { workerId: item.workerId } : {}),
  ...(item.interruptRequestedBy ? { interruptRequestedBy: item.interruptRequestedBy } : {}),
  ...(item.runTaskToken ? { runTaskToken: item.runTaskToken } : {}),
});
