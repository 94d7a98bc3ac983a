import { join } from 'node:path';
import {
  startWorker,
  type StartWorkerOptions,
  type WorkerHandle,
} from '../containers/story-processor/src/start-worker.ts';
import { noMetrics } from '../containers/story-processor/src/adapters/powertools-metrics.ts';
import type { LocalRuntime } from './runtime.ts';

/** The story-processing worker in this process, talking to the local runtime through the AWS SDK. */
export function startLocalWorker(
  runtime: Pick<LocalRuntime, 'config' | 'clients'>,
  dataDir: string,
  options: Partial<StartWorkerOptions> = {},
): Promise<WorkerHandle> {
  return startWorker({
    queuePrefix: runtime.config.queuePrefix,
    tables: { jobs: runtime.config.jobsTable, activeJobs: runtime.config.activeJobsTable },
    aws: {
      sqs: runtime.clients.sqs,
      sfn: runtime.clients.sfn,
      documents: runtime.clients.documents,
      s3: runtime.clients.s3,
      ses: runtime.clients.ses,
    },
    workspaceRoot: join(dataDir, 'workspaces'),
    ...options,
    // No CloudWatch locally: metrics would only be printed.
    overrides: { metrics: noMetrics, ...options.overrides },
  });
}
