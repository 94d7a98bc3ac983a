import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import { SesMailer } from '#adapters/ses-mailer.ts';
import type { Dependency } from '#contracts/grants.ts';
import { DynamoDbWorkerLeaseStore } from './adapters/dynamodb-worker-lease-store.ts';
import { DynamoDbWorkerJobRecords } from './adapters/dynamodb-worker-job-records.ts';
import { RepositoryCredentialReader } from './adapters/repository-credentials.ts';
import { SfnTaskCallbacks } from './adapters/sfn-task-callbacks.ts';
import { SqsWorkQueue } from './adapters/sqs-work-queue.ts';
import { SqsNewQueueNotices } from './adapters/sqs-new-queue-notices.ts';
import type {
  BlobReader,
  JobRecordStore,
  WorkerLeaseStore,
  Mailer,
  NewQueueNotices,
  RepositoryCredentialSource,
  TaskCallbacks,
  WorkQueue,
} from './ports.ts';

/**
 * The worker's collaborators that call AWS (start-worker.ts builds them), each with the adapter it is
 * built from and what that adapter's resources are for the worker. The ECS task role is built from
 * the grants these adapters declare (lib/grants.ts), and nothing else. Metrics need no grant: they
 * leave as EMF lines on stdout, shipped by the awslogs driver under the execution role.
 */
export const WORKER_DEPENDENCIES = {
  queue: { adapter: SqsWorkQueue, scope: { queues: ['input', 'interrupt'] } },
  notices: { adapter: SqsNewQueueNotices, scope: {} },
  callbacks: { adapter: SfnTaskCallbacks, scope: {} },
  leases: { adapter: DynamoDbWorkerLeaseStore, scope: { table: 'activeJobs' } },
  records: { adapter: DynamoDbWorkerJobRecords, scope: { table: 'jobs' } },
  blobs: {
    adapter: S3BlobStore,
    scope: { readObjects: ['instructions', 'attachments'], writtenObjects: [] },
  },
  mailer: { adapter: SesMailer, scope: {} },
  credentials: { adapter: RepositoryCredentialReader, scope: {} },
} as const satisfies Record<string, Dependency>;

export type WorkerDependencyName = keyof typeof WORKER_DEPENDENCIES;

/** Every method of a port: the worker's code sees only the port, so it may call any of them. */
const everyMethodOf = <Port>(methods: Record<keyof Port & string, true>): readonly string[] =>
  Object.keys(methods);

/**
 * What the worker calls on each collaborator: every method of its port (the compiler keeps each list
 * whole), so the task role holds the grants of exactly those methods.
 */
export const WORKER_DEPENDENCY_SET: Record<WorkerDependencyName, readonly string[]> = {
  queue: everyMethodOf<WorkQueue>({ listQueues: true, receive: true, changeVisibility: true, delete: true }),
  notices: everyMethodOf<NewQueueNotices>({ next: true }),
  callbacks: everyMethodOf<TaskCallbacks>({ pickUp: true, heartbeat: true, succeed: true, fail: true }),
  leases: everyMethodOf<WorkerLeaseStore>({ claim: true, renew: true, read: true, handOver: true }),
  records: everyMethodOf<JobRecordStore>({
    load: true,
    markRunning: true,
    saveProgress: true,
    markReported: true,
    saveDelivery: true,
  }),
  blobs: everyMethodOf<BlobReader>({ get: true }),
  mailer: everyMethodOf<Mailer>({ send: true }),
  credentials: everyMethodOf<RepositoryCredentialSource>({ tokenFor: true }),
};
