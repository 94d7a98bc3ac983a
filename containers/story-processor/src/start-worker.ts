import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import { SesMailer } from '#adapters/ses-mailer.ts';
import { composeReply } from '#domain/compose-reply.ts';
import { DynamoDbWorkerJobRecords } from './adapters/dynamodb-worker-job-records.ts';
import { DynamoDbWorkerLeaseStore } from './adapters/dynamodb-worker-lease-store.ts';
import { Forges } from './adapters/forges.ts';
import { RepositoryCredentialReader } from './adapters/repository-credentials.ts';
import { PowertoolsMetrics } from './adapters/powertools-metrics.ts';
import { SfnTaskCallbacks } from './adapters/sfn-task-callbacks.ts';
import { SqsWorkQueue } from './adapters/sqs-work-queue.ts';
import { SqsNewQueueNotices } from './adapters/sqs-new-queue-notices.ts';
import { systemWorkerClock } from './clock.ts';
import type { JobRunnerDeps } from './job/run-job.ts';
import { createLog } from './logging.ts';
import { AnthropicModelProvider, type AnthropicProviderOptions } from './models/anthropic-provider.ts';
import { UnconfiguredModelProvider } from './models/unconfigured-provider.ts';
import { OfflineModelProvider } from './models/offline-provider.ts';
import { defaultPromptDir, loadPromptTemplates } from './pipeline/prompts.ts';
import { DEFAULT_PIPELINE_LIMITS } from './pipeline/story-pipeline.ts';
import type { NewQueueNotices, RepositoryCredentialSource, ReplyComposer } from './ports.ts';
import { createSandboxedCommandRunner, type SandboxedRunnerOptions } from './sandbox/sandboxed-runner.ts';
import { Scheduler, type JobFinished, type SchedulerSettings } from './scheduler/scheduler.ts';
import { createGitRunner } from './workspace/git-cli.ts';
import { createWorkerWorkspaces } from './worker-workspaces.ts';

/** The collaborators startWorker wires; any of them can be replaced (tests, the local runtime). */
export type WorkerCollaborators = Pick<
  JobRunnerDeps,
  | 'queue'
  | 'callbacks'
  | 'leases'
  | 'records'
  | 'blobs'
  | 'mailer'
  | 'composeReply'
  | 'model'
  | 'workspaces'
  | 'commands'
  | 'metrics'
  | 'log'
  | 'clock'
  | 'forges'
> & { notices?: NewQueueNotices };

export interface StartWorkerOptions {
  /** QUEUE_PREFIX: input queues are discovered as `<prefix>-input-*`. */
  queuePrefix: string;
  tables: { jobs: string; activeJobs: string };
  /** SDK clients for the ports not given in `overrides`; they honour AWS_ENDPOINT_URL. */
  aws?: Partial<{
    sqs: SQSClient;
    sfn: SFNClient;
    documents: DynamoDBDocumentClient;
    s3: S3Client;
    ses: SESv2Client;
    /** For repository tokens named `{ secret }` (AWS). */
    secretsManager: SecretsManagerClient;
  }>;
  /**
   * Durable storage: the bare repositories of projects without a repository (their only copy, and
   * their checkpoint) and the worker's git home.
   */
  workspaceRoot: string;
  /**
   * Every project's partial-clone cache and thread worktrees (fetched from the project's repository, or
   * from its bare repository on `workspaceRoot`; the pushed branch is the checkpoint, so task-local
   * storage will do). Default `workspaceRoot`.
   */
  remoteWorkspaceRoot?: string;
  /** The variables a repository's `{ env }` credential may name (main passes the process environment). */
  repositoryEnvironment?: Readonly<Record<string, string | undefined>>;
  /** A repository's `{ secret }` credential must start with this prefix. */
  repositorySecretPrefix?: string;
  /** Replaces the credential source (tests). */
  repositoryCredentials?: RepositoryCredentialSource;
  /** Tries of a git network call that fails transiently (back-off from 500 ms, doubling). Default 4. */
  repositoryAttempts?: number;
  /** With a key, the Anthropic provider; without, the deterministic offline provider. */
  anthropic?: AnthropicProviderOptions;
  /**
   * Set where a real model is required (AWS): without a key, jobs then fail with a reason naming this
   * secret instead of running on the offline provider.
   */
  requiredKeySecretName?: string;
  /** PATH for git and the validation commands. Default `/usr/local/bin:/usr/bin:/bin`. */
  pathEnv?: string;
  /**
   * How validation commands are isolated when a project leaves it to the worker: `bwrap` (default;
   * namespaces) or `uid` (a separate uid, for hosts that refuse namespaces, like Fargate).
   */
  sandboxMode?: 'bwrap' | 'uid';
  /** uid mode cannot cut the network; true accepts that (the task's network rules are the fence). */
  sandboxUidSharesNetwork?: boolean;
  /** Values redacted from records, logs, prompts and causes (API keys, AWS secrets). */
  secrets?: string[];
  workerId?: string;
  /** Default 2. */
  maxConcurrency?: number;
  /** Default 2. */
  pollers?: number;
  /** Default 10. */
  pollWaitSeconds?: number;
  /** Default 30 000. */
  discoveryIntervalMs?: number;
  /** Default 1 000. */
  idleMs?: number;
  /** How far each extension pushes a job message's visibility. Default 30, so that a dead worker's job is visible again soon. */
  visibilitySeconds?: number;
  /** Default 43 200 (SQS's 12-hour cap). */
  maxVisibilityWindowSeconds?: number;
  /** Default 120. */
  visibilityMarginSeconds?: number;
  /** Default 20. */
  interruptWaitSeconds?: number;
  /** Default: a third of min(heartbeatSeconds, leaseSeconds, visibilitySeconds). */
  keepAliveIntervalMs?: number;
  /** After stop(), how long the in-flight step may run before it is aborted. Default 20 000. */
  shutdownGraceMs?: number;
  /** Default 10. */
  busyRetrySeconds?: number;
  /** Per-validation-command output kept in memory. Default 64 KiB. */
  maxValidationOutputBytes?: number;
  /** Default: the `prompts/` folder beside `src/`. */
  promptDir?: string;
  logLevel?: string;
  overrides?: Partial<WorkerCollaborators>;
  onJobFinished?: (finished: JobFinished) => void;
}

export interface WorkerHandle {
  readonly workerId: string;
  /** Job ids running now. */
  runningJobs(): string[];
  /** Lists the input queues again now (new projects appear without waiting for the interval). */
  refreshQueues(): Promise<readonly string[]>;
  /** Stops taking work; running jobs hand over at their next safe point (see the README). */
  stop(): Promise<void>;
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined)
    throw new Error(`startWorker: ${what} is required (give the AWS client or an override)`);
  return value;
};

export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length >= 8);
  const workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  const pathEnv = options.pathEnv ?? '/usr/local/bin:/usr/bin:/bin';
  const root = path.resolve(options.workspaceRoot);
  const remoteRoot = path.resolve(options.remoteWorkspaceRoot ?? options.workspaceRoot);
  const home = path.join(root, '.home');
  await mkdir(home, { recursive: true });
  await mkdir(remoteRoot, { recursive: true });
  // As root, commands run under lent uids: they may pass through the workspace roots to their own
  // worktree (absolute paths keep working) but not list them to find the other projects' and threads'.
  if (process.getuid?.() === 0) for (const dir of new Set([root, remoteRoot])) await chmod(dir, 0o711);
  const o = options.overrides ?? {};
  const aws = options.aws ?? {};
  const clock = o.clock ?? systemWorkerClock;
  const log = o.log ?? createLog('story-processor', secrets, options.logLevel);
  const credentials =
    options.repositoryCredentials ??
    new RepositoryCredentialReader({
      environment: options.repositoryEnvironment ?? {},
      ...(aws.secretsManager ? { secretsManager: aws.secretsManager } : {}),
      ...(options.repositorySecretPrefix !== undefined
        ? { secretPrefix: options.repositorySecretPrefix }
        : {}),
    });
  // Per process: each worker adds the bare repositories it opens (no two processes write one file).
  const gitConfigDir = await mkdtemp(path.join(tmpdir(), 'intake-git-'));
  const gitConfig = path.join(gitConfigDir, 'config');
  const git = createGitRunner({
    pathEnv,
    home,
    globalConfig: gitConfig,
    authorName: 'intake',
    authorEmail: 'intake@localhost',
    timeoutMs: 120_000,
  });

  const collaborators: WorkerCollaborators = {
    clock,
    log,
    queue: o.queue ?? new SqsWorkQueue(need(aws.sqs, 'an SQS client'), clock),
    callbacks: o.callbacks ?? new SfnTaskCallbacks(need(aws.sfn, 'a Step Functions client')),
    leases:
      o.leases ??
      new DynamoDbWorkerLeaseStore(
        need(aws.documents, 'a DynamoDB document client'),
        options.tables.activeJobs,
      ),
    records:
      o.records ??
      new DynamoDbWorkerJobRecords(need(aws.documents, 'a DynamoDB document client'), options.tables.jobs),
    blobs: o.blobs ?? new S3BlobStore(need(aws.s3, 'an S3 client')),
    mailer: o.mailer ?? new SesMailer(need(aws.ses, 'an SESv2 client')),
    composeReply: o.composeReply ?? (composeReply satisfies ReplyComposer),
    model:
      o.model ??
      (options.anthropic?.apiKey
        ? new AnthropicModelProvider(options.anthropic)
        : options.requiredKeySecretName
          ? new UnconfiguredModelProvider(options.requiredKeySecretName)
          : new OfflineModelProvider()),
    workspaces:
      o.workspaces ??
      createWorkerWorkspaces({
        root,
        remoteRoot,
        safeDirectoryConfig: gitConfig,
        home,
        git,
        credentials,
        clock,
        log,
        ...(options.repositoryAttempts ? { attempts: options.repositoryAttempts } : {}),
      }),
    forges: o.forges ?? new Forges({ credentials, log }),
    notices: o.notices ?? (aws.sqs ? new SqsNewQueueNotices(aws.sqs, options.queuePrefix) : undefined),
    commands:
      o.commands ??
      createSandboxedCommandRunner({
        defaultMode: options.sandboxMode ?? 'bwrap',
        pathEnv,
        maxOutputBytes: options.maxValidationOutputBytes ?? 64 * 1024,
        log,
        ...(options.sandboxUidSharesNetwork
          ? ({ uidModeSharesNetwork: true } satisfies Partial<SandboxedRunnerOptions>)
          : {}),
      }),
    metrics: o.metrics ?? new PowertoolsMetrics(),
  };
  const deps: JobRunnerDeps & { notices?: NewQueueNotices } = {
    ...collaborators,
    prompts: await loadPromptTemplates(options.promptDir ?? defaultPromptDir()),
    secrets,
    limits: DEFAULT_PIPELINE_LIMITS,
  };
  const settings: SchedulerSettings = {
    workerId,
    queuePrefix: options.queuePrefix,
    maxConcurrency: options.maxConcurrency ?? 2,
    pollers: options.pollers ?? 2,
    pollWaitSeconds: options.pollWaitSeconds ?? 10,
    discoveryIntervalMs: options.discoveryIntervalMs ?? 30_000,
    idleMs: options.idleMs ?? 1000,
    visibilitySeconds: options.visibilitySeconds ?? 30,
    maxVisibilityWindowSeconds: options.maxVisibilityWindowSeconds ?? 43_200,
    visibilityMarginSeconds: options.visibilityMarginSeconds ?? 120,
    interruptWaitSeconds: options.interruptWaitSeconds ?? 20,
    shutdownGraceMs: options.shutdownGraceMs ?? 20_000,
    busyRetrySeconds: options.busyRetrySeconds ?? 10,
    ...(options.keepAliveIntervalMs !== undefined
      ? { keepAliveIntervalMs: options.keepAliveIntervalMs }
      : {}),
  };
  const scheduler = new Scheduler(deps, settings, options.onJobFinished);
  await scheduler.start();
  log.info('worker started', {
    workerId,
    model: deps.model.name,
    queuePrefix: options.queuePrefix,
    maxConcurrency: settings.maxConcurrency,
  });
  return {
    workerId,
    runningJobs: () => scheduler.runningJobs,
    refreshQueues: () => scheduler.refreshQueues(),
    async stop() {
      await scheduler.stop();
      await rm(gitConfigDir, { recursive: true, force: true });
      deps.metrics.flush();
      log.info('worker stopped', { workerId });
    },
  };
}
