import * as z from './zod.ts';
import { projectIdSchema, userIdSchema } from './identifiers.ts';
import { parseNetworkAllowRule } from './network-allow.ts';
import { repositorySettingsSchema } from './repository.ts';

const nonEmpty = z.string().check(z.minLength(1));
const count = z.int().check(z.nonnegative());
const positiveInt = z.int().check(z.positive());
const nonNegative = z.number().check(z.nonnegative());

/** An attachment the parse step stored in S3; messages carry its key, never its bytes. */
export const storedAttachmentSchema = z.object({
  key: nonEmpty,
  filename: nonEmpty,
  contentType: nonEmpty,
  size: count,
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});
export type StoredAttachment = z.infer<typeof storedAttachmentSchema>;

/**
/** One `host:port` entry of `sandbox.network.allow`; a refused entry is named with its reason. */
const networkAllowEntrySchema = z.string().check(
  z.superRefine((entry, context) => {
    const rule = parseNetworkAllowRule(entry);
    if (typeof rule === 'string') context.addIssue({ code: 'custom', message: rule, input: entry });
  }),
);

/**
 * `false`: no network (loopback only); `true`: the worker's whole network; `{ allow: [...] }`: only
 * the listed `host:port` names, through the worker's egress proxy (see the story-processor README).
 */
export const sandboxNetworkSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      allow: z.array(networkAllowEntrySchema).check(z.minLength(1, 'must list at least one "host:port"')),
    }),
  ],
  { error: 'must be false, true or { "allow": ["host:port", …] }' },
);
export type SandboxNetwork = z.infer<typeof sandboxNetworkSchema>;

/**
 * How a project's validation commands are isolated (see containers/story-processor/src/sandbox/).
 * `worker`: the worker's own mode (bubblewrap by default); `bwrap`: user/pid/net/mount namespaces;
 * `uid`: a separate unprivileged uid (for hosts that refuse new namespaces, like Fargate); `none`:
 * the project opts out and its commands run as the worker, logged loudly. A bare string is the mode.
 * Defaults: no network, 2048 MiB of data per process, 256 processes.
 */
export const sandboxSettingsSchema = z.pipe(
  z.transform((value: unknown) => (typeof value === 'string' ? { mode: value } : value)),
  z.strictObject({
    mode: z._default(z.enum(['worker', 'bwrap', 'uid', 'none']), 'worker'),
    network: z._default(sandboxNetworkSchema, false),
    memoryMb: z._default(z.int().check(z.minimum(64), z.maximum(65_536)), 2048),
    maxProcesses: z._default(z.int().check(z.minimum(8), z.maximum(4096)), 256),
  }),
);
export type SandboxSettings = z.infer<typeof sandboxSettingsSchema>;

/** What one job may spend on the model; the job stops with `Budget.Exceeded` when it is reached. */
export const budgetSchema = z.strictObject({
  /** Input + output tokens (cache reads and writes included). */
  maxTokens: z.optional(positiveInt),
  /** Estimated US dollars (see the worker's price table). */
  maxDollars: z.optional(z.number().check(z.positive())),
});
export type Budget = z.infer<typeof budgetSchema>;

/** Per-project settings the worker needs, copied into each job so a job is self-contained. */
export const jobSettingsSchema = z.object({
  model: nonEmpty,
  validationCommands: z.array(
    z.object({
      name: nonEmpty,
      command: nonEmpty,
      timeoutSeconds: positiveInt,
    }),
  ),
  maxFixAttempts: count,
  /** The workflow's limit for waiting in the queue; jobs queued before it existed had an hour. */
  queueWaitSeconds: z._default(positiveInt, 3600),
  heartbeatSeconds: positiveInt,
  leaseSeconds: positiveInt,
  jobTimeoutSeconds: positiveInt,
  promptOverrides: z._default(z.record(z.string(), z.string()), {}),
  sandbox: z.optional(sandboxSettingsSchema),
  budget: z.optional(budgetSchema),
  /** The project's repository; absent: the worker's own bare repository (no remote, no pull request). */
  repository: z.optional(repositorySettingsSchema),
});
export type JobSettings = z.infer<typeof jobSettingsSchema>;

/**
 * A job as the workflow hands it to a worker. Everything large lives in S3 and is referenced by key.
 */
export const jobSchema = z.object({
  jobId: z.string().check(z.minLength(1), z.maxLength(80)),
  executionArn: nonEmpty,
  threadId: nonEmpty,
  projectId: projectIdSchema,
  userId: userIdSchema,
  messageId: nonEmpty,
  bucket: nonEmpty,
  emailKey: nonEmpty,
  instructionKey: nonEmpty,
  attachments: z.array(storedAttachmentSchema),
  sender: z.string().check(z.minLength(3)),
  subject: z.string(),
  /** The address replies are sent from; it carries the thread id in its sub-address. */
  replyFrom: z.string().check(z.minLength(3)),
  inputQueueUrl: z.url(),
  interruptQueueUrl: z.url(),
  deadLetterQueueUrl: z.url(),
  settings: jobSettingsSchema,
});
export type Job = z.infer<typeof jobSchema>;

/**
 * The body of the message the workflow puts on a project's input queue with
 * `sqs:sendMessage.waitForTaskToken` (see statemachines/email-processor.asl.json, state QueueJob).
 * Its task token is the queue token: the worker answers it with SendTaskSuccess when it picks the
 * job up, and then reports on the run token that the RunJob state parks on the lease.
 */
export const jobMessageSchema = z.object({
  version: z.literal(1),
  taskToken: nonEmpty,
  job: jobSchema,
});
export type JobMessage = z.infer<typeof jobMessageSchema>;

/** Sent to the new-input-queue notices queue when ClaimJob creates a project-user's queues. */
export const newInputQueueNoticeSchema = z.object({
  version: z.literal(1),
  projectId: projectIdSchema,
  userId: userIdSchema,
  inputQueueUrl: nonEmpty,
});
export type NewInputQueueNotice = z.infer<typeof newInputQueueNoticeSchema>;

/** Sent to a project-user's interrupt queue when a reply arrives while a job runs. */
export const interruptMessageSchema = z.object({
  version: z.literal(1),
  kind: z.literal('interrupt'),
  targetJobId: nonEmpty,
  byJobId: nonEmpty,
  reason: z.string(),
});
export type InterruptMessage = z.infer<typeof interruptMessageSchema>;

/** The worker's answer to the queue token (QueueJob's result, kept at `$.pickup`). */
export const pickupSchema = z.object({
  workerId: nonEmpty,
  pickedUpAt: nonEmpty,
});
export type Pickup = z.infer<typeof pickupSchema>;

/** Error names the worker reports with SendTaskFailure and the workflow catches. */
export const JOB_ERRORS = {
  interrupted: 'Job.Interrupted',
  failed: 'Job.Failed',
} as const;

/** Model tokens of a job or a story and their estimated cost (cache reads and writes apart). */
export const modelUsageSchema = z.object({
  calls: count,
  inputTokens: count,
  outputTokens: count,
  cacheReadTokens: count,
  cacheWriteTokens: count,
  costUsd: nonNegative,
  /** Calls the offline model answered (no cost; estimated tokens). Absent when none. */
  offlineCalls: z.optional(count),
});

/** The output of a successful job (SendTaskSuccess), kept well under the 256 KiB payload cap. */
export const jobSummarySchema = z.object({
  jobId: z.string(),
  threadId: z.string(),
  branch: z.string(),
  stories: z.array(
    z.object({
      index: count,
      title: z.string(),
      status: z.enum(['committed', 'skipped', 'failed']),
      commit: z.optional(z.string()),
      attempts: count,
      durationMs: nonNegative,
      /** Estimated model cost of this story in US dollars. */
      costUsd: z.optional(nonNegative),
    }),
  ),
  commits: z.array(z.string()),
  pullRequest: z.optional(z.object({ number: positiveInt, url: z.string() })),
  durationMs: nonNegative,
  /** The job's model usage (plan and stories), with its estimated cost. */
  usage: z.optional(modelUsageSchema),
});
export type JobSummary = z.infer<typeof jobSummarySchema>;
