/**
 * The metrics contract: every custom metric intake publishes, with its unit, its dimensions and how
 * it is published. The emitters (the Lambdas through Powertools Metrics, the worker through
 * Powertools' EMF lines on stdout, the queue-backlog function through PutMetricData, the execution
 * log's metric filter) and the CDK dashboard and alarms all import it, and
 * `test/cdk/metrics-contract.test.ts` checks both sides against it: every metric a widget or alarm
 * reads has an emitter, and every emitted metric is read or says here why it is not charted.
 */
export const METRICS_NAMESPACE = 'Intake';

/**
 * Powertools adds a `service` dimension (from `POWERTOOLS_SERVICE_NAME`) to every metric. The Lambdas
 * and the worker all publish under this one value, so each Powertools metric is one series per
 * dimension set: `{service}` or `{service, <its dimensions>}`.
 */
export const POWERTOOLS_SERVICE_NAME = 'intake';
export const SERVICE_DIMENSION = 'service';

/** The dimension of the backlog metrics: the environment's queue-name prefix, e.g. `intake-prod`. */
export const QUEUE_PREFIX_DIMENSION = 'QueuePrefix';

/** CloudWatch units the contract uses (Powertools' `MetricUnit` values of the same names). */
export type MetricUnitName = 'Count' | 'Milliseconds' | 'None';

export interface MetricContract {
  readonly name: string;
  readonly unit: MetricUnitName;
  /**
   * `powertools`: EMF through Powertools, with the `service` dimension plus {@link dimensions};
   * `put-metric-data`: the queue-backlog function's PutMetricData, with exactly {@link dimensions};
   * `log-metric-filter`: a CloudWatch Logs metric filter on the execution log, no dimensions.
   */
  readonly publishedWith: 'powertools' | 'put-metric-data' | 'log-metric-filter';
  readonly dimensions: readonly string[];
  /** Who publishes it (a Lambda handler, the worker). */
  readonly emitter: string;
  /** Set when no widget or alarm reads it: why it is published anyway. */
  readonly notCharted?: string;
}

const powertools = <Name extends string>(
  name: Name,
  unit: MetricUnitName,
  emitter: string,
  extra: { dimensions?: readonly string[]; notCharted?: string } = {},
): MetricContract & { readonly name: Name } => ({
  name,
  unit,
  publishedWith: 'powertools',
  dimensions: extra.dimensions ?? [],
  emitter,
  ...(extra.notCharted ? { notCharted: extra.notCharted } : {}),
});
const backlog = <Name extends string>(name: Name): MetricContract & { readonly name: Name } => ({
  name,
  unit: 'Count',
  publishedWith: 'put-metric-data',
  dimensions: [QUEUE_PREFIX_DIMENSION],
  emitter: 'queue-backlog Lambda',
});

/** The dimension of {@link METRICS.jobsCompleted}: a recorded JobOutcome. */
export const OUTCOME_DIMENSION = 'Outcome';
/** The dimension of {@link METRICS.jobsReported}: what the worker reported on the run token. */
export const REPORT_DIMENSION = 'Report';
/** The dimension of {@link METRICS.errorsByKind}. */
export const KIND_DIMENSION = 'Kind';

export const METRICS = {
  // The Lambdas: what happened to each email.
  emailsReceived: powertools('EmailsReceived', 'Count', 'intake Lambda: an email that started an execution'),
  jobsCompleted: powertools(
    'JobsCompleted',
    'Count',
    'finish-job, handle-timeout, record-execution-end: the one recorded outcome of an email',
    { dimensions: [OUTCOME_DIMENSION] },
  ),
  jobsTimedOut: powertools(
    'JobsTimedOut',
    'Count',
    'handle-timeout: no pickup within the queue wait, a missed heartbeat or past the job limit',
  ),

  // The worker: the story pipeline.
  storyDurationMs: powertools('StoryDurationMs', 'Milliseconds', 'worker: one story, generate → commit'),
  storiesCompleted: powertools('StoriesCompleted', 'Count', 'worker: a story committed (and pushed)', {
    notCharted: 'StoriesPerJob charts the same work per job; this count stays for ad-hoc queries.',
  }),
  validationPassed: powertools('ValidationPassed', 'Count', "worker: a story's validation passed"),
  validationFailed: powertools('ValidationFailed', 'Count', "worker: a story's validation failed"),
  autoFixSucceeded: powertools('AutoFixSucceeded', 'Count', 'worker: fixes made validation pass'),
  autoFixFailed: powertools('AutoFixFailed', 'Count', 'worker: fixes gave up'),
  storiesPerJob: powertools('StoriesPerJob', 'Count', 'worker: stories committed by a job that ended'),
  tokensPerJob: powertools('TokensPerJob', 'Count', 'worker: model tokens (input, output, cache) of a job'),
  costPerJob: powertools('JobCostUsd', 'None', "worker: a job's estimated model cost in US dollars"),
  jobsReported: powertools(
    'JobsReported',
    'Count',
    'worker: what it reported on the run token (succeeded, failed, interrupted, abandoned)',
    {
      dimensions: [REPORT_DIMENSION],
      notCharted:
        'JobsCompleted charts the recorded outcomes; this is the worker-side view, for comparing the two when they disagree.',
    },
  ),
  interruptLatencyMs: powertools('InterruptLatencyMs', 'Milliseconds', 'worker: interrupt sent → job failed'),
  errorsByKind: powertools('ErrorsByKind', 'Count', 'worker: errors it survived, by kind', {
    dimensions: [KIND_DIMENSION],
    notCharted:
      'Kinds are open-ended (error class names), so no widget can list them in advance; query with SEARCH when investigating.',
  }),

  // The queue-backlog function: scaling and dead letters.
  waitingJobs: backlog('WaitingJobs'),
  runningJobs: backlog('RunningJobs'),
  deadLetterMessages: backlog('DeadLetterMessages'),
  projectQueues: {
    ...backlog('ProjectQueues'),
    notCharted: 'How many project queues exist: context for the backlog, not a signal to alarm on.',
  },

  // The execution log's metric filter.
  workerHeartbeatTimeouts: {
    name: 'WorkerHeartbeatTimeouts',
    unit: 'Count',
    publishedWith: 'log-metric-filter',
    dimensions: [],
    emitter: 'the execution log: ExecutionFailed with Job.TimedOut',
  },
} as const satisfies Record<string, MetricContract>;

export type MetricKey = keyof typeof METRICS;

/** The metrics the worker publishes (its MetricsSink accepts only these). */
export type WorkerMetric = (typeof METRICS)[
  | 'storyDurationMs'
  | 'storiesCompleted'
  | 'validationPassed'
  | 'validationFailed'
  | 'autoFixSucceeded'
  | 'autoFixFailed'
  | 'storiesPerJob'
  | 'tokensPerJob'
  | 'costPerJob'
  | 'jobsReported'
  | 'interruptLatencyMs'
  | 'errorsByKind'];
export type WorkerMetricName = WorkerMetric['name'];

/** The metrics the Lambda handlers publish with Powertools. */
export type LambdaMetric = (typeof METRICS)['emailsReceived' | 'jobsCompleted' | 'jobsTimedOut'];

/** The contract entry of a metric name. */
export const metricNamed = (name: string): MetricContract | undefined =>
  Object.values(METRICS).find((metric: MetricContract) => metric.name === name);

/** The queue-backlog metrics as the scaling policy and the dead-letter alarm read them. */
export const BACKLOG_METRICS = {
  namespace: METRICS_NAMESPACE,
  dimension: QUEUE_PREFIX_DIMENSION,
  waitingJobs: METRICS.waitingJobs.name,
  runningJobs: METRICS.runningJobs.name,
  deadLetterMessages: METRICS.deadLetterMessages.name,
  inputQueues: METRICS.projectQueues.name,
} as const;
