/**
 * The worker as a process: `npx tsx containers/story-processor/src/main.ts` locally; the container runs
 * its esbuild bundle (`node /app/main.mjs`, the Dockerfile's CMD).
 * The only place that reads the environment and builds AWS clients.
 */
import { hostname } from 'node:os';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ENV } from '#shared/config.ts';
import { MODEL_KEY_SECRET_ENV, configuredModelKey } from '#contracts/model-key.ts';
import { createAwsClients } from '#runtime/aws-clients.ts';
import { startWorker } from './start-worker.ts';

const int = z.coerce.number().int().positive();
const envSchema = z.object({
  [ENV.queuePrefix]: z.string().min(1),
  [ENV.jobsTable]: z.string().min(1),
  [ENV.activeJobsTable]: z.string().min(1),
  WORKSPACE_ROOT: z.string().min(1).default('/workspaces'),
  /**
   * Where every project keeps its partial clone and thread worktrees (default WORKSPACE_ROOT), cloned
   * from its repository or, without one, from its bare repository on WORKSPACE_ROOT. On Fargate:
   * task-local storage, so the uid sandbox can lend worktrees (EFS access points refuse chown); the
   * pushed branch is the checkpoint, so losing it with the task loses nothing.
   */
  REMOTE_WORKSPACE_ROOT: z.string().min(1).optional(),
  /** The default prompt templates; the container image sets it (the bundle moves them). */
  PROMPT_DIR: z.string().min(1).optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  [MODEL_KEY_SECRET_ENV]: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  WORKER_ID: z.string().optional(),
  WORKER_MAX_CONCURRENCY: int.optional(),
  WORKER_POLLERS: int.optional(),
  WORKER_DISCOVERY_INTERVAL_MS: int.optional(),
  WORKER_SHUTDOWN_GRACE_MS: int.optional(),
  WORKER_VISIBILITY_SECONDS: int.optional(),
  AWS_S3_FORCE_PATH_STYLE: z.string().optional(),
  POWERTOOLS_LOG_LEVEL: z.string().optional(),
  /** `bwrap` (default) or `uid` (Fargate: see the README's "Sandbox"). */
  SANDBOX_MODE: z.enum(['bwrap', 'uid']).optional(),
  /** `accept`: uid mode runs commands without a network cut (the task's egress rules are the fence). */
  SANDBOX_UID_NETWORK: z.enum(['accept']).optional(),
  /** Repository tokens are read only from Secrets Manager secrets under this prefix. */
  REPOSITORY_CREDENTIALS_PREFIX: z.string().optional(),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
    console.error(`story-processor: invalid environment: ${problems.join('; ')}`);
    process.exit(2);
  }
  const env = parsed.data;
  const apiKey = configuredModelKey(env.ANTHROPIC_API_KEY);
  const requiredKeySecretName = env[MODEL_KEY_SECRET_ENV];
  const secrets = [apiKey, process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN].filter(
    (value): value is string => Boolean(value),
  );
  const clients = createAwsClients({ s3ForcePathStyle: env.AWS_S3_FORCE_PATH_STYLE === 'true' });
  const worker = await startWorker({
    queuePrefix: env[ENV.queuePrefix] as string,
    tables: { jobs: env[ENV.jobsTable] as string, activeJobs: env[ENV.activeJobsTable] as string },
    aws: {
      sqs: clients.sqs,
      sfn: clients.sfn,
      documents: clients.documents,
      s3: clients.s3,
      ses: clients.ses,
      secretsManager: new SecretsManagerClient({}),
    },
    repositoryEnvironment: process.env,
    ...(env.REPOSITORY_CREDENTIALS_PREFIX !== undefined
      ? { repositorySecretPrefix: env.REPOSITORY_CREDENTIALS_PREFIX }
      : {}),
    workspaceRoot: env.WORKSPACE_ROOT,
    ...(env.REMOTE_WORKSPACE_ROOT ? { remoteWorkspaceRoot: env.REMOTE_WORKSPACE_ROOT } : {}),
    ...(env.PROMPT_DIR ? { promptDir: env.PROMPT_DIR } : {}),
    ...(requiredKeySecretName ? { requiredKeySecretName } : {}),
    ...(apiKey
      ? {
          anthropic: {
            apiKey,
            ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
          },
        }
      : {}),
    pathEnv: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    secrets,
    workerId: env.WORKER_ID ?? `${hostname()}-${process.pid}`,
    ...(env.WORKER_MAX_CONCURRENCY ? { maxConcurrency: env.WORKER_MAX_CONCURRENCY } : {}),
    ...(env.WORKER_POLLERS ? { pollers: env.WORKER_POLLERS } : {}),
    ...(env.WORKER_DISCOVERY_INTERVAL_MS ? { discoveryIntervalMs: env.WORKER_DISCOVERY_INTERVAL_MS } : {}),
    ...(env.WORKER_SHUTDOWN_GRACE_MS ? { shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS } : {}),
    ...(env.WORKER_VISIBILITY_SECONDS ? { visibilitySeconds: env.WORKER_VISIBILITY_SECONDS } : {}),
    ...(env.POWERTOOLS_LOG_LEVEL ? { logLevel: env.POWERTOOLS_LOG_LEVEL } : {}),
    ...(env.SANDBOX_MODE ? { sandboxMode: env.SANDBOX_MODE } : {}),
    ...(env.SANDBOX_UID_NETWORK === 'accept' ? { sandboxUidSharesNetwork: true } : {}),
  });

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`story-processor: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.error(`story-processor: ${signal}, handing running jobs over and exiting`);
    worker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('story-processor: stop failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  console.error('story-processor: failed to start', error);
  process.exit(1);
});
