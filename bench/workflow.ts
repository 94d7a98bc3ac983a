import { pathToFileURL } from 'node:url';
import { ScriptedWorker, type ReceivedJob } from '../test/helpers/scripted-worker.ts';
import { startTestRuntime, type TestRuntime } from '../test/helpers/local-runtime.ts';
import { waitFor } from '../test/helpers/wait.ts';
import { AMELIA_UNLIMITED } from './lib/projects.ts';
import { median, ms, percentile, printTable, speedRatio, type BenchRow } from './lib/stats.ts';

/** Seed figure on AWS: email → execution start, 2–3 s (S3 event, Lambda cold or warm, StartExecution). */
const AWS_EMAIL_TO_START_MS = 2_500;

/**
 * Email stored in S3 → job on its queue → job picked up, one email at a time (no slot contention), with
 * a worker's long poll already waiting as on a running system: the S3 event, intake, ParseEmail,
 * ClaimJob (the queues exist after the first email) and QueueJob's send; then the worker's pickup
 * answer. The clock starts when the S3 put has returned (the email is stored).
 */
export async function benchWorkflow(emails = 100): Promise<BenchRow[]> {
  const runtime = await startTestRuntime({ projects: [AMELIA_UNLIMITED] });
  const worker = new ScriptedWorker(runtime.clients, runtime.config);
  const onQueue: number[] = [];
  const pickedUp: number[] = [];
  try {
    await runtime.putEmail({ subject: 'bench: creates the queues' });
    let job = await worker.nextJob('amelia', 'scott', 5);
    while (!job) job = await worker.nextJob('amelia', 'scott', 5);
    await finish(runtime, worker, job);
    const queueUrl = job.queueUrl;
    for (let index = 0; index < emails; index++) {
      let receivedAt = 0;
      const waiting = (async () => {
        let queued = await worker.receiveJob(queueUrl, 5);
        while (!queued) queued = await worker.receiveJob(queueUrl, 5);
        receivedAt = performance.now();
        return queued;
      })();
      await runtime.putEmail({ subject: `bench ${index}` });
      const storedAt = performance.now();
      const queued = await waiting;
      await worker.acknowledgePickup(queued);
      pickedUp.push(performance.now() - storedAt);
      onQueue.push(receivedAt - storedAt);
      await finish(runtime, worker, await worker.withRunToken(queued));
    }
  } finally {
    await runtime.dispose();
  }
  const stored = 'email stored in S3 →';
  return [
    { benchmark: `${stored} job on its queue`, metric: 'emails', value: String(onQueue.length) },
    {
      benchmark: `${stored} job on its queue`,
      metric: 'median',
      value: ms(median(onQueue)),
      anchor: 'AWS seed: email → execution start 2–3 s; target ≤ 30 ms',
      ratio: `${speedRatio(median(onQueue), AWS_EMAIL_TO_START_MS)}; ${(median(onQueue) / 30).toFixed(1)}× the target`,
    },
    {
      benchmark: `${stored} job on its queue`,
      metric: 'p95',
      value: ms(percentile(onQueue, 95)),
      anchor: 'target ≤ 60 ms',
      ratio: `${(percentile(onQueue, 95) / 60).toFixed(1)}× the target`,
    },
    { benchmark: `${stored} job picked up`, metric: 'median', value: ms(median(pickedUp)) },
    { benchmark: `${stored} job picked up`, metric: 'p95', value: ms(percentile(pickedUp, 95)) },
  ];
}

/** Ends the job's execution and waits until it is no longer running. */
async function finish(runtime: TestRuntime, worker: ScriptedWorker, job: ReceivedJob): Promise<void> {
  await worker.succeed(job);
  const { jobId } = job.message.job;
  await waitFor(
    `execution ${jobId} to end`,
    async () => ((await runtime.describeExecution(jobId)).status === 'RUNNING' ? undefined : true),
    { intervalMs: 5 },
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchWorkflow(Number(process.argv[2] ?? 100)));
}
