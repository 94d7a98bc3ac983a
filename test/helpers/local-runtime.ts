import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ProjectInput } from '#domain/project-config.ts';
import { newLocalCredentials } from '#local/edge/local-credentials.ts';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '#local/runtime.ts';
import { executionNameOf } from '#workflow/start-email-execution.ts';
import { rawEmail, type TestEmail } from './emails.ts';
import { makeTempDir, removeTempDir } from './temp-dirs.ts';
import { waitFor } from './wait.ts';

export const AMELIA: ProjectInput = {
  id: 'amelia',
  users: ['scott'],
  allowedSenders: ['scott@example.com'],
  settings: { heartbeatSeconds: 5, leaseSeconds: 20, jobTimeoutSeconds: 120 },
};

/**
 * One key pair for every runtime this process starts: the Lambda handlers run in process and, as on
 * Lambda, keep their SDK clients (and the credentials those resolved) for the life of the process.
 */
export const PROCESS_CREDENTIALS = newLocalCredentials();

export interface TestRuntime extends LocalRuntime {
  dataDir: string;
  /** Stores an email under emails/ as SES would; returns its execution (job) name. */
  putEmail(email?: TestEmail, key?: string): Promise<{ jobId: string; messageId: string; key: string }>;
  executionArnOf(jobId: string): string;
  describeExecution(jobId: string): Promise<DescribeExecutionCommandOutput>;
  /** Waits until the execution is no longer RUNNING and returns it. */
  executionEnded(jobId: string, timeoutMs?: number): Promise<DescribeExecutionCommandOutput>;
  /** The jobs-table item of a job, unmarshalled. */
  jobRecord(projectId: string, jobId: string): Promise<Record<string, unknown> | undefined>;
  /** The lease of a `project#user` (consistent read). */
  lease(leaseId: string): Promise<Record<string, unknown> | undefined>;
  dispose(): Promise<void>;
}

/** A local runtime on free ports in a fresh data folder, without SMTP unless asked. */
export async function startTestRuntime(
  options: Partial<LocalRuntimeOptions> & { projects?: ProjectInput[] } = {},
): Promise<TestRuntime> {
  const dataDir = options.dataDir ?? (await makeTempDir('intake-test-'));
  const removeOwnDataDir = async () => {
    if (!options.dataDir) await removeTempDir(dataDir);
  };
  const runtime = await startLocalRuntime({
    edgePort: 0,
    smtpPort: null,
    log: () => undefined,
    credentials: PROCESS_CREDENTIALS,
    ...options,
    dataDir,
    seedProjects: options.projects ?? [AMELIA],
  }).catch(async (error: unknown) => {
    await removeOwnDataDir();
    throw error;
  });
  let counter = 0;
  const executionArnOf = (jobId: string) =>
    `${runtime.config.stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobId}`;
  const describeExecution = (jobId: string) =>
    runtime.clients.sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(jobId) }));
  return {
    ...runtime,
    dataDir,
    async putEmail(email, key) {
      const { raw, messageId } = rawEmail(email);
      const objectKey = key ?? `emails/test-${Date.now()}-${counter++}`;
      await runtime.clients.s3.send(
        new PutObjectCommand({ Bucket: runtime.config.mailBucket, Key: objectKey, Body: raw }),
      );
      return { jobId: executionNameOf(new TextEncoder().encode(raw)), messageId, key: objectKey };
    },
    executionArnOf,
    describeExecution,
    executionEnded: (jobId, timeoutMs = 30_000) =>
      waitFor(
        `execution ${jobId} to end`,
        async () => {
          const execution = await describeExecution(jobId);
          return execution.status === 'RUNNING' ? undefined : execution;
        },
        { timeoutMs, intervalMs: 200 },
      ),
    async jobRecord(projectId, jobId) {
      const { Item } = await runtime.clients.dynamodb.send(
        new GetItemCommand({
          TableName: runtime.config.jobsTable,
          Key: { pk: { S: projectId }, sk: { S: jobId } },
        }),
      );
      return Item ? unmarshall(Item) : undefined;
    },
    async lease(leaseId) {
      const { Item } = await runtime.clients.dynamodb.send(
        new GetItemCommand({
          TableName: runtime.config.activeJobsTable,
          Key: { pk: { S: leaseId } },
          ConsistentRead: true,
        }),
      );
      return Item ? unmarshall(Item) : undefined;
    },
    async dispose() {
      await runtime.stop();
      await removeOwnDataDir();
    },
  };
}
