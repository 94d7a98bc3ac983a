/**
 * The DynamoDB data model. Every table has a single string partition key named `pk` and, where it
 * needs one, a string sort key named `sk`, so that the CDK stack, the local runtime and the adapters
 * agree on one shape. Time is stored twice where a condition or a Choice state compares it:
 * `expiresAt` as epoch seconds (for condition expressions and TTL) and `expiresAtIso` as ISO-8601.
 */
export const TABLE_KEYS = {
  /** pk = `${projectId}#${userId}`; one item while a job holds the lease (see `active-jobs-table.ts`). */
  activeJobs: { partitionKey: 'pk', ttlAttribute: 'ttl' },
  /** pk = projectId, sk = jobId; every email's outcome and the worker's results (see `jobs-table.ts`). */
  jobs: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: undefined },
  /** pk = `${projectId}#${userId}`, sk = `${interruptedAtIso}#${byJobId}`; audit records that expire (see `interruptions-table.ts`). */
  interruptions: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttl' },
  /** pk = projectId; the project registry (see `projects-table.ts`). */
  projects: { partitionKey: 'pk', ttlAttribute: undefined },
  /**
   * pk = `${projectId}#sender#${address}#${windowStartIso}` or `${projectId}#project#${windowStartIso}`;
   * the admission rate-limit windows (see `admission-windows-table.ts`), expiring after their window.
   */
  admissionWindows: { partitionKey: 'pk', ttlAttribute: 'ttl' },
  /** pk = `${projectId}#${userId}`, sk = jobId; executions parked until the lease is free (see `slot-waiters-table.ts`). */
  slotWaiters: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttl' },
} as const;

/** A table by its logical name (its physical name comes from the config). */
export type TableKind = keyof typeof TABLE_KEYS;

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
