import type { LeaseClaim, LeaseItem } from '../contracts/active-jobs-table.ts';
import type { JobRecordFields } from '../contracts/jobs-table.ts';
import type { JobOutcome } from '../contracts/tables.ts';
import type { CountedWindow } from '../contracts/admission-windows-table.ts';
import type { InterruptionRecord } from '../contracts/interruptions-table.ts';
import type { LeaseWaiter } from '../contracts/slot-waiters-table.ts';

export type ClaimAttempt = { claimed: true; item: LeaseItem } | { claimed: false; holder: LeaseItem };

/** The active-jobs table: one lease per project and user. */
export interface LeaseStore {
  /** Conditional write: succeeds when the lease is free, has expired, or is already ours. */
  claim(claim: LeaseClaim): Promise<ClaimAttempt>;
  /** Flags an interrupt on the holder's lease; false when the lease is no longer held by that job. */
  requestInterrupt(leaseId: string, holderJobId: string, byJobId: string): Promise<boolean>;
  /** Deletes the lease only if this job still holds it; false when it did not. */
  release(leaseId: string, jobId: string): Promise<boolean>;
}

/** The slot-waiters table: who waits for which lease, in arrival order. */
export interface LeaseWaiters {
  /** Registers (or re-registers with a new token) a waiter; its first arrival time is kept. */
  park(waiter: Omit<LeaseWaiter, 'arrivedAt'>, now: Date): Promise<void>;
  /** The lease's waiters, oldest first. */
  waiting(leaseId: string): Promise<LeaseWaiter[]>;
  /** Removes the waiter only while it still waits with this token. */
  leave(waiter: Pick<LeaseWaiter, 'leaseId' | 'jobId' | 'token'>): Promise<void>;
}

/** Answers a waiting task (SendTaskSuccess). */
export interface TaskWaker {
  /** False when the task no longer waits: it timed out, or its execution ended. */
  wake(token: string, output: unknown): Promise<boolean>;
}

export type { CountedWindow, InterruptionRecord, JobRecordFields, LeaseClaim, LeaseWaiter };

/** The admission-windows table: counts admitted jobs per window atomically, like the lease. */
export interface AdmissionWindows {
  /** Counts the job in the window unless it is full; true when counted (also when it already was). */
  take(window: CountedWindow, jobId: string): Promise<boolean>;
  /** Removes the job's count (another window refused it). */
  giveBack(window: CountedWindow, jobId: string): Promise<void>;
  /** True for the first job refused in the window (and for that job again): only it gets a reply. */
  claimReply(window: CountedWindow, jobId: string): Promise<boolean>;
}

/** The jobs table: every email's outcome, queryable by project. */
export interface JobRecords {
  /** Sets the job's status and fields; `final` outcomes also set `finishedAt` once. */
  record(
    projectId: string,
    jobId: string,
    outcome: JobOutcome,
    fields: JobRecordFields,
    now: Date,
  ): Promise<void>;
  /**
   * Records a final outcome only if the job has none yet; false when one was already recorded (the
   * workflow's own Record* states come first, this is the safety net for executions that ended
   * without them).
   */
  recordIfOpen(
    projectId: string,
    jobId: string,
    outcome: JobOutcome,
    fields: JobRecordFields,
    now: Date,
  ): Promise<boolean>;
  /** Adds fields without changing the outcome (for example, who interrupted a running job). */
  annotate(projectId: string, jobId: string, fields: JobRecordFields, now: Date): Promise<void>;
}

/** The interruptions audit table (items expire by TTL). */
export interface InterruptionLog {
  record(entry: InterruptionRecord): Promise<void>;
}

export interface ProjectQueueUrls {
  inputQueueUrl: string;
  deadLetterQueueUrl: string;
  interruptQueueUrl: string;
}

/** Creates a project-user's queues on first use, idempotently. */
export interface QueueProvisioner {
  ensureProjectQueues(projectId: string, userId: string): Promise<ProjectQueueUrls>;
}

/** A stored object larger than the reader's limit: it was not read into memory. */
export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`the object is ${bytes} bytes; at most ${maxBytes} are read`);
  }
}

export interface BlobStore {
  /** Rejects with `BlobTooLargeError`, before reading the body, when the object is over `maxBytes`. */
  get(bucket: string, key: string, maxBytes: number): Promise<Uint8Array>;
  put(bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void>;
}

export interface OutboundMail {
  from: string;
  to: string;
  raw: Uint8Array;
}

export interface Mailer {
  send(mail: OutboundMail): Promise<string | undefined>;
}

export type StartOutcome = { status: 'started'; executionArn: string } | { status: 'already-started' };

export interface ExecutionStarter {
  start(name: string, input: string): Promise<StartOutcome>;
}
