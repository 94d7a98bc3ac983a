import { z } from 'zod';
import { projectIdSchema, userIdSchema } from './identifiers.ts';
import { repositorySettingsSchema } from './repository.ts';

/** An attachment the parse step stored in S3; messages carry its key, never its bytes. */
export const storedAttachmentSchema = z.object({
  key: z.string().min(1),
  filename: z.string().min(1),
  contentType: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type StoredAttachment = z.infer<typeof storedAttachmentSchema>;

/**
 * How a project's validation commands are isolated (see containers/story-processor/src/sandbox/).
 * `worker`: the worker's own mode (bubblewrap by default); `bwrap`: user/pid/net/mount namespaces;
 * `uid`: a separate unprivileged uid (for hosts that refuse new namespaces, like Fargate); `none`:
 * the project opts out and its commands run as the worker, logged loudly. A bare string is the mode.
 * Defaults: no network, 2048 MiB of data per process, 256 processes.
 */
export const sandboxSettingsSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { mode: value } : value),
  z.strictObject({
    mode: z.enum(['worker', 'bwrap', 'uid', 'none']).default('worker'),
    /** All or nothing: true shares the worker's network (no per-host allowlist yet). */
    network: z.boolean().default(false),
    memoryMb: z.number().int().min(64).max(65_536).default(2048),
    maxProcesses: z.number().int().min(8).max(4096).default(256),
  }),
);
export type SandboxSettings = z.infer<typeof sandboxSettingsSchema>;

/** What one job may spend on the model; the job stops with `Budget.Exceeded` when it is reached. */
export const budgetSchema = z.strictObject({
  /** Input + output tokens (cache reads and writes included). */
  maxTokens: z.number().int().positive().optional(),
  /** Estimated US dollars (see the worker's price table). */
  maxDollars: z.number().positive().optional(),
});
export type Budget = z.infer<typeof budgetSchema>;

/** Per-project settings the worker needs, copied into each job so a job is self-contained. */
export const jobSettingsSchema = z.object({
  model: z.string().min(1),
  validationCommands: z.array(
    z.object({
      name: z.string().min(1),
      command: z.string().min(1),
      timeoutSeconds: z.number().int().positive(),
    }),
  ),
  maxFixAttempts: z.number().int().nonnegative(),
  /** The workflow's limit for waiting in the queue; jobs queued before it existed had an hour. */
  queueWaitSeconds: z.number().int().positive().default(3600),
  heartbeatSeconds: z.number().int().positive(),
  leaseSeconds: z.number().int().positive(),
  jobTimeoutSeconds: z.number().int().positive(),
  promptOverrides: z.record(z.string(), z.string()).default({}),
  sandbox: sandboxSettingsSchema.optional(),
  budget: budgetSchema.optional(),
  /** The project's repository; absent: the worker's own bare repository (no remote, no pull request). */
  repository: repositorySettingsSchema.optional(),
});
export type JobSettings = z.infer<typeof jobSettingsSchema>;

/**
 * A job as the workflow hands it to a worker. Everything large lives in S3 and is referenced by key.
 */
export const jobSchema = z.object({
  jobId: z.string().min(1).max(80),
  executionArn: z.string().min(1),
  threadId: z.string().min(1),
  projectId: projectIdSchema,
  userId: userIdSchema,
  messageId: z.string().min(1),
  bucket: z.string().min(1),
  emailKey: z.string().min(1),
  instructionKey: z.string().min(1),
  attachments: z.array(storedAttachmentSchema),
  sender: z.string().min(3),
  subject: z.string(),
  /** The address replies are sent from; it carries the thread id in its sub-address. */
  replyFrom: z.string().min(3),
  inputQueueUrl: z.string().url(),
  interruptQueueUrl: z.string().url(),
  deadLetterQueueUrl: z.string().url(),
  settings: jobSettingsSchema,
});
export type Job = z.infer<typeof jobSchema>;

/**
 * The body of the message the workflow puts on a project's input queue with
 * `sqs:sendMessage.waitForTaskToken` (see statemachines/email-processor.asl.json, state QueueJob).
 * Its task token is the queue token: the worker answers it with SendTaskSuccess when it picks the
 * job up, and then reports on the run token that the RunJob state parks on the slot's lease.
 */
export const jobMessageSchema = z.object({
  version: z.literal(1),
  taskToken: z.string().min(1),
  job: jobSchema,
});
export type JobMessage = z.infer<typeof jobMessageSchema>;

/** Sent to a project-user's interrupt queue when a reply arrives while a job runs. */
export const interruptMessageSchema = z.object({
  version: z.literal(1),
  kind: z.literal('interrupt'),
  targetJobId: z.string().min(1),
  byJobId: z.string().min(1),
  reason: z.string(),
});
export type InterruptMessage = z.infer<typeof interruptMessageSchema>;

/** The worker's answer to the queue token (QueueJob's result, kept at `$.pickup`). */
export const pickupSchema = z.object({
  workerId: z.string().min(1),
  pickedUpAt: z.string().min(1),
});
export type Pickup = z.infer<typeof pickupSchema>;

/** Error names the worker reports with SendTaskFailure and the workflow catches. */
export const JOB_ERRORS = {
  interrupted: 'Job.Interrupted',
  failed: 'Job.Failed',
} as const;

/** Model tokens of a job or a story and their estimated cost (cache reads and writes apart). */
export const modelUsageSchema = z.object({
  calls: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  cacheWriteTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});

/** The output of a successful job (SendTaskSuccess), kept well under the 256 KiB payload cap. */
export const jobSummarySchema = z.object({
  jobId: z.string(),
  threadId: z.string(),
  branch: z.string(),
  stories: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      title: z.string(),
      status: z.enum(['committed', 'skipped', 'failed']),
      commit: z.string().optional(),
      attempts: z.number().int().nonnegative(),
      durationMs: z.number().nonnegative(),
      /** Estimated model cost of this story in US dollars. */
      costUsd: z.number().nonnegative().optional(),
    }),
  ),
  commits: z.array(z.string()),
  pullRequest: z.object({ number: z.number().int().positive(), url: z.string() }).optional(),
  durationMs: z.number().nonnegative(),
  /** The job's model usage (plan and stories), with its estimated cost. */
  usage: modelUsageSchema.optional(),
});
export type JobSummary = z.infer<typeof jobSummarySchema>;
