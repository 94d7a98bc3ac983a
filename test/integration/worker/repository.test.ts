import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '#contracts/messages.ts';
import { REPO_ROOT } from '../../helpers/cli-process.ts';
import {
  closedPort,
  repositoryHistory,
  startRepositoryWorld,
  TOKEN_VARIABLE,
  type RepositoryWorld,
} from '../../helpers/repository-fixture.ts';
import { makeProcessTmpdir } from '../../helpers/temp-dirs.ts';
import { OfflineModelProvider } from '../../../containers/story-processor/src/models/offline-provider.ts';
import type { EditRequest, ModelProvider } from '../../../containers/story-processor/src/ports.ts';
import { createHarness, makeJob, THREE_STORIES, type Harness } from '../../unit/worker/fakes.ts';

const run = promisify(execFile);
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const WORKER_PROCESS = fileURLToPath(new URL('../../helpers/repository-worker-process.ts', import.meta.url));
const STORY_TRAILER = /Intake-Story: (\d+)/;

/** The offline model, with a hook that runs before a story's first edit returns. */
class HookedModel implements ModelProvider {
  readonly name = 'offline-hooked';
  private readonly inner = new OfflineModelProvider();
  constructor(private readonly beforeStory: (request: EditRequest) => Promise<void>) {}
  plan: ModelProvider['plan'] = (request) => this.inner.plan(request);
  async edit(request: EditRequest) {
    const result = await this.inner.edit(request);
    await this.beforeStory(request);
    return result;
  }
}

async function harnessFor(world: RepositoryWorld, overrides: Parameters<typeof createHarness>[0] = {}) {
  const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
  const parts = world.workerParts(dataDir);
  const harness = await createHarness({ ...parts, log: world.log, ...overrides });
  return { harness, dataDir };
}

const storyCommits = async (world: RepositoryWorld, branch: string) => {
  const out = await world.remoteGit(['log', '--reverse', branch, '--format=%H%x1f%s%x1f%(trailers)%x1e']);
  return out
    .split('\x1e')
    .map((record) => record.trim())
    .filter(Boolean)
    .map((record) => {
      const [sha = '', subject = '', trailers = ''] = record.split('\x1f');
      return { sha, subject, story: STORY_TRAILER.exec(trailers)?.[1], trailers };
    });
};

const repliesOf = (harness: Harness): string[] => harness.mailer.sent.map((mail) => mail.raw);

describe('projects with a real repository (git smart HTTP on loopback)', () => {
  let world: RepositoryWorld;
  beforeAll(async () => {
    world = await startRepositoryWorld(repositoryHistory(1_200));
  });
  afterAll(async () => world.stop());

  let first: { harness: Harness; job: Job };

  it('clones a repository with history and 1,200 files, pushes each story, opens one draft pull request and marks it ready', async () => {
    const { harness } = await harnessFor(world);
    const job = makeJob({ settings: { repository: world.settings() } });
    const pushedBeforeStory: number[] = [];
    harness.deps.model = new HookedModel(async (request) => {
      if (request.purpose === 'generate')
        pushedBeforeStory.push(
          (await storyCommits(world, `intake/${job.threadId}`).catch(() => [])).filter((c) => c.story).length,
        );
    });
    const result = await harness.run(job, THREE_STORIES);
    expect(result.kind).toBe('succeeded');
    first = { harness, job };

    // Each story was on the remote before the next one began.
    expect(pushedBeforeStory).toEqual([0, 1, 2]);
    const commits = await storyCommits(world, `intake/${job.threadId}`);
    expect(commits.map((c) => c.subject).slice(0, 3)).toEqual(['Initial import', 'Change 1', 'Change 2']);
    expect(commits.filter((c) => c.story).map((c) => c.story)).toEqual(['1', '2', '3']);
    const tree = await world.remoteGit(['ls-tree', '-r', '--name-only', `intake/${job.threadId}`]);
    expect(tree.split('\n').filter((line) => line.startsWith('src/'))).toHaveLength(1_200);

    const pulls = await world.forge.pulls.list('acme/widgets');
    expect(pulls).toHaveLength(1);
    const [pull] = pulls;
    expect(pull?.head).toBe(`intake/${job.threadId}`);
    expect(pull?.base).toBe('main');
    expect(pull?.draft).toBe(false);
    expect(pull?.title).toBe(job.subject);
    expect(pull?.revisions).toBeGreaterThanOrEqual(3);
    for (const commit of commits.filter((c) => c.story))
      expect(pull?.body).toContain(commit.sha.slice(0, 12));
    expect(pull?.body).toContain('- [x] 3. Document both in the README');
    expect(pull?.body).toContain('> 1. Add a greeting module');

    const [ack, final] = repliesOf(harness);
    expect(ack).toContain('Got it: 3 stories planned');
    expect(ack).toContain(`Branch: intake/${job.threadId} on ${world.forge.gitUrl('acme', 'widgets')}`);
    expect(ack).toContain('Reply to this email to change course');
    expect(final).toContain(`Pull request: ${world.forge.url}/acme/widgets/pull/1`);
    for (const commit of commits.filter((c) => c.story)) expect(final).toContain(commit.sha.slice(0, 12));
    expect(final).toContain('no validation commands');
    expect(harness.records.get(job.projectId, job.jobId)?.delivery).toEqual({
      branch: `intake/${job.threadId}`,
      repositoryUrl: world.forge.gitUrl('acme', 'widgets'),
      pullRequest: { number: 1, url: `${world.forge.url}/acme/widgets/pull/1` },
    });
  });

  it('continues the same branch and pull request when a reply starts the next job', async () => {
    const { harness, job } = first;
    const reply = makeJob({
      threadId: job.threadId,
      settings: { repository: world.settings() },
    });
    harness.leases.seed(`${reply.projectId}#${reply.userId}`, reply.jobId);
    const result = await harness.run(reply, '1. Add a changelog entry\n2. Add a licence note\n');
    expect(result.kind).toBe('succeeded');
    const commits = await storyCommits(world, `intake/${job.threadId}`);
    expect(commits.filter((c) => c.trailers.includes(`Intake-Job: ${job.jobId}`))).toHaveLength(3);
    expect(commits.filter((c) => c.trailers.includes(`Intake-Job: ${reply.jobId}`))).toHaveLength(2);
    expect(await world.forge.pulls.list('acme/widgets')).toHaveLength(1);
    expect(repliesOf(harness).at(-1)).toContain(`${world.forge.url}/acme/widgets/pull/1`);
  });

  it('a worker process killed with SIGKILL mid-job is resumed by a second worker on another data folder', async () => {
    const job = makeJob({ settings: { repository: world.settings() } });
    const first = await mkdtemp(path.join(world.root, 'worker-'));
    const child = spawn(
      TSX,
      [WORKER_PROCESS, JSON.stringify({ dataDir: first, job, instruction: THREE_STORIES, holdAtStory: 1 })],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, [TOKEN_VARIABLE]: world.token, TMPDIR: await makeProcessTmpdir() },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      // The worker has pushed story 1 and edited story 2 (not committed): kill its whole process group.
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', () => output.includes('holding at story 2') && resolve());
        child.once('exit', (code) =>
          reject(new Error(`the worker exited (${code}) before story 2:\n${output}`)),
        );
      });
    } finally {
      const exited = once(child, 'exit');
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    expect(child.signalCode).toBe('SIGKILL');
    const before = (await storyCommits(world, `intake/${job.threadId}`)).filter((c) => c.story);
    expect(before.map((c) => c.story)).toEqual(['1']);

    // Nothing of the first worker is shared: another data folder, fresh records, only the remote.
    const b = await harnessFor(world);
    expect(b.dataDir).not.toBe(first);
    const result = await b.harness.run(job, THREE_STORIES);
    expect(result.kind).toBe('succeeded');
    const after = (await storyCommits(world, `intake/${job.threadId}`)).filter((c) => c.story);
    expect(after.map((c) => c.story)).toEqual(['1', '2', '3']);
    expect(after[0]?.sha).toBe(before[0]?.sha);
    const stories = b.harness.records.get(job.projectId, job.jobId)?.progress?.stories ?? [];
    expect(stories.map((story) => story.resumed ?? false)).toEqual([true, false, false]);
    const pulls = (await world.forge.pulls.list('acme/widgets')).filter(
      (p) => p.head === `intake/${job.threadId}`,
    );
    expect(pulls).toHaveLength(1);
  }, 120_000);

  it('takes in a commit someone else pushed to the branch during the job, never force-pushing', async () => {
    const job = makeJob({ settings: { repository: world.settings() } });
    const { harness } = await harnessFor(world);
    const colleague = await mkdtemp(path.join(world.root, 'colleague-'));
    harness.deps.model = new HookedModel(async (request) => {
      if (request.storyIndex !== 1 || request.purpose !== 'generate') return;
      await pushAsColleague(world, colleague, `intake/${job.threadId}`, 'NOTES.md', 'a note\n');
    });
    const result = await harness.run(job, THREE_STORIES);
    expect(result.kind).toBe('succeeded');
    const commits = (await storyCommits(world, `intake/${job.threadId}`)).slice(3);
    expect(commits.map((c) => c.story ?? c.subject)).toEqual(['1', 'A colleague edits NOTES.md', '2', '3']);
  });

  it('stops with a clear reason when someone else pushed a conflicting commit, keeping their commit', async () => {
    const job = makeJob({ settings: { repository: world.settings() } });
    const { harness } = await harnessFor(world);
    const colleague = await mkdtemp(path.join(world.root, 'colleague-'));
    harness.deps.model = new HookedModel(async (request) => {
      if (request.storyIndex !== 1 || request.purpose !== 'generate') return;
      await pushAsColleague(world, colleague, `intake/${job.threadId}`, 'STORIES.md', 'their own list\n');
    });
    const result = await harness.run(job, THREE_STORIES);
    expect(result.kind).toBe('failed');
    const cause = harness.callbacks.calls[0]?.cause ?? '';
    expect(harness.callbacks.calls[0]?.error).toBe('Job.Failed');
    expect(cause).toContain('conflict with the story');
    expect(cause).toContain('nothing was force-pushed');
    expect(repliesOf(harness).at(-1)).toContain('nothing was force-pushed');
    const commits = (await storyCommits(world, `intake/${job.threadId}`)).slice(3);
    expect(commits.map((c) => c.story ?? c.subject)).toEqual(['1', 'A colleague edits STORIES.md']);
    const [pull] = (await world.forge.pulls.list('acme/widgets')).filter(
      (p) => p.head === `intake/${job.threadId}`,
    );
    expect(pull?.draft).toBe(true);
    expect(pull?.comments.at(-1)?.body).toContain('The job failed');
  });

  it.each([
    ['a bad token', { token: 'not-the-token-at-all' }, 'widgets', 'refused the credentials'],
    ['an unknown repository', {}, 'no-such-repo', 'was not found'],
  ])('fails the job on %s with a reason and a reply that say so', async (_name, options, repo, reason) => {
    const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
    const harness = await createHarness({ ...world.workerParts(dataDir, options), log: world.log });
    const job = makeJob({ settings: { repository: world.settings(repo) } });
    const result = await harness.run(job, THREE_STORIES);
    expect(result.kind).toBe('failed');
    expect(harness.callbacks.calls[0]?.cause).toContain(reason);
    expect(repliesOf(harness).at(-1)).toContain(reason);
  });

  it('retries an unreachable remote, then fails the job saying it could not be reached', async () => {
    const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
    const harness = await createHarness({ ...world.workerParts(dataDir, { attempts: 3 }), log: world.log });
    const port = await closedPort();
    const job = makeJob({
      settings: {
        repository: {
          url: `http://127.0.0.1:${port}/git/acme/widgets.git`,
          pullRequests: { provider: 'none' },
        },
      },
    });
    const retriesBefore = world.log.lines.filter((line) => line.includes('retrying')).length;
    const result = await harness.run(job, THREE_STORIES);
    expect(result.kind).toBe('failed');
    expect(world.log.lines.filter((line) => line.includes('retrying')).length - retriesBefore).toBe(2);
    expect(harness.callbacks.calls[0]?.cause).toContain('could not be reached');
    expect(repliesOf(harness).at(-1)).toContain('could not be reached');
  });

  it('never lets the token reach a log line, a record, a reply, a pull request or a git config', async () => {
    const haystacks: string[] = [...world.log.lines];
    const harness = first.harness;
    haystacks.push(JSON.stringify([...harness.records.items.entries()]), ...repliesOf(harness));
    haystacks.push(JSON.stringify(await world.forge.pulls.all()));
    const configs = await findFiles(world.root, (name) => name === 'config' || name.endsWith('.lock'));
    expect(configs.length).toBeGreaterThan(3);
    for (const file of configs) haystacks.push(await readFile(file, 'utf8'));
    const askpass = await findFiles(world.root, (name) => name === 'git-askpass');
    for (const file of askpass) haystacks.push(await readFile(file, 'utf8'));
    expect(haystacks.length).toBeGreaterThan(10);
    for (const text of haystacks) expect(text).not.toContain(world.token);
  });
});

async function pushAsColleague(
  world: RepositoryWorld,
  dir: string,
  branch: string,
  file: string,
  content: string,
): Promise<void> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Colleague',
    GIT_AUTHOR_EMAIL: 'colleague@example.com',
    GIT_COMMITTER_NAME: 'Colleague',
    GIT_COMMITTER_EMAIL: 'colleague@example.com',
  };
  // The colleague pushes straight to the forge's repository (no token needed on its disk).
  const remote = world.forge.gitDir('acme', 'widgets');
  await run('git', ['clone', '-q', '--branch', branch, remote, dir], { env });
  await writeFile(path.join(dir, file), content);
  await run('git', ['add', '-A'], { cwd: dir, env });
  await run('git', ['commit', '-q', '-m', `A colleague edits ${file}`], { cwd: dir, env });
  await run('git', ['push', '-q', 'origin', `HEAD:${branch}`], { cwd: dir, env });
}

async function findFiles(root: string, match: (name: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && match(entry.name)) found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}
