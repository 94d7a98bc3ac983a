/**
 * Repository benchmarks, over git's smart HTTP protocol on loopback (the local forge):
 * - per-story overhead with the push and the pull-request update (offline model, no validation);
 * - first clone of a 5,000-file repository against the warm fetch of a later job;
 * - email → acknowledgement reply in the outbox, through the whole local system.
 * Run alone: `npx tsx bench/repository.ts`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { startLocalSystem } from '../test/helpers/local-system.ts';
import { removeTempDir } from '../test/helpers/temp-dirs.ts';
import { seedRepository } from '#local/forge/index.ts';
import { listOutbox } from '#local/outbox/outbox.ts';
import {
  repositoryHistory,
  startRepositoryWorld,
  type RepositoryWorld,
} from '../test/helpers/repository-fixture.ts';
import { createHarness, makeJob } from '../test/unit/worker/fakes.ts';
import { median, ms, percentile, type BenchRow } from './lib/stats.ts';

const run = promisify(execFile);
const STORIES = 10;
const STORY_TARGET_MS = 150;
const WARM_TARGET_RATIO = 0.1;

const loadAverage = (): string =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ');

/**
 * The floor on this machine, now: `git commit` and `git push` of one small file to a bare repository
 * on the local disk (no HTTP, no credentials), two git processes per story.
 */
async function localPushFloor(root: string, samples: number): Promise<number[]> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@localhost',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@localhost',
  };
  const git = (args: string[], cwd: string) =>
    run('git', ['-c', 'maintenance.auto=false', ...args], { cwd, env });
  const bare = path.join(root, 'floor.git');
  const work = path.join(root, 'floor');
  await git(['init', '-q', '--bare', '-b', 'main', bare], root);
  await git(['clone', '-q', bare, work], root);
  const times: number[] = [];
  for (let story = 0; story <= samples; story += 1) {
    await writeFile(path.join(work, `story-${story}.md`), `story ${story}\n`);
    await git(['add', '-A'], work);
    const started = performance.now();
    await git(['commit', '-q', '-m', `Story ${story}`], work);
    await git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], work);
    if (story > 0) times.push(performance.now() - started);
  }
  return times;
}

export async function storyOverhead(): Promise<BenchRow[]> {
  const world = await startRepositoryWorld(repositoryHistory(500));
  try {
    // The git part of a story alone: write a file, commit with trailers, push to the loopback remote.
    const direct = await mkdtemp(path.join(world.root, 'worker-'));
    const workspace = await world.workerParts(direct).workspaces.open('demo', 'tbench', world.settings());
    const commitAndPush: number[] = [];
    for (let story = 1; story <= 30; story += 1) {
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
    const floor = await localPushFloor(await mkdtemp(path.join(world.root, 'floor-')), 30);

    // A project without a repository: the same code path, pushing to its own bare repository (file://).
    const ownParts = world.workerParts(await mkdtemp(path.join(world.root, 'worker-')));
    const own = await ownParts.workspaces.open('solo', 'tbench');
    const ownCommitAndPush: number[] = [];
    for (let story = 1; story <= 30; story += 1) {
      await writeFile(path.join(own.dir, `story-${story}.md`), `story ${story}\n`);
      const started = performance.now();
      await own.commit({ subject: `Story ${story}`, body: '', trailers: [['Intake-Story', String(story)]] });
      await own.publish?.();
      ownCommitAndPush.push(performance.now() - started);
    }
    const ownReopen: number[] = [];
    for (let job = 0; job < 10; job += 1) {
      const started = performance.now();
      await ownParts.workspaces.open('solo', 'tbench');
      ownReopen.push(performance.now() - started);
    }

    const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
    const harness = await createHarness({ ...world.workerParts(dataDir), log: world.log });
    const spec = Array.from({ length: STORIES }, (_, i) => `- Story number ${i + 1}`).join('\n');
    const perStory: number[] = [];
    const perJobStory: number[] = [];
    try {
      for (let run = 0; run < 3; run += 1) {
        const job = makeJob({ userId: `u${run}`, settings: { repository: world.settings() } });
        const started = performance.now();
        const result = await harness.run(job, spec);
        if (result.kind !== 'succeeded') throw new Error(`job ${result.kind}`);
        perJobStory.push((performance.now() - started) / STORIES);
        for (const story of harness.records.get(job.projectId, job.jobId)?.progress?.stories ?? [])
          perStory.push(story.durationMs ?? 0);
      }
    } finally {
      await removeTempDir(harness.root);
    }
    const ours = median(commitAndPush);
    return [
      {
        benchmark: 'repository story',
        metric: 'commit + push over smart HTTP with a token, median (p95)',
        value: `${ms(ours)} (${ms(percentile(commitAndPush, 95))}), n=${commitAndPush.length}, load ${loadAverage()}`,
        anchor: `target ≤ ${STORY_TARGET_MS} ms`,
        ratio: `${(ours / STORY_TARGET_MS).toFixed(2)}× the target`,
      },
      {
        benchmark: 'repository story',
        metric: 'floor: git commit + git push to a bare repository on disk, median',
        value: `${ms(median(floor))}, n=${floor.length}`,
        anchor: 'ours, above',
        ratio: `ours is ${(ours / median(floor)).toFixed(1)}× the floor`,
      },
      {
        benchmark: 'repository story',
        metric: 'no repository: commit + push to its own bare repository (file://), median (p95)',
        value: `${ms(median(ownCommitAndPush))} (${ms(percentile(ownCommitAndPush, 95))}), n=${ownCommitAndPush.length}`,
        anchor: 'floor, above',
        ratio: `${(median(ownCommitAndPush) / median(floor)).toFixed(1)}× the floor`,
      },
      {
        benchmark: 'repository story',
        metric: 'no repository: open of a later job of the thread (ls-remote, worktree reused), median',
        value: `${ms(median(ownReopen))}, n=${ownReopen.length}`,
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
  }
}

interface OpenCost {
  requests: number;
  processes: number;
}

/**
 * HTTP requests the forge served (as git's own trace records them) and git processes run, per open:
 * the first job, a later job of the same thread, a new thread after the base moved. A pass of its
 * own, never timed: the trace writes a file for every request.
 */
async function costPerOpen(world: RepositoryWorld): Promise<Record<'cold' | 'warm' | 'newThread', OpenCost>> {
  const dataDir = await mkdtemp(path.join(world.root, 'traced-'));
  const trace = path.join(dataDir, 'curl-trace');
  let processes = 0;
  const { workspaces } = world.workerParts(dataDir, {
    wrapGit: (git) => (args, cwd, env) => {
      processes += 1;
      return git(args, cwd, { ...env, GIT_TRACE_CURL: trace, GIT_TRACE_CURL_NO_DATA: '1' });
    },
  });
  const cost = async (open: () => Promise<unknown>): Promise<OpenCost> => {
    processes = 0;
    await rm(trace, { force: true });
    await open();
    const lines = (await readFile(trace, 'utf8').catch(() => '')).split('\n');
    return { requests: lines.filter((line) => /=> Send header: (GET|POST) /.test(line)).length, processes };
  };
  let first: Awaited<ReturnType<typeof workspaces.open>> | undefined;
  const cold = await cost(async () => (first = await workspaces.open('demo', 'ttraced', world.settings())));
  if (!first) throw new Error('the traced first open returned no workspace');
  await writeFile(path.join(first.dir, 'story.md'), 'story\n');
  await first.commit({ subject: 'Story 1', body: '', trailers: [['Intake-Story', '1']] });
  await first.publish?.();
  await seedRepository(world.forge.gitDir('acme', 'widgets'), [
    { message: 'Later change (traced)', files: { 'later-traced.md': 'later (traced)\n' } },
  ]);
  const warm = await cost(() => workspaces.open('demo', 'ttraced', world.settings()));
  const newThread = await cost(() => workspaces.open('demo', 'ttracednew', world.settings()));
  return { cold, warm, newThread };
}

const costText = ({ requests, processes }: OpenCost): string =>
  `${requests} HTTP requests, ${processes} git processes`;

export async function coldAndWarm(): Promise<BenchRow[]> {
  const world = await startRepositoryWorld(repositoryHistory(5_000, 20));
  const cold: number[] = [];
  const warm: number[] = [];
  const newThread: number[] = [];
  const remoteAlone: number[] = [];
  let costs: Awaited<ReturnType<typeof costPerOpen>> | undefined;
  try {
    for (let run = 0; run < 3; run += 1) {
      const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
      // Keeps the later job's own `ls-remote` call (arguments, folder, credentials) to run it alone after.
      let lsRemote: (() => Promise<string>) | undefined;
      const { workspaces } = world.workerParts(dataDir, {
        wrapGit: (git) => (args, cwd, env) => {
          if (args.includes('ls-remote')) lsRemote = () => git(args, cwd, env);
          return git(args, cwd, env);
        },
      });
      let started = performance.now();
      const first = await workspaces.open('demo', `tcold${run}`, world.settings());
      cold.push(performance.now() - started);
      // The first job pushes a story; then someone moves the default branch on.
      await writeFile(path.join(first.dir, 'story.md'), 'story\n');
      await first.commit({ subject: 'Story 1', body: '', trailers: [['Intake-Story', '1']] });
      await first.publish?.();
      await seedRepository(world.forge.gitDir('acme', 'widgets'), [
        { message: `Later change ${run}`, files: { [`later-${run}.md`]: 'later\n' } },
      ]);
      // A reply: the later job of the same thread, on the same disk.
      started = performance.now();
      await workspaces.open('demo', `tcold${run}`, world.settings());
      warm.push(performance.now() - started);
      if (lsRemote) {
        started = performance.now();
        await lsRemote();
        remoteAlone.push(performance.now() - started);
      }
      started = performance.now();
      await workspaces.open('demo', `tnew${run}`, world.settings());
      newThread.push(performance.now() - started);
    }
    costs = await costPerOpen(world);
  } finally {
    await world.stop();
  }
  const coldMedian = median(cold);
  const ratio = (value: number) => `${((value / coldMedian) * 100).toFixed(1)}% of cold`;
  return [
    {
      benchmark: 'repository 5,000 files',
      metric: 'first job: partial clone + worktree, median',
      value: `${ms(coldMedian)}, load ${loadAverage()}`,
    },
    {
      benchmark: 'repository 5,000 files',
      metric: 'later job, same thread (a reply): ls-remote, fetch if moved, reuse the worktree, median',
      value: ms(median(warm)),
      anchor: `target ≤ ${WARM_TARGET_RATIO * 100}% of cold`,
      ratio: ratio(median(warm)),
    },
    {
      benchmark: 'repository 5,000 files',
      metric: "floor: that later job's own ls-remote (asking the forge), run alone right after, median",
      value: ms(median(remoteAlone)),
      anchor: 'later job, above',
      ratio: `the later job is ${(median(warm) / median(remoteAlone)).toFixed(2)}× its floor`,
    },
    {
      benchmark: 'repository 5,000 files',
      metric: 'later job, new thread: fetch of the moved base + a new worktree (5,000 files written), median',
      value: ms(median(newThread)),
      anchor: 'cold, above',
      ratio: ratio(median(newThread)),
    },
    ...(costs
      ? [
          {
            benchmark: 'repository 5,000 files',
            metric: 'cost of an open: first job / later job, same thread / new thread (traced pass, untimed)',
            value: [costs.cold, costs.warm, costs.newThread].map(costText).join(' / '),
          },
        ]
      : []),
  ];
}

async function acknowledgement(emails = 8): Promise<BenchRow[]> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'intake-ack-'));
  const system = await startLocalSystem(dataDir, { worker: true, maxConcurrency: 2 });

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
