/**
 * The DynamoDB data model. Every table has a single string partition key named `pk` and, where it
 * needs one, a string sort key named `sk`, so that the CDK stack, the local runtime and the adapters
 * agree on one shape. Time is stored twice where a condition or a Choice state compares it:
 * `expiresAt` as epoch seconds (for condition expressions and TTL) and `expiresAtIso` as ISO-8601.
 */
export const TABLE_KEYS = {
  /** pk = `${projectId}#${userId}`; one item while a job holds the slot (see `active-jobs-table.ts`). */
  activeJobs: { partitionKey: 'pk', ttlAttribute: 'ttl' },
  /** pk = projectId, sk = jobId; every email's outcome, and the worker's per-story results and checkpoint. */
  jobs: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: undefined },
  /** pk = `${projectId}#${userId}`, sk = `${interruptedAtIso}#${byJobId}`; audit records that expire. */
  interruptions: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttl' },
  /** pk = projectId; the project registry. */
  projects: { partitionKey: 'pk', ttlAttribute: undefined },
  /**
   * pk = `${projectId}#sender#${address}#${windowStartIso}` or `${projectId}#project#${windowStartIso}`;
   * the admission rate-limit windows (see `AdmissionWindowItem`), expiring after their window.
   */
  admissionWindows: { partitionKey: 'pk', ttlAttribute: 'ttl' },
  /** pk = `${projectId}#${userId}`, sk = jobId; executions parked until the slot is free. */
  slotWaiters: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttl' },
} as const;

/**
 * An item of the admission-windows table: the jobs admitted in one window, as a string set, so that
 * counting a job twice (a retried ParseEmail) changes nothing; and the one job whose refusal in this
 * window may be answered.
 */
export interface AdmissionWindowItem {
  pk: string;
  admitted?: Set<string>;
  repliedFor?: string;
  ttl: number;
}

/** An item of the slot-waiters table: one execution parked on a busy slot, woken by task token. */
export interface SlotWaiterItem {
  pk: string;
  /** The waiting job's id. */
  sk: string;
  /** The token of the waiting task; replaced each time the execution parks again. */
  token: string;
  /** When the job first parked on this slot: waiters are woken oldest first. */
  arrivedAt: string;
  ttl: number;
}

/** Every email ends in exactly one of these, recorded on its jobs-table item. */
export const JOB_OUTCOMES = [
  'received',
  'queued',
  'running',
  'succeeded',
  'failed',
  'interrupted',
  'timed-out',
  'rejected',
  'ignored',
  'slot-unavailable',
  'aborted',
  'rate-limited',
] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/** Outcomes after which nothing more happens to a job. */
export const FINAL_OUTCOMES: readonly JobOutcome[] = [
  'succeeded',
  'failed',
  'interrupted',
  'timed-out',
  'rejected',
  'ignored',
  'slot-unavailable',
  'aborted',
  'rate-limited',
];

/** Rejected or ignored emails that could not be routed to a project are recorded under this pk. */
export const UNROUTED_PROJECT = '_unrouted';
