/**
 * Worker benchmarks: orchestration overhead per story with the offline model (real git, real
 * files, in-memory queue/lease/records), and interrupt-to-callback latency.
 * Run alone: `npx tsx bench/worker.ts`.
 */
import { pathToFileURL } from 'node:url';
import { JobControl } from '../containers/story-processor/src/job/job-control.ts';
import { median, ms, percentile, type BenchRow } from './lib/stats.ts';
import { removeTempDir } from '../test/helpers/temp-dirs.ts';
import { createHarness, makeJob } from '../test/unit/worker/fakes.ts';

const STORIES_PER_JOB = 10;
const JOBS = 3;
const INTERRUPT_RUNS = 20;

const row = (name: string, values: number[]): Record<string, string | number> => ({
  measure: name,
  n: values.length,
  'median ms': Number(percentile(values, 50).toFixed(1)),
  'p95 ms': Number(percentile(values, 95).toFixed(1)),
  'max ms': Number(Math.max(...values).toFixed(1)),
});

async function storyOverhead(validation: boolean): Promise<{ perStory: number[]; perJob: number[] }> {
  const h = await createHarness();
  const spec = Array.from({ length: STORIES_PER_JOB }, (_, i) => `- Story number ${i + 1}`).join('\n');
  const perStory: number[] = [];
  const perJob: number[] = [];
  try {
    for (let run = 0; run < JOBS; run += 1) {
      const job = makeJob({
        userId: `u${run}`,
        settings: validation
          ? { validationCommands: [{ name: 'true', command: 'true', timeoutSeconds: 10 }] }
          : {},
      });
      const started = performance.now();
      const result = await h.run(job, spec);
      if (result.kind !== 'succeeded') throw new Error(`job ${result.kind}`);
      perJob.push((performance.now() - started) / STORIES_PER_JOB);
      for (const story of h.records.get(job.projectId, job.jobId)?.progress?.stories ?? [])
        perStory.push(story.durationMs ?? 0);
    }
  } finally {
    await removeTempDir(h.root);
  }
  return { perStory, perJob };
}

async function interruptLatency(): Promise<number[]> {
  const latencies: number[] = [];
  for (let run = 0; run < INTERRUPT_RUNS; run += 1) {
    const h = await createHarness();
    const job = makeJob();
    const running = h.run(job, '- A long story [offline:slow=60000]\n- Next', { control: new JobControl() });
    await new Promise((resolve) => setTimeout(resolve, 80));
    const sentAt = Date.now();
    h.queue.send(job.interruptQueueUrl, {
      version: 1,
      kind: 'interrupt',
      targetJobId: job.jobId,
      byJobId: 'newer',
      reason: 'bench',
    });
    const result = await running.finally(() => removeTempDir(h.root));
    if (result.kind !== 'interrupted') throw new Error(`expected interrupted, got ${result.kind}`);
    const callbackAt = h.callbacks.calls[0]?.at ?? Date.now();
    latencies.push(callbackAt - sentAt);
  }
  return latencies;
}

/** Rows for `npm run bench`: the same figures as the stand-alone table. */
export async function benchWorker(): Promise<BenchRow[]> {
  const plain = await storyOverhead(false);
  const validated = await storyOverhead(true);
  const interrupts = await interruptLatency();
  const rows = (metric: string, samples: number[]): BenchRow[] => [
    { benchmark: 'worker (offline model)', metric: `${metric} median`, value: ms(median(samples)) },
    { benchmark: 'worker (offline model)', metric: `${metric} p95`, value: ms(percentile(samples, 95)) },
  ];
  return [
    ...rows('orchestration per story', plain.perStory),
    ...rows('per story with one validation', validated.perStory),
    ...rows('interrupt sent → SendTaskFailure', interrupts),
  ];
}

async function main(): Promise<void> {
  const plain = await storyOverhead(false);
  const validated = await storyOverhead(true);
  const interrupts = await interruptLatency();
  console.log(
    `\nstory-processor worker benchmark (offline model, ${JOBS} jobs × ${STORIES_PER_JOB} stories)\n`,
  );
  console.table([
    row('story, no validation (generate+commit+checkpoint)', plain.perStory),
    row('story incl. one validation command (`true`)', validated.perStory),
    row('job wall time / story, no validation', plain.perJob),
    row('interrupt sent → SendTaskFailure', interrupts),
  ]);
  console.log(
    'In-memory queue, lease and records; real git and file system. Real SQS/SFN add their round trips.',
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
