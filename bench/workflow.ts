import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { pathToFileURL } from 'node:url';
import { ScriptedWorker } from '../test/helpers/scripted-worker.ts';
import { AMELIA, startTestRuntime } from '../test/helpers/local-runtime.ts';
import { median, ms, percentile, printTable, speedRatio, type BenchRow } from './lib/stats.ts';

/** Seed figure on AWS: email → execution start, 2–3 s (S3 event, Lambda cold or warm, StartExecution). */
const AWS_EMAIL_TO_START_MS = 2_500;

/**
 * Email stored in S3 → job picked up by a worker, one email at a time (no slot contention): S3 event,
 * intake, ParseEmail, ClaimJob (queues exist after the first), QueueJob, the pickup answer and RunJob
 * parking the run token on the lease.
 */
export async function benchWorkflow(emails = 100): Promise<BenchRow[]> {
  // One sender sends them all: the admission limits (20 per sender an hour by default) would hold the rest.
  const runtime = await startTestRuntime({
    projects: [
      { ...AMELIA, settings: { ...AMELIA.settings, rateLimits: { perSender: 1000, perProject: 1000 } } },
    ],
  });
  const worker = new ScriptedWorker(runtime.clients, runtime.config);
  const latencies: number[] = [];
  try {
    for (let index = 0; index <= emails; index++) {
      const started = performance.now();
      const email = await runtime.putEmail({ subject: `bench ${index}` });
      let job = await worker.nextJob('amelia', 'scott', 5);
      while (!job) job = await worker.nextJob('amelia', 'scott', 5);
      const elapsed = performance.now() - started;
      if (index > 0) latencies.push(elapsed); // the first also creates the project's queues
      await worker.succeed(job);
      for (;;) {
        const { status } = await runtime.clients.sfn.send(
          new DescribeExecutionCommand({ executionArn: runtime.executionArnOf(email.jobId) }),
        );
        if (status !== 'RUNNING') break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  } finally {
    await runtime.dispose();
  }
  const name = 'email in S3 → job picked up';
  return [
    { benchmark: name, metric: 'emails', value: String(latencies.length) },
    {
      benchmark: name,
      metric: 'median',
      value: ms(median(latencies)),
      anchor: 'AWS seed: email → execution start 2–3 s; target ≤ 30 ms',
      ratio: speedRatio(median(latencies), AWS_EMAIL_TO_START_MS),
    },
    {
      benchmark: name,
      metric: 'p95',
      value: ms(percentile(latencies, 95)),
      anchor: 'target ≤ 60 ms',
      ratio: speedRatio(percentile(latencies, 95), 60),
    },
    { benchmark: name, metric: 'max', value: ms(Math.max(...latencies)) },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchWorkflow(Number(process.argv[2] ?? 100)));
}
