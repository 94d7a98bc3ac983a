import { z } from 'zod';

/**
 * The environment every Lambda handler and the worker read. Only entry points call `loadConfig`;
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

const configSchema = z.object({
  mailBucket: z.string().min(1),
  jobsTable: z.string().min(1),
  activeJobsTable: z.string().min(1),
  interruptionsTable: z.string().min(1),
  projectsTable: z.string().min(1),
  admissionWindowsTable: z.string().min(1),
  slotWaitersTable: z.string().min(1),
  queuePrefix: z.string().min(1).max(24),
  mailDomain: z.string().min(1),
  stateMachineArn: z.string().optional(),
  queueKmsKeyId: z.string().optional(),
});
export type IntakeConfig = z.infer<typeof configSchema>;

/** Reads and validates the configuration; the error names every missing variable. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): IntakeConfig => {
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
