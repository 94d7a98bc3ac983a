/**
 * The worker's collaborators. The scheduler and the pipeline only see these interfaces; `start-worker.ts`
 * wires AWS adapters (or in-memory fakes in tests) behind them.
 */

import type { LeaseView } from '#contracts/active-jobs-table.ts';
import type { Clock } from '#contracts/clock.ts';
import type { BlobStore, Mailer } from '#workflow/ports.ts';
import type { WorkerMetric, WorkerMetricName } from '#contracts/metrics.ts';
import type { RepositoryCredentials, RepositorySettings } from '#contracts/repository.ts';

/** The worker's clock: the time (contracts/clock.ts), and waits that an abort signal cuts short. */
export interface WorkerClock extends Clock {
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** A metric of the contract (shared/contracts/metrics.ts): its name, unit and dimensions. */
export type MetricName = WorkerMetricName;

export interface MetricsSink {
  add(metric: WorkerMetric, value: number, dimensions?: Record<string, string>): void;
  flush(): void;
}

// --- queues and callbacks -------------------------------------------------------------------------

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** When this worker received it (epoch ms): the 12-hour visibility cap counts from here. */
  receivedAt: number;
  /** SQS SentTimestamp (epoch ms), when known. */
  sentAt?: number;
}

export interface ReceiveOptions {
  maxMessages: number;
  waitSeconds: number;
  visibilitySeconds: number;
  signal?: AbortSignal;
}

/** Announcements of new input queues (see SqsNewQueueNotices). */
export interface NewQueueNotices {
  next(signal: AbortSignal): Promise<{ inputQueueUrls: string[]; ignored: string[] }>;
}

export interface WorkQueue {
  /** Every queue URL whose name starts with the prefix. */
  listQueues(namePrefix: string): Promise<string[]>;
  receive(queueUrl: string, options: ReceiveOptions): Promise<ReceivedMessage[]>;
  changeVisibility(queueUrl: string, receiptHandle: string, seconds: number): Promise<void>;
  delete(queueUrl: string, receiptHandle: string): Promise<void>;
}

/** `task-gone`: Step Functions answered TaskTimedOut / TaskDoesNotExist — the workflow is done with the job. */
export type CallbackOutcome = 'delivered' | 'task-gone';

export interface TaskCallbacks {
  /** Answers the queue token at pickup (SendTaskSuccess): the workflow then starts the run. */
  pickUp(queueToken: string, output: string): Promise<CallbackOutcome>;
  heartbeat(taskToken: string): Promise<CallbackOutcome>;
  succeed(taskToken: string, output: string): Promise<CallbackOutcome>;
  fail(taskToken: string, error: string, cause: string): Promise<CallbackOutcome>;
}

// --- lease and job records -----------------------------------------------------------------------

export type { LeaseView };

export type WorkerLeaseClaim =
  | { kind: 'claimed'; lease: LeaseView }
  /** Another live worker runs this job (a redelivered message). */
  | { kind: 'held-elsewhere'; lease: LeaseView }
  /** The lease is free or held by another job: the workflow has moved on. */
  | { kind: 'not-ours'; lease?: LeaseView };

/** Whose lease a worker call is about: the lease, the job on it, and this worker. */
export interface WorkerLeaseRef {
  leaseId: string;
  jobId: string;
  workerId: string;
}

export interface WorkerLeaseStore {
  claim(input: WorkerLeaseRef & { expiresAt: number; now: number }): Promise<WorkerLeaseClaim>;
  /** Undefined when the lease is no longer this worker's. */
  renew(input: WorkerLeaseRef & { expiresAt: number }): Promise<LeaseView | undefined>;
  /** The lease as it is now (consistent read); undefined when it is free. */
  read(leaseId: string): Promise<LeaseView | undefined>;
  /** Drops this worker's name from the lease so that another worker can take the job over at once. */
  handOver(input: WorkerLeaseRef): Promise<void>;
}

export interface ModelUsage {
  calls: number;
  /** Uncached input tokens (billed at the input price). */
  inputTokens: number;
  outputTokens: number;
  /** Input read from the prompt cache (billed at a tenth of the input price). */
  cacheReadTokens: number;
  /** Input written to the prompt cache (billed at 1.25× the input price). */
  cacheWriteTokens: number;
  /** Estimated from the price table in src/models/pricing.ts; 0 for the offline model's calls. */
  costUsd: number;
  /**
   * Calls answered by the offline model: nothing was billed, and their token counts are its own
   * estimates (characters / 4). Absent when none.
   */
  offlineCalls?: number;
}

export interface PlannedStory {
  title: string;
  description: string;
}

export type PipelineStep = 'plan' | 'generate' | 'validate' | 'fix' | 'commit';

export interface ValidationResult {
  name: string;
  command: string;
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** Combined stdout and stderr, truncated. */
  output: string;
}

export interface StoryRecord {
  index: number;
  title: string;
  status: 'pending' | 'running' | 'committed' | 'failed';
  /** Generate plus fix attempts. */
  attempts: number;
  startedAt?: string;
  durationMs?: number;
  commit?: string;
  /** Committed by an earlier run of the same job (found on the branch). */
  resumed?: boolean;
  validation: ValidationResult[];
  usage: ModelUsage;
}

export interface Checkpoint {
  plan: PlannedStory[];
  completed: Array<{ index: number; commit: string }>;
  position: { storyIndex: number; step: PipelineStep } | null;
}

export interface WorkerReport {
  kind: 'succeeded' | 'failed' | 'interrupted' | 'abandoned';
  at: string;
  workerId: string;
  detail?: string;
  interruptLatencyMs?: number;
}

export interface JobProgress {
  checkpoint: Checkpoint;
  stories: StoryRecord[];
  modelUsage: ModelUsage;
}

export interface WorkerRecord {
  checkpoint?: Checkpoint;
  report?: WorkerReport;
}

export interface JobRecordStore {
  load(projectId: string, jobId: string): Promise<WorkerRecord>;
  /** Sets outcome `running` unless the workflow already wrote a final outcome. */
  markRunning(
    projectId: string,
    jobId: string,
    input: { workerId: string; startedAt: string },
  ): Promise<void>;
  saveProgress(projectId: string, jobId: string, progress: JobProgress): Promise<void>;
  markReported(projectId: string, jobId: string, report: WorkerReport): Promise<void>;
  /** Where the job's work is: the branch, the repository, the pull request. */
  saveDelivery?(projectId: string, jobId: string, delivery: JobDeliveryRecord): Promise<void>;
}

export interface JobDeliveryRecord {
  branch: string;
  repositoryUrl?: string;
  pullRequest?: { number: number; url: string };
}

// --- blobs and mail: the workflow's ports, served by the same adapters -----------------------------

/** The worker only reads the job's objects (its instruction and attachments). */
export type BlobReader = Pick<BlobStore, 'get'>;

export type { Mailer };

export interface ReplyRequest {
  /** The mail domain of the project addresses. */
  domain: string;
  projectId: string;
  userId: string;
  threadId: string;
  to: string;
  subject: string;
  inReplyTo: string;
  text: string;
  messageId: string;
}

/** Builds the raw MIME of a reply; the default is the domain's `composeReply`. */
export type ReplyComposer = (request: ReplyRequest) => Promise<Uint8Array>;

// --- workspace, git, validation, models ----------------------------------------------------------

/** File tools confined to one workspace; every path is relative to its root. */
export interface WorkspaceTools {
  readFile(path: string): Promise<string>;
  writeFile(path: string, content: string): Promise<void>;
  listFiles(path?: string): Promise<string[]>;
  deleteFile(path: string): Promise<void>;
  /** A file's lines numbered from 1 (`range`: first and last line, -1 = to the end), or a folder's entries. */
  view(path: string, range?: readonly [number, number]): Promise<string>;
  /** Replaces the one occurrence of `oldText`; refuses none or several. */
  replaceText(path: string, oldText: string, newText: string): Promise<void>;
  /** Inserts `text` after line `afterLine` (0: at the top). */
  insertText(path: string, afterLine: number, text: string): Promise<void>;
  /** Creates a file that does not exist yet. */
  createFile(path: string, content: string): Promise<void>;
  /** Regex search over the files git does not ignore; matches as `path:line:text`, bounded. */
  search(pattern: string, options?: { path?: string; glob?: string; ignoreCase?: boolean }): Promise<string>;
  /** Files git does not ignore that match a glob (`src/**\/*.ts`), bounded. */
  glob(pattern: string): Promise<string[]>;
}

export interface CommitRequest {
  subject: string;
  body: string;
  trailers: Array<[string, string]>;
}

export interface GitWorkspace {
  readonly dir: string;
  readonly branch: string;
  /** Set when the workspace tracks a remote repository (the project's own). */
  readonly remote?: {
    /** The configured URL (never carries credentials). */
    url: string;
    /** The branch the thread branch started from, and the pull request's base. */
    baseBranch: string;
  };
  /**
   * Pushes the branch (never forced). Someone else's new commits on the branch are taken in by
   * rebasing our unpushed commits onto them. Returns the pushed HEAD (which a rebase changes).
   * Absent for a workspace with no remote.
   */
  publish?(): Promise<string>;
  /** Throws away uncommitted changes (a story interrupted half-way starts again from its last commit). */
  resetToHead(): Promise<void>;
  commit(request: CommitRequest): Promise<string>;
  /** Story number (1-based) → commit, for the commits on the branch whose Intake-Job trailer is `jobId`. */
  committedStories(jobId: string): Promise<Map<number, string>>;
}

export interface WorkspaceProvider {
  /** With a repository: a fresh fetch of it and the thread's branch as the remote has it. */
  open(projectId: string, threadId: string, repository?: RepositorySettings): Promise<GitWorkspace>;
}

export interface PullRequestRef {
  number: number;
  /** The page a person opens. */
  url: string;
  /** The GraphQL node id (marking ready is a GraphQL mutation). */
  nodeId: string;
  draft: boolean;
}

/** The pull-request calls of one repository's forge (GitHub through Octokit). */
export interface PullRequestForge {
  /** The open pull request whose head is `branch`, if any: looked up before every create. */
  find(branch: string): Promise<PullRequestRef | undefined>;
  /** Opens a draft. */
  create(input: { branch: string; base: string; title: string; body: string }): Promise<PullRequestRef>;
  updateBody(number: number, body: string): Promise<void>;
  markReady(pullRequest: PullRequestRef): Promise<void>;
  comment(number: number, body: string): Promise<void>;
}

export interface ForgeConnector {
  /** Undefined when the repository takes no pull requests (`provider: none`). */
  connect(repository: RepositorySettings): Promise<PullRequestForge | undefined>;
}

/** Resolves a repository's credential reference to its token, in memory only. */
export interface RepositoryCredentialSource {
  tokenFor(reference: RepositoryCredentials): Promise<string>;
}

export interface CommandResult {
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  output: string;
}

/** How one project's commands are isolated; `worker` resolves to the worker's own mode. */
export type SandboxMode = 'worker' | 'bwrap' | 'uid' | 'none';

export interface SandboxPolicy {
  mode: SandboxMode;
  /**
   * `false`: loopback only; `true`: the worker's network; `{ allow }`: only these `host:port` names
   * (see #contracts/network-allow), through the worker's egress proxy.
   */
  network: boolean | { allow: readonly string[] };
  /** Data segment and private mappings per process (RLIMIT_DATA). */
  memoryMb: number;
  /** Processes and threads the command may have at once (RLIMIT_NPROC). */
  maxProcesses: number;
}

export interface CommandRunner {
  run(input: {
    command: string;
    cwd: string;
    timeoutMs: number;
    signal: AbortSignal;
    /** Absent: the runner's default policy. */
    policy?: SandboxPolicy;
  }): Promise<CommandResult>;
  /** Proves the sandbox for `policy` can start; throws a SandboxUnavailableError naming why not. */
  ensureReady?(policy: SandboxPolicy): Promise<void>;
}

export interface PlanRequest {
  model: string;
  system: string;
  prompt: string;
  /** The raw instruction, for providers that do not read prompts (the offline one). */
  instruction: string;
  signal: AbortSignal;
  /** Called after every model call with its usage; may throw (a budget) to stop the request. */
  onUsage?: (usage: ModelUsage) => void;
}

/** A streamed generation in flight. */
export interface ModelProgress {
  calls: number;
  /** Characters of text and tool input received so far in this call. */
  streamedChars: number;
}

export interface EditRequest {
  purpose: 'generate' | 'fix';
  model: string;
  system: string;
  prompt: string;
  story: PlannedStory;
  /** 0-based. */
  storyIndex: number;
  validationErrors?: string;
  tools: WorkspaceTools;
  signal: AbortSignal;
  /** Runs the project's validation commands in the sandbox; answers their trimmed output. */
  runChecks?: () => Promise<string>;
  /** Called after every model call with its usage; may throw (a budget) to stop the request. */
  onUsage?: (usage: ModelUsage) => void;
  onProgress?: (progress: ModelProgress) => void;
}

export interface ModelProvider {
  readonly name: string;
  plan(request: PlanRequest): Promise<{ stories: PlannedStory[]; usage: ModelUsage }>;
  edit(request: EditRequest): Promise<{ summary: string; usage: ModelUsage }>;
}
