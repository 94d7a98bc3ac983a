import { pathToFileURL } from 'node:url';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { executionHistory } from '#local/execution-history.ts';
import { startLocalWorker } from '#local/local-worker.ts';
import { startTestRuntime, type TestRuntime } from '../test/helpers/local-runtime.ts';
import { waitFor } from '../test/helpers/wait.ts';
import { AMELIA_UNLIMITED } from './lib/projects.ts';
import { median, ms, percentile, printTable, speedRatio, type BenchRow } from './lib/stats.ts';

const history = (runtime: TestRuntime, jobId: string): Promise<HistoryEvent[]> =>
  executionHistory(runtime.clients.sfn, runtime.executionArnOf(jobId));

/** When the state with this name was left (its TaskSucceeded/TaskFailed answer), in ms. */
const answeredAt = (events: HistoryEvent[], state: string): number | undefined => {
  let current = '';
  for (const event of events) {
    current = event.stateEnteredEventDetails?.name ?? current;
    if (current === state && (event.type === 'TaskSucceeded' || event.type === 'TaskFailed')) {
      return event.timestamp?.getTime();
    }
  }
  return undefined;
};

/** When the state with this name handed its message on (TaskSubmitted: the job is on the queue). */
const submittedAt = (events: HistoryEvent[], state: string): number | undefined => {
  let current = '';
  for (const event of events) {
    current = event.stateEnteredEventDetails?.name ?? current;
    if (current === state && event.type === 'TaskSubmitted') return event.timestamp?.getTime();
  }
  return undefined;
};

/** Before the wake-up, WaitForLease retried Slot.Busy with backoff: 1–4 s from release to claim. */
const BACKOFF_HANDOVER_MS = 2_500;

/**
 * Interrupt latency on the local runtime with the real worker: from the moment the reply's
 * execution has sent the interrupt (SendInterrupt answered) to the moment the running job's
 * RunJob state got its Job.Interrupted callback (on the run token). The job is mid-story in a slow model call.
 */
export async function benchInterrupt(runs = 20): Promise<BenchRow[]> {
  const runtime = await startTestRuntime({ projects: [AMELIA_UNLIMITED] });
  const worker = await startLocalWorker(runtime, runtime.dataDir, {
    pollWaitSeconds: 1,
    interruptWaitSeconds: 20,
    discoveryIntervalMs: 500,
    logLevel: 'ERROR',
  });
  const latencies: number[] = [];
  const handovers: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const first = await runtime.putEmail({
        subject: `long ${run}`,
        text: '1. Slow story [offline:slow=30000]',
      });
      const taken = await waitFor(
        `a worker to start job ${first.jobId}`,
        async () => {
          const record = await runtime.jobRecord('amelia', first.jobId);
          const outcome = String(record?.outcome ?? 'received');
          if (record?.workerId || !['received', 'queued'].includes(outcome)) return { record, outcome };
          return undefined;
        },
        { timeoutMs: 60_000, intervalMs: 20 },
      );
      if (!taken.record?.workerId)
        throw new Error(`job ${first.jobId} ended ${taken.outcome} before a worker took it`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const reply = await runtime.putEmail({
        subject: `re ${run}`,
        inReplyTo: first.messageId,
        text: '1. Quick',
      });
      await runtime.executionEnded(first.jobId, 60_000);
      await runtime.executionEnded(reply.jobId, 60_000);
      const sent = answeredAt(await history(runtime, reply.jobId), 'SendInterrupt');
      const stopped = answeredAt(await history(runtime, first.jobId), 'RunJob');
      if (sent !== undefined && stopped !== undefined) latencies.push(stopped - sent);
      // The slot hand-over: the interrupted job's release → the reply's job on the queue.
      const released = answeredAt(await history(runtime, first.jobId), 'ReleaseInterruptedJob');
      const queued = submittedAt(await history(runtime, reply.jobId), 'QueueJob');
      if (released !== undefined && queued !== undefined) handovers.push(queued - released);
    }
  } finally {
    await worker.stop();
    await runtime.dispose();
  }
  const name = 'interrupt → Job.Interrupted callback (local runtime, real worker)';
  return [
    { benchmark: name, metric: 'runs', value: String(latencies.length) },
    { benchmark: name, metric: 'median', value: ms(median(latencies)) },
    { benchmark: name, metric: 'p95', value: ms(percentile(latencies, 95)) },
    {
      benchmark: 'slot hand-over: release → next job queued',
      metric: 'median',
      value: ms(median(handovers)),
      anchor: 'Slot.Busy backoff before: 1–4 s; target ≤ 100 ms',
      ratio: speedRatio(median(handovers), BACKOFF_HANDOVER_MS),
    },
    {
      benchmark: 'slot hand-over: release → next job queued',
      metric: 'p95',
      value: ms(percentile(handovers, 95)),
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchInterrupt(Number(process.argv[2] ?? 20)));
}
