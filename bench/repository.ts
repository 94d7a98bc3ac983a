/**
 * Repository benchmarks, over git's smart HTTP protocol on loopback (the local forge):
 * - per-story overhead with the push and the pull-request update (offline model, no validation);
 * - first clone of a 5,000-file repository against the warm fetch of a later job;
 * - email → acknowledgement reply in the outbox, through the whole local system.
 * Run alone: `npx tsx bench/repository.ts`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import nodemailer from 'nodemailer';
import { startSystem } from '../local/cli/up.ts';
import { seedRepository } from '../local/forge/index.ts';
import { listOutbox } from '../local/outbox/outbox.ts';
import { repositoryHistory, startRepositoryWorld } from '../test/helpers/repository-fixture.ts';
import { createHarness, makeJob } from '../test/unit/worker/fakes.ts';
import { median, ms, percentile, type BenchRow } from './lib/stats.ts';

const STORIES = 10;

async function storyOverhead(): Promise<BenchRow[]> {
  const world = await startRepositoryWorld(repositoryHistory(500));
  try {
    // The git part of a story alone: write a file, commit with trailers, push to the loopback remote.
    const direct = await mkdtemp(path.join(world.root, 'worker-'));
    const workspace = await world.workerParts(direct).workspaces.open('demo', 'tbench', world.settings());
    const commitAndPush: number[] = [];
    for (let story = 1; story <= 20; story += 1) {
      await writeFile(path.join(workspace.dir, `story-${story}.md`), `story ${story}\n`);
      const started = performance.now();
      await workspace.commit({
        subject: `Story ${story}`,
        body: '',
        trailers: [['Intake-Story', String(story)]],
      });
      await workspace.publish?.();
      commitAndPush.push(performance.now() - started);
    }

    const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
    const harness = await createHarness({ ...world.workerParts(dataDir), log: world.log });
    const spec = Array.from({ length: STORIES }, (_, i) => `- Story number ${i + 1}`).join('\n');
    const perStory: number[] = [];
    const perJobStory: number[] = [];
    for (let run = 0; run < 3; run += 1) {
      const job = makeJob({ userId: `u${run}`, settings: { repository: world.settings() } });
      const started = performance.now();
      const result = await harness.run(job, spec);
      if (result.kind !== 'succeeded') throw new Error(`job ${result.kind}`);
      perJobStory.push((performance.now() - started) / STORIES);
      for (const story of harness.records.get(job.projectId, job.jobId)?.progress?.stories ?? [])
        perStory.push(story.durationMs ?? 0);
    }
    return [
      {
        benchmark: 'repository story',
        metric: 'commit + push to the loopback remote, median (p95)',
        value: `${ms(median(commitAndPush))} (${ms(percentile(commitAndPush, 95))}), n=${commitAndPush.length}, target ≤ 150 ms`,
      },
      {
        benchmark: 'repository story',
        metric: 'whole story (offline model, commit, push), median',
        value: `${ms(median(perStory))}, n=${perStory.length}`,
      },
      {
        benchmark: 'repository story',
        metric: 'job wall time per story incl. PR update',
        value: `${ms(median(perJobStory))} median of ${perJobStory.length} jobs`,
      },
    ];
  } finally {
    await world.stop();
    await rm(world.root, { recursive: true, force: true });
  }
}

async function coldAndWarm(): Promise<BenchRow[]> {
  const world = await startRepositoryWorld(repositoryHistory(5_000, 20));
  const cold: number[] = [];
  const warm: number[] = [];
  const sameThread: number[] = [];
  try {
    for (let run = 0; run < 3; run += 1) {
      const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
      const { workspaces } = world.workerParts(dataDir);
      let started = performance.now();
      await workspaces.open('demo', `tcold${run}`, world.settings());
      cold.push(performance.now() - started);
      // Someone moves the default branch on, then a later job opens its own thread.
      await seedRepository(world.forge.gitDir('acme', 'widgets'), [
        { message: `Later change ${run}`, files: { [`later-${run}.md`]: 'later\n' } },
      ]);
      started = performance.now();
      await workspaces.open('demo', `tcold${run}`, world.settings());
      sameThread.push(performance.now() - started);
      started = performance.now();
      await workspaces.open('demo', `twarm${run}`, world.settings());
      warm.push(performance.now() - started);
    }
  } finally {
    await world.stop();
    await rm(world.root, { recursive: true, force: true });
  }
  return [
    {
      benchmark: 'repository 5,000 files',
      metric: 'first job: partial clone + worktree, median',
      value: ms(median(cold)),
    },
    {
      benchmark: 'repository 5,000 files',
      metric: 'later job, same thread (a reply): fetch + reset, median',
      value: `${ms(median(sameThread))} (${((median(sameThread) / median(cold)) * 100).toFixed(0)}% of cold)`,
    },
    {
      benchmark: 'repository 5,000 files',
      metric: 'later job, new thread: fetch + new worktree, median',
      value: `${ms(median(warm))} (${((median(warm) / median(cold)) * 100).toFixed(0)}% of cold)`,
    },
  ];
}

async function acknowledgement(emails = 8): Promise<BenchRow[]> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'intake-ack-'));
  const system = await startSystem({
    dataDir,
    host: '127.0.0.1',
    edgePort: 0,
    smtpPort: 0,
    consolePort: 0,
    forgePort: 0,
    mailDomain: 'intake.localhost',
    relay: undefined,
    worker: true,
    maxConcurrency: 2,
    anthropicApiKey: undefined,
    log: () => undefined,
  });
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: system.runtime.smtpPort ?? 0,
    secure: false,
    ignoreTLS: true,
  });
  const latencies: number[] = [];
  try {
    for (let index = 0; index < emails; index += 1) {
      const messageId = `ack-${index}-${Date.now()}@example.com`;
      const sentAt = performance.now();
      await transport.sendMail({
        from: 'scott@example.com',
        to: 'amelia.scott@intake.localhost',
        subject: `Ack ${index}`,
        messageId: `<${messageId}>`,
        text: `1. Add note ${index}`,
      });
      // The acknowledgement is the first reply of the job; the final reply is the second.
      const ackAt = await repliesFor(dataDir, `Re: Ack ${index}`, 1);
      latencies.push(ackAt - sentAt);
      await repliesFor(dataDir, `Re: Ack ${index}`, 2);
    }
  } finally {
    transport.close();
    await system.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return [
    {
      benchmark: 'acknowledgement',
      metric: 'email (SMTP) → acknowledgement in the outbox, median (p95)',
      value: `${ms(median(latencies))} (${ms(percentile(latencies, 95))}), n=${latencies.length}, target ≤ 2 s`,
    },
  ];
}

/** Resolves when `count` replies with this subject are in the outbox (polled every 10 ms). */
async function repliesFor(dataDir: string, subject: string, count: number): Promise<number> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const entries = (await listOutbox(dataDir)).filter((entry) => entry.subject === subject);
    if (entries.length >= count) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for reply ${count} to "${subject}"`);
}

export async function benchRepository(): Promise<BenchRow[]> {
  return [...(await storyOverhead()), ...(await coldAndWarm()), ...(await acknowledgement())];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { printTable } = await import('./lib/stats.ts');
  printTable(await benchRepository());
}
