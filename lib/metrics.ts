/**
 * The custom metrics the Lambdas and the worker publish with Powertools (embedded metric format) in
 * one namespace. The dashboard and alarms read these names; the publishers must use the same ones.
 */
export const METRICS_NAMESPACE = 'Intake';

export const METRIC = {
  /** intake Lambda: one per email that started an execution. Unit Count. */
  emailsReceived: 'EmailsReceived',
  /** finish-job / handle-timeout: one per finished job, dimension `Outcome` (a JobOutcome). Unit Count. */
  jobsCompleted: 'JobsCompleted',
  /** worker: wall time of one story (generate → validate → fix → commit). Unit Milliseconds. */
  storyDurationMs: 'StoryDurationMs',
  /** worker: a story's validation passed / failed. Unit Count. */
  validationPassed: 'ValidationPassed',
  validationFailed: 'ValidationFailed',
  /** worker: an automatic fix made validation pass / gave up. Unit Count. */
  autoFixSucceeded: 'AutoFixSucceeded',
  autoFixFailed: 'AutoFixFailed',
  /** handle-timeout: a job's worker missed its heartbeat or ran past its time limit. Unit Count. */
  jobsTimedOut: 'JobsTimedOut',
} as const;

/** The dimension of {@link METRIC.jobsCompleted}. */
export const OUTCOME_DIMENSION = 'Outcome';

/**
 * Powertools adds a `service` dimension (from `POWERTOOLS_SERVICE_NAME`) to every metric. CDK sets
 * this one value on every Lambda and on the worker, so each metric is one series per dimension set:
 * `{service}` or, for JobsCompleted, `{service, Outcome}`. Dashboards and alarms query exactly those.
 */
export const POWERTOOLS_SERVICE_NAME = 'intake';
export const SERVICE_DIMENSION = 'service';
