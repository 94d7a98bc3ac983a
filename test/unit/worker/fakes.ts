import path from 'node:path';
import { leaseItemFor, type LeaseItem } from '#contracts/active-jobs-table.ts';
import type { Job, JobMessage } from '#contracts/messages.ts';
import type { WorkerMetric } from '#contracts/metrics.ts';
import type { OutboundMail } from '#workflow/ports.ts';
import { MemoryWorkerLeaseStore } from '../../helpers/memory-active-jobs.ts';
import { makeTempDir } from '../../helpers/temp-dirs.ts';
import { systemWorkerClock } from '../../../containers/story-processor/src/clock.ts';
import { JobControl } from '../../../containers/story-processor/src/job/job-control.ts';
import { MessageHold } from '../../../containers/story-processor/src/job/message-hold.ts';
import {
  runJob,
  type JobRunnerDeps,
  type JobRunResult,
} from '../../../containers/story-processor/src/job/run-job.ts';
import { silentLog } from '../../../containers/story-processor/src/logging.ts';
import { OfflineModelProvider } from '../../../containers/story-processor/src/models/offline-provider.ts';
import { createCommandRunner } from '../../../containers/story-processor/src/pipeline/command-runner.ts';
import {
  defaultPromptDir,
  loadPromptTemplates,
} from '../../../containers/story-processor/src/pipeline/prompts.ts';
import { DEFAULT_PIPELINE_LIMITS } from '../../../containers/story-processor/src/pipeline/story-pipeline.ts';
import type {
  CallbackOutcome,
  BlobReader,
  JobDeliveryRecord,
  JobProgress,
  JobRecordStore,
  Mailer,
  MetricName,
  MetricsSink,
  ReceivedMessage,
  ReceiveOptions,
  TaskCallbacks,
  WorkerRecord,
  WorkerReport,
  WorkQueue,
} from '../../../containers/story-processor/src/ports.ts';
import { createGitRunner } from '../../../containers/story-processor/src/workspace/git-cli.ts';
import { testWorkspaces } from '../../helpers/worker-workspaces.ts';

export const PATH_ENV = process.env.PATH ?? '/usr/bin:/bin';

interface StoredMessage {
  id: string;
  body: string;
  sentAt: number;
  visibleAt: number;
  handle?: string;
}

/** SQS semantics that matter here: visibility, fresh receipt handles, stale handles refused. */
export class FakeQueue implements WorkQueue {
  readonly queues = new Map<string, StoredMessage[]>();
  readonly deleted: string[] = [];
  readonly visibilityChanges: Array<{ url: string; seconds: number }> = [];
  /** Receives per message id. */
  readonly receives = new Map<string, number>();
  /** Calls of `receive`, to wait for polls rather than for time. */
  receiveCalls = 0;
  private seq = 0;
  private readonly waiters = new Set<() => void>();

  add(url: string): void {
    if (!this.queues.has(url)) this.queues.set(url, []);
  }

  send(url: string, body: unknown): string {
    this.add(url);
    const id = `m${++this.seq}`;
    this.queues.get(url)?.push({ id, body: JSON.stringify(body), sentAt: Date.now(), visibleAt: 0 });
    for (const wake of [...this.waiters]) wake();
    return id;
  }

  visible(url: string): number {
    return (this.queues.get(url) ?? []).filter((m) => m.visibleAt <= Date.now()).length;
  }

  size(url: string): number {
    return this.queues.get(url)?.length ?? 0;
  }

  async listQueues(prefix: string): Promise<string[]> {
    return [...this.queues.keys()].filter((url) => (url.split('/').pop() ?? '').startsWith(prefix));
  }

  async receive(url: string, options: ReceiveOptions): Promise<ReceivedMessage[]> {
    this.receiveCalls += 1;
    const deadline = Date.now() + options.waitSeconds * 1000;
    for (;;) {
      options.signal?.throwIfAborted();
      const now = Date.now();
      const ready = (this.queues.get(url) ?? [])
        .filter((m) => m.visibleAt <= now)
        .slice(0, options.maxMessages);
      if (ready.length > 0 || now >= deadline) {
        return ready.map((m) => {
          m.visibleAt = now + options.visibilitySeconds * 1000;
          m.handle = `${m.id}-h${++this.seq}`;
          this.receives.set(m.id, (this.receives.get(m.id) ?? 0) + 1);
          return {
            messageId: m.id,
            receiptHandle: m.handle,
            body: m.body,
            receivedAt: now,
            sentAt: m.sentAt,
          };
        });
      }
      // Wake on a send, or after 5 ms to notice visibility timeouts.
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, 5);
        this.waiters.add(wake);
      });
    }
  }

  async changeVisibility(url: string, handle: string, seconds: number): Promise<void> {
    const message = this.find(url, handle);
    message.visibleAt = Date.now() + seconds * 1000;
    this.visibilityChanges.push({ url, seconds });
  }

  async delete(url: string, handle: string): Promise<void> {
    const message = this.find(url, handle);
    const list = this.queues.get(url) ?? [];
    list.splice(list.indexOf(message), 1);
    this.deleted.push(message.id);
  }

  private find(url: string, handle: string): StoredMessage {
    const message = (this.queues.get(url) ?? []).find((m) => m.handle === handle);
    if (!message) throw new Error(`ReceiptHandleIsInvalid: ${handle}`);
    return message;
  }
}

export interface CallbackCall {
  kind: 'succeed' | 'fail';
  token: string;
  at: number;
  output?: string;
  error?: string;
  cause?: string;
}

export class FakeCallbacks implements TaskCallbacks {
  readonly calls: CallbackCall[] = [];
  /** Queue tokens answered at pickup, with their output. */
  readonly pickups: Array<{ token: string; output: string }> = [];
  /** Plays the workflow's RunJob state: called for each delivered pickup. */
  onPickUp: (queueToken: string) => void | Promise<void> = () => undefined;
  heartbeats = 0;
  /** After this many heartbeats, every call answers task-gone. */
  goneAfterHeartbeats = Number.POSITIVE_INFINITY;

  private get gone(): boolean {
    return this.heartbeats > this.goneAfterHeartbeats;
  }

  async pickUp(token: string, output: string): Promise<CallbackOutcome> {
    if (this.gone || this.pickups.some((pickup) => pickup.token === token)) return 'task-gone';
    this.pickups.push({ token, output });
    await this.onPickUp(token);
    return 'delivered';
  }

  async heartbeat(): Promise<CallbackOutcome> {
    this.heartbeats += 1;
    return this.gone ? 'task-gone' : 'delivered';
  }

  async succeed(token: string, output: string): Promise<CallbackOutcome> {
    if (this.gone) return 'task-gone';
    this.calls.push({ kind: 'succeed', token, at: Date.now(), output });
    return 'delivered';
  }

  async fail(token: string, error: string, cause: string): Promise<CallbackOutcome> {
    if (this.gone) return 'task-gone';
    this.calls.push({ kind: 'fail', token, at: Date.now(), error, cause });
    return 'delivered';
  }
}

/** The worker's side of the in-memory active-jobs table, with a way to put a job's lease in place. */
export class FakeLeases extends MemoryWorkerLeaseStore {
  seed(leaseId: string, jobId: string, extra: Partial<LeaseItem> = {}): void {
    const [projectId = '', userId = ''] = leaseId.split('#');
    const item = leaseItemFor({
      projectId,
      userId,
      jobId,
      threadId: jobId,
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:intake:${jobId}`,
      interruptQueueUrl: '',
      now: new Date(),
      leaseSeconds: 60,
    });
    this.items.set(leaseId, { ...item, ...extra });
  }

  /** What the workflow's RunJob state does: park the run token on the job's lease. */
  startRun(jobId: string, runToken: string): void {
    for (const item of this.items.values()) if (item.jobId === jobId) item.runTaskToken = runToken;
  }
}

export class FakeRecords implements JobRecordStore {
  readonly items = new Map<
    string,
    WorkerRecord & {
      progress?: JobProgress;
      running?: string;
      outcome?: string;
      delivery?: JobDeliveryRecord;
    }
  >();

  private item(
    projectId: string,
    jobId: string,
  ): WorkerRecord & { progress?: JobProgress; running?: string; delivery?: JobDeliveryRecord } {
    const key = `${projectId}/${jobId}`;
    const found = this.items.get(key) ?? {};
    this.items.set(key, found);
    return found;
  }

  get(
    projectId: string,
    jobId: string,
  ): (WorkerRecord & { progress?: JobProgress; running?: string; delivery?: JobDeliveryRecord }) | undefined {
    return this.items.get(`${projectId}/${jobId}`);
  }

  async load(projectId: string, jobId: string): Promise<WorkerRecord> {
    const item = this.item(projectId, jobId);
    return structuredClone({ checkpoint: item.progress?.checkpoint, report: item.report }) as WorkerRecord;
  }

  async markRunning(projectId: string, jobId: string, input: { workerId: string }): Promise<void> {
    this.item(projectId, jobId).running = input.workerId;
  }

  async saveProgress(projectId: string, jobId: string, progress: JobProgress): Promise<void> {
    this.item(projectId, jobId).progress = structuredClone(progress);
  }

  async markReported(projectId: string, jobId: string, report: WorkerReport): Promise<void> {
    this.item(projectId, jobId).report = report;
  }

  async saveDelivery(projectId: string, jobId: string, delivery: JobDeliveryRecord): Promise<void> {
    this.item(projectId, jobId).delivery = structuredClone(delivery);
  }
}

export class FakeBlobs implements BlobReader {
  readonly objects = new Map<string, Uint8Array>();

  put(bucket: string, key: string, text: string): void {
    this.objects.set(`${bucket}/${key}`, new TextEncoder().encode(text));
  }

  async get(bucket: string, key: string, maxBytes: number): Promise<Uint8Array> {
    const found = this.objects.get(`${bucket}/${key}`);
    if (!found) throw new Error(`NoSuchKey ${key}`);
    if (found.length > maxBytes) throw new Error('too large');
    return found;
  }
}

export class FakeMailer implements Mailer {
  readonly sent: Array<{ from: string; to: string; raw: string }> = [];

  async send(mail: OutboundMail): Promise<string | undefined> {
    this.sent.push({ from: mail.from, to: mail.to, raw: new TextDecoder().decode(mail.raw) });
    return undefined;
  }
}

export class FakeMetrics implements MetricsSink {
  readonly entries: Array<{ name: MetricName; value: number; dimensions?: Record<string, string> }> = [];

  add(metric: WorkerMetric, value: number, dimensions?: Record<string, string>): void {
    this.entries.push({ name: metric.name, value, ...(dimensions ? { dimensions } : {}) });
  }

  count(name: MetricName): number {
    return this.entries.filter((e) => e.name === name).reduce((sum, e) => sum + e.value, 0);
  }

  flush(): void {}
}

/** The fakes' task tokens: the message's queue token and the run token RunJob would park. */
export const queueTokenOf = (jobId: string): string => `token-${jobId}`;
export const runTokenOf = (jobId: string): string => `run-${jobId}`;
const jobIdOfToken = (queueToken: string): string => queueToken.replace(/^token-/, '');

export const QUEUE_BASE = 'http://127.0.0.1:1/000000000000';

let jobSeq = 0;
export function makeJob(
  overrides: Partial<Omit<Job, 'settings'>> & { settings?: Partial<Job['settings']> } = {},
): Job {
  jobSeq += 1;
  const { settings, ...rest } = overrides;
  const projectId = rest.projectId ?? 'demo';
  const userId = rest.userId ?? 'alice';
  return {
    jobId: `job-${jobSeq}-${Date.now().toString(36)}`,
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:email-processor:x',
    threadId: `t${'0123456789abcdef01234567'.slice(0, 23)}${jobSeq % 10}`,
    projectId,
    userId,
    messageId: `m${jobSeq}@mail.example.com`,
    bucket: 'mail',
    emailKey: 'emails/abc',
    instructionKey: `instructions/${jobSeq}.txt`,
    attachments: [],
    sender: 'alice@example.com',
    subject: 'Build the thing',
    replyFrom: `${projectId}.${userId}+t0123456789abcdef01234567@intake.example.com`,
    inputQueueUrl: `${QUEUE_BASE}/intake-input-${projectId}-${userId}.fifo`,
    interruptQueueUrl: `${QUEUE_BASE}/intake-interrupt-${projectId}-${userId}.fifo`,
    deadLetterQueueUrl: `${QUEUE_BASE}/intake-dlq-${projectId}-${userId}.fifo`,
    ...rest,
    settings: {
      model: 'claude-test',
      validationCommands: [],
      maxFixAttempts: 2,
      queueWaitSeconds: 3600,
      heartbeatSeconds: 30,
      leaseSeconds: 60,
      jobTimeoutSeconds: 3600,
      promptOverrides: {},
      ...settings,
    },
  };
}

export interface Harness {
  root: string;
  deps: JobRunnerDeps;
  queue: FakeQueue;
  callbacks: FakeCallbacks;
  leases: FakeLeases;
  records: FakeRecords;
  blobs: FakeBlobs;
  mailer: FakeMailer;
  metrics: FakeMetrics;
  git: ReturnType<typeof createGitRunner>;
  /** Seeds the lease and the instruction, enqueues the job message, receives it and runs the job. */
  run(
    job: Job,
    instruction: string,
    options?: { control?: JobControl; keepAliveIntervalMs?: number },
  ): Promise<JobRunResult>;
  enqueue(job: Job, instruction: string): void;
}

export async function createHarness(overrides: Partial<JobRunnerDeps> = {}): Promise<Harness> {
  const root = await makeTempDir('worker-test-');
  const git = createGitRunner({
    pathEnv: PATH_ENV,
    home: root,
    authorName: 'intake',
    authorEmail: 'intake@localhost',
    timeoutMs: 30_000,
  });
  const queue = new FakeQueue();
  const callbacks = new FakeCallbacks();
  const leases = overrides.leases instanceof FakeLeases ? overrides.leases : new FakeLeases();
  callbacks.onPickUp = (queueToken) =>
    leases.startRun(jobIdOfToken(queueToken), runTokenOf(jobIdOfToken(queueToken)));
  const records = new FakeRecords();
  const blobs = new FakeBlobs();
  const mailer = new FakeMailer();
  const metrics = new FakeMetrics();
  const deps: JobRunnerDeps = {
    queue,
    callbacks,
    leases,
    records,
    blobs,
    mailer,
    metrics,
    composeReply: async (request) =>
      new TextEncoder().encode(`To: ${request.to}\nSubject: Re: ${request.subject}\n\n${request.text}`),
    model: new OfflineModelProvider(),
    workspaces: testWorkspaces({ root: path.join(root, 'workspaces'), git }),
    commands: createCommandRunner({ env: { PATH: PATH_ENV, HOME: root }, maxOutputBytes: 64 * 1024 }),
    log: silentLog,
    clock: systemWorkerClock,
    prompts: await loadPromptTemplates(defaultPromptDir()),
    secrets: [],
    limits: DEFAULT_PIPELINE_LIMITS,
    ...overrides,
  };
  const enqueue = (job: Job, instruction: string): void => {
    blobs.put(job.bucket, job.instructionKey, instruction);
    if (!leases.items.has(`${job.projectId}#${job.userId}`))
      leases.seed(`${job.projectId}#${job.userId}`, job.jobId);
    queue.add(job.interruptQueueUrl);
    const message: JobMessage = { version: 1, taskToken: queueTokenOf(job.jobId), job };
    queue.send(job.inputQueueUrl, message);
  };
  return {
    root,
    deps,
    queue,
    callbacks,
    leases,
    records,
    blobs,
    mailer,
    metrics,
    git,
    enqueue,
    async run(job, instruction, options = {}) {
      enqueue(job, instruction);
      const [received] = await queue.receive(job.inputQueueUrl, {
        maxMessages: 1,
        waitSeconds: 0,
        visibilitySeconds: 300,
      });
      if (!received) throw new Error('no message');
      const hold = new MessageHold(
        queue,
        job.inputQueueUrl,
        received.receiptHandle,
        received.receivedAt,
        { visibilitySeconds: 300, maxWindowSeconds: 43_200, marginSeconds: 120 },
        systemWorkerClock,
        silentLog,
      );
      const message = JSON.parse(received.body) as JobMessage;
      return runJob(message, hold, options.control ?? new JobControl(), deps, {
        workerId: 'worker-a',
        visibilitySeconds: 300,
        interruptWaitSeconds: 1,
        keepAliveIntervalMs: options.keepAliveIntervalMs ?? 60_000,
      });
    },
  };
}

/** The branch's commits, oldest first: subject and trailers. */
export async function branchLog(
  harness: Harness,
  job: Job,
): Promise<Array<{ subject: string; trailers: string }>> {
  const repo = path.join(harness.root, 'workspaces', job.projectId, 'repo.git');
  // The branch reaches the project's bare repository with its first pushed story.
  const pushed = await harness
    .git(['rev-parse', '--verify', '-q', `refs/heads/intake/${job.threadId}`], repo)
    .then(
      () => true,
      () => false,
    );
  if (!pushed) return [];
  const out = await harness.git(
    ['log', '--reverse', `intake/${job.threadId}`, '--format=%s%x1f%(trailers)%x1e'],
    repo,
  );
  return out
    .split('\x1e')
    .map((record) => record.trim())
    .filter(Boolean)
    .map((record) => {
      const [subject = '', trailers = ''] = record.split('\x1f');
      return { subject, trailers };
    })
    .filter((commit) => commit.subject !== 'Workspace created by intake');
}

export const THREE_STORIES = `Please build the greeting feature.

1. Add a greeting module
2. Add a farewell module
3. Document both in the README
`;
