import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectQueueNames, leaseIdOf } from '#contracts/identifiers.ts';
import { jobSummarySchema, type Job, type JobMessage } from '#contracts/messages.ts';
import { startEmulators, type Emulators } from '#local/emulators/index.ts';
import { provisionLocalResources } from '#local/provision.ts';
import { noMetrics } from '../../../containers/story-processor/src/adapters/powertools-metrics.ts';
import { silentLog } from '../../../containers/story-processor/src/logging.ts';
import {
  startWorker,
  type StartWorkerOptions,
  type WorkerHandle,
} from '../../../containers/story-processor/src/start-worker.ts';
import type { JobFinished } from '../../../containers/story-processor/src/scheduler/scheduler.ts';
import {
  FakeCallbacks,
  FakeMailer,
  makeJob,
  PATH_ENV,
  queueTokenOf,
  runTokenOf,
} from '../../unit/worker/fakes.ts';

const config = {
  mailBucket: 'mail',
  jobsTable: 'jobs',
  activeJobsTable: 'active-jobs',
  interruptionsTable: 'interruptions',
  admissionWindowsTable: 'admission-windows',
  projectsTable: 'projects',
  slotWaitersTable: 'slot-waiters',
  queuePrefix: 'itw',
  mailDomain: 'intake.test',
};

let dataDir: string;
let emulators: Emulators;
let sqs: SQSClient;
let s3: S3Client;
let documents: DynamoDBDocumentClient;
let worker: WorkerHandle;
const callbacks = new FakeCallbacks();
const runTokenWriters = new Map<string, () => Promise<unknown>>();
callbacks.onPickUp = async (queueToken) => {
  await runTokenWriters.get(queueToken)?.();
};
const mailer = new FakeMailer();
const finished: JobFinished[] = [];

const waitForJob = async (jobId: string): Promise<JobFinished> => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = finished.find((f) => f.jobId === jobId);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

async function queueJob(userId: string, instruction: string): Promise<Job> {
  const names = projectQueueNames(config.queuePrefix, 'demo', userId);
  const attributes = { FifoQueue: 'true', ContentBasedDeduplication: 'true' };
  const input = await sqs.send(new CreateQueueCommand({ QueueName: names.input, Attributes: attributes }));
  const interrupt = await sqs.send(
    new CreateQueueCommand({ QueueName: names.interrupt, Attributes: attributes }),
  );
  const job = makeJob({
    projectId: 'demo',
    userId,
    threadId: `t${Date.now().toString(16).padStart(24, '0').slice(-24)}`,
    bucket: config.mailBucket,
    inputQueueUrl: input.QueueUrl ?? '',
    interruptQueueUrl: interrupt.QueueUrl ?? '',
    replyFrom: `demo.${userId}@intake.test`,
  });
  await s3.send(new PutObjectCommand({ Bucket: job.bucket, Key: job.instructionKey, Body: instruction }));
  const now = Math.floor(Date.now() / 1000);
  await documents.send(
    new PutCommand({
      TableName: config.activeJobsTable,
      Item: {
        pk: leaseIdOf('demo', userId),
        jobId: job.jobId,
        expiresAt: now + 60,
        expiresAtIso: '',
        ttl: now + 3600,
      },
    }),
  );
  // What the workflow's RunJob state does once the worker answers the queue token.
  runTokenWriters.set(queueTokenOf(job.jobId), () =>
    documents.send(
      new UpdateCommand({
        TableName: config.activeJobsTable,
        Key: { pk: leaseIdOf('demo', userId) },
        UpdateExpression: 'SET runTaskToken = :token',
        ConditionExpression: 'jobId = :job',
        ExpressionAttributeValues: { ':token': runTokenOf(job.jobId), ':job': job.jobId },
      }),
    ),
  );
  const message: JobMessage = { version: 1, taskToken: queueTokenOf(job.jobId), job };
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: job.inputQueueUrl,
      MessageBody: JSON.stringify(message),
      MessageGroupId: leaseIdOf('demo', userId),
    }),
  );
  await worker.refreshQueues();
  return job;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'worker-it-'));
  emulators = await startEmulators({ dataDir: path.join(dataDir, 'data'), edgePort: 0, host: '127.0.0.1' });
  const common = {
    endpoint: emulators.endpoint,
    region: 'us-east-1',
    credentials: emulators.credentials,
  };
  sqs = new SQSClient(common);
  s3 = new S3Client({ ...common, forcePathStyle: true });
  const dynamodb = new DynamoDBClient(common);
  documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  await provisionLocalResources(config, { s3, dynamodb, sqs });
  worker = await startWorker({ ...workerOptions(), onJobFinished: (f) => finished.push(f) });
});

const workerOptions = (): StartWorkerOptions => ({
  queuePrefix: config.queuePrefix,
  tables: { jobs: config.jobsTable, activeJobs: config.activeJobsTable },
  aws: { sqs, documents, s3 },
  workspaceRoot: path.join(dataDir, 'workspaces'),
  pathEnv: PATH_ENV,
  pollWaitSeconds: 1,
  idleMs: 50,
  discoveryIntervalMs: 500,
  interruptWaitSeconds: 1,
  overrides: { callbacks, mailer, metrics: noMetrics, log: silentLog },
});

afterAll(async () => {
  await worker?.stop();
  await emulators?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('worker against the SQS, DynamoDB and S3 emulators', () => {
  it('runs a three-story job, records it and deletes its message', async () => {
    const job = await queueJob('alice', '1. Add a greeting\n2. Add a farewell\n3. Write the docs');
    const done = await waitForJob(job.jobId);

    expect(done.result.kind).toBe('succeeded');
    expect(callbacks.pickups.map((pickup) => pickup.token)).toContain(queueTokenOf(job.jobId));
    const call = callbacks.calls.find((c) => c.output?.includes(job.jobId));
    expect(call?.token).toBe(runTokenOf(job.jobId));
    expect(jobSummarySchema.parse(JSON.parse(call?.output ?? '')).commits).toHaveLength(3);
    const item = (
      await documents.send(
        new GetCommand({ TableName: config.jobsTable, Key: { pk: 'demo', sk: job.jobId } }),
      )
    ).Item;
    expect(item?.workerReport?.kind).toBe('succeeded');
    expect(item?.stories).toHaveLength(3);
    expect(item?.outcome).toBe('running');
    const lease = (
      await documents.send(
        new GetCommand({ TableName: config.activeJobsTable, Key: { pk: leaseIdOf('demo', 'alice') } }),
      )
    ).Item;
    expect(lease?.workerId).toBe(worker.workerId);
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: job.inputQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
    expect(mailer.sent.some((m) => m.raw.includes('3 of 3 stories are committed'))).toBe(true);
  });

  it('stops a running job on a message in its interrupt queue', async () => {
    const job = await queueJob('bob', '- Slow story [offline:slow=60000]\n- Next');
    const deadline = Date.now() + 15_000;
    while (!worker.runningJobs().includes(job.jobId) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: job.interruptQueueUrl,
        MessageGroupId: job.jobId,
        MessageBody: JSON.stringify({
          version: 1,
          kind: 'interrupt',
          targetJobId: job.jobId,
          byJobId: 'job-newer',
          reason: 'reply',
        }),
      }),
    );
    const done = await waitForJob(job.jobId);
    expect(done.result.kind).toBe('interrupted');
    const call = callbacks.calls.find((c) => c.cause?.includes('job-newer'));
    expect(call?.error).toBe('Job.Interrupted');
  });

  it('removes the temporary folder it made for its git configuration when stopped', async () => {
    const temporary = await mkdtemp(path.join(dataDir, 'tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = temporary;
    try {
      const second = await startWorker(workerOptions());
      expect(await readdir(temporary)).toEqual([expect.stringMatching(/^intake-git-/)]);
      await second.stop();
      expect(await readdir(temporary)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});
