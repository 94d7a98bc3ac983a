import { CloudWatchBacklogPublisher } from '../adapters/cloudwatch-backlog-publisher.ts';
import { DynamoDbAdmissionWindows } from '../adapters/dynamodb-admission-windows.ts';
import { DynamoDbInterruptionLog } from '../adapters/dynamodb-interruption-log.ts';
import { DynamoDbJobRecords } from '../adapters/dynamodb-job-records.ts';
import { DynamoDbProjectRegistry } from '../adapters/dynamodb-project-registry.ts';
import { DynamoDbLeaseStore } from '../adapters/dynamodb-lease-store.ts';
import { DynamoDbLeaseWaiters } from '../adapters/dynamodb-lease-waiters.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import { SfnExecutionStarter } from '../adapters/sfn-execution-starter.ts';
import { SfnExecutionStates } from '../adapters/sfn-execution-states.ts';
import { SfnTaskWaker } from '../adapters/sfn-task-waker.ts';
import { SqsQueueDepths } from '../adapters/sqs-queue-depths.ts';
import { SqsQueueProvisioner } from '../adapters/sqs-queue-provisioner.ts';
import type { HandlerName } from '../contracts/functions.ts';
import type { Dependency } from '../contracts/grants.ts';
import { BACKLOG_METRICS } from '../contracts/metrics.ts';

/**
 * The collaborators of `handler-deps.ts` that call AWS, each with the adapter it is built from and
 * what that adapter's resources are for it. Kept apart from `handler-deps.ts` so that no handler
 * bundle holds the adapters it does not use.
 */
export const DEPENDENCIES = {
  blobs: {
    adapter: S3BlobStore,
    scope: { readObjects: ['emails'], writtenObjects: ['instructions', 'attachments'] },
  },
  leases: { adapter: DynamoDbLeaseStore, scope: { table: 'activeJobs' } },
  waiters: { adapter: DynamoDbLeaseWaiters, scope: { table: 'slotWaiters' } },
  waker: { adapter: SfnTaskWaker, scope: {} },
  jobs: { adapter: DynamoDbJobRecords, scope: { table: 'jobs' } },
  interruptions: { adapter: DynamoDbInterruptionLog, scope: { table: 'interruptions' } },
  projects: { adapter: DynamoDbProjectRegistry, scope: { table: 'projects' } },
  admissionWindows: { adapter: DynamoDbAdmissionWindows, scope: { table: 'admissionWindows' } },
  queues: { adapter: SqsQueueProvisioner, scope: {} },
  notifier: { adapter: SesMailer, scope: {} },
  executionStates: { adapter: SfnExecutionStates, scope: {} },
  starter: { adapter: SfnExecutionStarter, scope: {} },
  queueDepths: { adapter: SqsQueueDepths, scope: { queues: ['input', 'dlq'] } },
  backlogPublisher: {
    adapter: CloudWatchBacklogPublisher,
    scope: { metricNamespace: BACKLOG_METRICS.namespace },
  },
} as const satisfies Record<string, Dependency>;

export type DependencyName = keyof typeof DEPENDENCIES;

/** What a handler calls on each of its collaborators: the methods whose grants its role gets. */
export type DependencySet = { readonly [Name in DependencyName]?: readonly string[] };

/** `leaseRelease` in handler-deps: releasing a lease hands it on to the oldest waiter. */
export const LEASE_RELEASE = {
  leases: ['release'],
  waiters: ['waiting', 'leave'],
  waker: ['wake'],
} as const satisfies DependencySet;

/**
 * Each handler's dependency set: the collaborators of `handler-deps.ts` its handler.ts uses (a test
 * reads the handler's imports to keep the two equal), and the methods it calls on each. Its role is
 * built from the grants those methods declare, and nothing else.
 */
export const HANDLER_DEPENDENCIES: Record<HandlerName, DependencySet> = {
  intake: { blobs: ['get'], starter: ['start'] },
  'parse-email': {
    blobs: ['get', 'put'],
    projects: ['get'],
    jobs: ['record'],
    admissionWindows: ['take', 'giveBack', 'claimReply'],
  },
  'claim-job': {
    leases: ['claim'],
    queues: ['ensureProjectQueues'],
    jobs: ['record'],
    waiters: ['park', 'leave'],
    waker: ['wake'],
  },
  'record-interruption': { leases: ['requestInterrupt'], interruptions: ['record'], jobs: ['annotate'] },
  // `notifier` is a MailNotifier over the SES mailer: its calls are the mailer's `send`.
  'finish-job': { ...LEASE_RELEASE, jobs: ['record'], notifier: ['send'] },
  'handle-timeout': { ...LEASE_RELEASE, jobs: ['record'], notifier: ['send'] },
  'record-execution-end': {
    executionStates: ['lastState'],
    ...LEASE_RELEASE,
    jobs: ['recordIfOpen'],
  },
  'queue-backlog': { queueDepths: ['list', 'depth'], backlogPublisher: ['publish'] },
};
