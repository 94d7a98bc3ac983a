import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ProjectInput } from '#domain/project-config';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '#local/runtime';
import { executionNameFor } from '#workflow/start-email-execution';
import { rawEmail, type TestEmail } from './emails.ts';

export const AMELIA: ProjectInput = {
  id: 'amelia',
  users: ['scott'],
  allowedSenders: ['scott@example.com'],
  settings: { heartbeatSeconds: 5, leaseSeconds: 20, jobTimeoutSeconds: 120 },
};

export interface TestRuntime extends LocalRuntime {
  dataDir: string;
  /** Stores an email under emails/ as SES would; returns its execution (job) name. */
  putEmail(email?: TestEmail, key?: string): Promise<{ jobId: string; messageId: string; key: string }>;
  executionArnOf(jobId: string): string;
  dispose(): Promise<void>;
}

/** A local runtime on free ports in a fresh data folder, without SMTP unless asked. */
export async function startTestRuntime(
  options: Partial<LocalRuntimeOptions> & { projects?: ProjectInput[] } = {},
): Promise<TestRuntime> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'intake-test-')));
  const runtime = await startLocalRuntime({
    edgePort: 0,
    smtpPort: null,
    log: () => undefined,
    ...options,
    dataDir,
    seedProjects: options.projects ?? [AMELIA],
  });
  let counter = 0;
  return {
    ...runtime,
    dataDir,
    async putEmail(email, key) {
      const { raw, messageId } = rawEmail(email);
      const objectKey = key ?? `emails/test-${Date.now()}-${counter++}`;
      await runtime.clients.s3.send(
        new PutObjectCommand({ Bucket: runtime.config.mailBucket, Key: objectKey, Body: raw }),
      );
      return { jobId: executionNameFor(messageId), messageId, key: objectKey };
    },
    executionArnOf(jobId) {
      return runtime.config.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${jobId}`;
    },
    async dispose() {
      await runtime.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
