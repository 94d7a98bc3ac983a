import * as z from './contracts/zod.ts';

/**
 * The environment every Lambda handler and the worker read. Only entry points call `loadRuntimeConfig`;
 * domain code receives values as arguments. CDK sets these on AWS and the local runtime sets them
 * in process, so both run the same handlers.
 */
export const ENV = {
  mailBucket: 'MAIL_BUCKET',
  jobsTable: 'JOBS_TABLE',
  activeJobsTable: 'ACTIVE_JOBS_TABLE',
  interruptionsTable: 'INTERRUPTIONS_TABLE',
  projectsTable: 'PROJECTS_TABLE',
  admissionWindowsTable: 'ADMISSION_WINDOWS_TABLE',
  slotWaitersTable: 'SLOT_WAITERS_TABLE',
  queuePrefix: 'QUEUE_PREFIX',
  mailDomain: 'MAIL_DOMAIN',
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** Optional: a KMS key for the per-project queues; SQS-managed encryption when unset. */
  queueKmsKeyId: 'QUEUE_KMS_KEY_ID',
} as const;

const required = z.string().check(z.minLength(1));
const configSchema = z.object({
  mailBucket: required,
  jobsTable: required,
  activeJobsTable: required,
  interruptionsTable: required,
  projectsTable: required,
  admissionWindowsTable: required,
  slotWaitersTable: required,
  queuePrefix: z.string().check(z.minLength(1), z.maxLength(24)),
  mailDomain: required,
  stateMachineArn: z.optional(z.string()),
  queueKmsKeyId: z.optional(z.string()),
});
/** The run-time config of the handlers and the worker (the CDK's deploy settings are lib/config.ts). */
export type RuntimeConfig = z.infer<typeof configSchema>;

/** Reads and validates the configuration; the error names every missing variable. */
export const loadRuntimeConfig = (env: Record<string, string | undefined> = process.env): RuntimeConfig => {
  const raw = Object.fromEntries(
    Object.entries(ENV).map(([field, variable]) => [field, env[variable] === '' ? undefined : env[variable]]),
  );
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0]) as keyof typeof ENV;
      return `${ENV[field]}: ${issue.message}`;
    });
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
};
