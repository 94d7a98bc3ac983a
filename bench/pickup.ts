import { pathToFileURL } from 'node:url';
import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import type { ProjectInput } from '#domain/project-config.ts';
import { startLocalWorker } from '#local/local-worker.ts';
import { startTestRuntime } from '../test/helpers/local-runtime.ts';
import { median, ms, percentile, printTable, speedRatio, type BenchRow } from './lib/stats.ts';

const TARGET_MS = 1_000;
/** The worker's ListQueues interval on AWS: without a notice, a new queue waits up to this long. */
const AWS_DISCOVERY_INTERVAL_MS = 30_000;

/** QueueJob's message sent (TaskSubmitted) → the worker's pickup answer (TaskSucceeded). */
function queuedToPicked(events: readonly HistoryEvent[]): number | undefined {
  const submitted = events.find(
    (event) => event.type === 'TaskSubmitted' && event.taskSubmittedEventDetails?.resourceType === 'sqs',
  );
  const picked = events.find(
    (event) => event.type === 'TaskSucceeded' && event.taskSucceededEventDetails?.resourceType === 'sqs',
  );
  if (!submitted?.timestamp || !picked?.timestamp) return undefined;
  return picked.timestamp.getTime() - submitted.timestamp.getTime();
}

/**
 * The first job of a new project-user: its queues are created by ClaimJob while the worker runs, and
 * the worker learns of the new input queue from ClaimJob's notice; its ListQueues runs once an hour
 * here, so it plays no part. Measured from the job message sent to the worker's pickup answer.
 */
export async function benchPickup(projectUsers = 20): Promise<BenchRow[]> {
  const projects: ProjectInput[] = Array.from({ length: projectUsers }, (_, index) => ({
    id: `new${index}`,
    users: ['ann'],
    allowedSenders: ['scott@example.com'],
  }));
  const runtime = await startTestRuntime({ projects });
  const worker = await startLocalWorker(runtime, runtime.dataDir, {
    pollWaitSeconds: 1,
    discoveryIntervalMs: 3_600_000,
    logLevel: 'ERROR',
  });
  const latencies: number[] = [];
  try {
    for (const project of projects) {
      const email = await runtime.putEmail({ to: `${project.id}.ann@intake.localhost`, subject: 'First' });
      await runtime.executionEnded(email.jobId, 60_000);
      const { events = [] } = await runtime.clients.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: runtime.executionArnOf(email.jobId),
          maxResults: 1000,
        }),
      );
      const latency = queuedToPicked(events);
      if (latency !== undefined) latencies.push(latency);
    }
  } finally {
    await worker.stop();
    await runtime.dispose();
  }
  const name = 'first job of a new project-user: queued → picked';
  return [
    { benchmark: name, metric: 'project-users', value: `${latencies.length} / ${projectUsers}` },
    {
      benchmark: name,
      metric: 'median',
      value: ms(median(latencies)),
      anchor: `target ≤ 1 s; without the notice up to the ListQueues interval (${AWS_DISCOVERY_INTERVAL_MS / 1000} s on AWS)`,
      ratio: speedRatio(median(latencies), TARGET_MS),
    },
    {
      benchmark: name,
      metric: 'p95',
      value: ms(percentile(latencies, 95)),
      ratio: speedRatio(percentile(latencies, 95), TARGET_MS),
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchPickup(Number(process.argv[2] ?? 20)));
}
