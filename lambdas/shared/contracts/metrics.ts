/**
 * The queue-backlog metrics the scheduled queue-backlog function publishes and the CDK app scales
 * the workers and raises the dead-letter alarm on.
 */
export const BACKLOG_METRICS = {
  namespace: 'Intake',
  /** Dimension: the environment's queue-name prefix, e.g. `intake-prod`. */
  dimension: 'QueuePrefix',
  waitingJobs: 'WaitingJobs',
  runningJobs: 'RunningJobs',
  deadLetterMessages: 'DeadLetterMessages',
  inputQueues: 'ProjectQueues',
} as const;
