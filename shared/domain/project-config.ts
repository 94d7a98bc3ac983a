import * as z from '../contracts/zod.ts';
import { projectIdSchema, userIdSchema } from '../contracts/identifiers.ts';
import { budgetSchema, sandboxSettingsSchema, type JobSettings } from '../contracts/messages.ts';
import { repositorySettingsSchema } from '../contracts/repository.ts';
import { splitAddress } from './email-address.ts';

const MIB = 1024 * 1024;

/**
 * Size limits applied at admission. Defaults:
 * - `maxEmailBytes` 25 MiB: a whole message above it is rejected `too-large` (SES accepts up to 40 MB).
 * - `maxAttachmentBytes` 10 MiB: a bigger attachment is dropped with a note.
 * - `maxAttachments` 20: attachments past the 20th are dropped with a note.
 * - `maxTotalAttachmentBytes` 20 MiB: an attachment that would take the kept total past it is dropped.
 * - `maxInstructionChars` 200,000 and `maxLineChars` 20,000: a longer instruction, or one with a longer
 *   line, is rejected `too-large` at admission rather than failing in the worker (a story title is
 *   one line, and it ends up in a commit subject, a git argument and the job's summary).
 */
export const DEFAULT_LIMITS = {
  maxEmailBytes: 25 * MIB,
  maxAttachmentBytes: 10 * MIB,
  maxAttachments: 20,
  maxTotalAttachmentBytes: 20 * MIB,
  maxInstructionChars: 200_000,
  maxLineChars: 20_000,
} as const;

/** The current Claude Sonnet (see the `Model` type of @anthropic-ai/sdk); any project can pick another. */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';

/** How long a job may wait in its queue for a worker before it times out (see README, scale-out). */
export const DEFAULT_QUEUE_WAIT_SECONDS = 3600;

/** A positive integer within the given bounds, `fallback` when absent. */
const positiveInt = (fallback: number, bounds: { min?: number; max?: number } = {}) =>
  z._default(
    z
      .int()
      .check(
        z.positive(),
        ...(bounds.min === undefined ? [] : [z.minimum(bounds.min)]),
        ...(bounds.max === undefined ? [] : [z.maximum(bounds.max)]),
      ),
    fallback,
  );

export const limitsSchema = z.strictObject({
  maxEmailBytes: positiveInt(DEFAULT_LIMITS.maxEmailBytes),
  maxAttachmentBytes: positiveInt(DEFAULT_LIMITS.maxAttachmentBytes),
  // Each kept attachment is a line of the workflow state: bounded so the state stays far below 256 KiB.
  maxAttachments: z._default(z.int().check(z.nonnegative(), z.maximum(100)), DEFAULT_LIMITS.maxAttachments),
  maxTotalAttachmentBytes: positiveInt(DEFAULT_LIMITS.maxTotalAttachmentBytes),
  maxInstructionChars: positiveInt(DEFAULT_LIMITS.maxInstructionChars, { max: 1_000_000 }),
  maxLineChars: positiveInt(DEFAULT_LIMITS.maxLineChars, { max: 100_000 }),
});
export type Limits = z.infer<typeof limitsSchema>;

/**
 * Admission rate limits, counted per fixed window of `windowSeconds`. Defaults: 20 emails per sender
 * and 100 per project each hour. The excess is recorded `rate-limited` (the email stays in S3, to be
 * replayed), and the first refusal in a window is answered, no other.
 */
export const DEFAULT_RATE_LIMITS = { windowSeconds: 3600, perSender: 20, perProject: 100 } as const;

export const rateLimitsSchema = z.strictObject({
  windowSeconds: positiveInt(DEFAULT_RATE_LIMITS.windowSeconds, { min: 60, max: 86_400 }),
  perSender: positiveInt(DEFAULT_RATE_LIMITS.perSender, { max: 1000 }),
  perProject: positiveInt(DEFAULT_RATE_LIMITS.perProject, { max: 1000 }),
});
export type RateLimits = z.infer<typeof rateLimitsSchema>;

export const validationCommandSchema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  command: z.string().check(z.minLength(1)),
  timeoutSeconds: positiveInt(300, { max: 3600 }),
});

/**
 * Per-project settings. Defaults: model `claude-sonnet-5-5`, no validation commands, 2 fix attempts,
 * a job may wait 3600 s in its queue for a worker, a heartbeat at least every 60 s once a worker runs
 * it, a 30 s job lease, a job runs at most 3600 s, the limits above, no prompt overrides, validation
 * commands in the worker's sandbox without network, no budget.
 *
 * Waiting in the queue has its own limit (`queueWaitSeconds`) and no heartbeat: scaling out from zero
 * workers takes minutes, and a job must not time out before any worker has seen it. The heartbeat
 * clock starts when a worker picks the job up.
 *
 * The worker renews the lease (and extends its message's visibility) every third of the shorter of
 * the heartbeat, the lease and its visibility window, so any lease works while the worker lives.
 * The lease is kept shorter than the heartbeat on purpose: when a worker dies, its lease lapses and
 * another worker resumes the job from its checkpoint before the workflow's heartbeat timeout gives
 * the job up to the dead-letter queue.
 */
export const projectSettingsSchema = z
  .strictObject({
    model: z._default(z.string().check(z.minLength(1)), DEFAULT_MODEL),
    validationCommands: z._default(z.array(validationCommandSchema), []),
    maxFixAttempts: z._default(z.int().check(z.nonnegative(), z.maximum(10)), 2),
    queueWaitSeconds: positiveInt(DEFAULT_QUEUE_WAIT_SECONDS, { max: 86_400 }),
    heartbeatSeconds: positiveInt(60),
    leaseSeconds: positiveInt(30, { min: 3 }),
    jobTimeoutSeconds: positiveInt(3600),
    limits: z._default(limitsSchema, () => ({ ...DEFAULT_LIMITS })),
    rateLimits: z._default(rateLimitsSchema, () => ({ ...DEFAULT_RATE_LIMITS })),
    promptOverrides: z._default(z.record(z.string(), z.string()), {}),
    sandbox: z._default(sandboxSettingsSchema, () => sandboxSettingsSchema.parse({})),
    budget: z.optional(budgetSchema),
  })
  .check(
    z.refine((settings) => settings.jobTimeoutSeconds > settings.heartbeatSeconds, {
      message: 'must be longer than heartbeatSeconds',
      path: ['jobTimeoutSeconds'],
    }),
  );

/** An allowed sender: a bare address (`scott@example.com`) or a whole domain (`@example.com`). */
export const allowedSenderSchema = z.string().check(
  z.trim(),
  z.toLowerCase(),
  z.refine(
    (value) => (value.startsWith('@') ? isDomain(value.slice(1)) : splitAddress(value) !== undefined),
    {
      message: 'must be an address like "name@example.com" or a domain like "@example.com"',
    },
  ),
);

export const projectSchema = z.strictObject({
  id: projectIdSchema,
  users: z.array(userIdSchema).check(z.minLength(1, 'must list at least one user')),
  allowedSenders: z
    .array(allowedSenderSchema)
    .check(z.minLength(1, 'must list at least one address or @domain')),
  settings: z._default(projectSettingsSchema, () => projectSettingsSchema.parse({})),
  /** Where the work lands; without it, a bare repository on the worker's disk. */
  repository: z.optional(repositorySettingsSchema),
});
export type Project = z.infer<typeof projectSchema>;
/** A project as written in a config file, defaults not yet applied. */
export type ProjectInput = z.input<typeof projectSchema>;

export const projectsFileSchema = z.strictObject({
  projects: z.array(projectSchema).check(
    z.superRefine((projects, context) => {
      const seen = new Set<string>();
      projects.forEach((project, index) => {
        if (seen.has(project.id)) {
          context.addIssue({
            code: 'custom',
            message: `duplicate project id "${project.id}"`,
            path: [index, 'id'],
          });
        }
        seen.add(project.id);
      });
    }),
  ),
});

export class ProjectConfigError extends Error {
  override readonly name = 'ProjectConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid project config: ${problems.join('; ')}`);
  }
}

/**
 * Reads `{ "projects": [...] }`, applying defaults. Throws a `ProjectConfigError` whose message names
 * each offending field, e.g. `projects[0].users[1]: must be 1-24 characters ...`.
 */
export function loadProjectsFromJson(text: string): Project[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProjectConfigError([
      `not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    ]);
  }
  const result = projectsFileSchema.safeParse(json);
  if (!result.success) {
    throw new ProjectConfigError(
      result.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`),
    );
  }
  return result.data.projects;
}

/** Validates one project (defaults applied); throws a `ProjectConfigError` naming the field. */
export function parseProject(input: unknown): Project {
  const result = projectSchema.safeParse(input);
  if (!result.success) {
    throw new ProjectConfigError(
      result.error.issues.map((issue) => `${fieldPath(['project', ...issue.path])}: ${issue.message}`),
    );
  }
  return result.data;
}

/** Whether a sender may write to the project: decided on the bare address, never a display name. */
export function isSenderAllowed(project: Pick<Project, 'allowedSenders'>, address: string): boolean {
  const sender = splitAddress(address);
  if (!sender) return false;
  return project.allowedSenders.some((allowed) =>
    allowed.startsWith('@')
      ? allowed.slice(1) === sender.domain
      : allowed === `${sender.local}@${sender.domain}`,
  );
}

/** The settings copied into each job (the limits stay with admission). */
export function jobSettingsOf(project: Project): JobSettings {
  const { limits: _limits, rateLimits: _rateLimits, ...settings } = project.settings;
  return project.repository ? { ...settings, repository: project.repository } : settings;
}

function isDomain(value: string): boolean {
  return /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(value);
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}
