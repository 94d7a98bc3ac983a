import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepositoryCredentialReader } from '../../../containers/story-processor/src/adapters/repository-credentials.ts';
import { systemWorkerClock } from '../../../containers/story-processor/src/clock.ts';
import { OfflineModelProvider } from '../../../containers/story-processor/src/models/offline-provider.ts';
import { runStoryPipeline } from '../../../containers/story-processor/src/pipeline/story-pipeline.ts';
import { JobControl } from '../../../containers/story-processor/src/job/job-control.ts';
import type { ModelProvider } from '../../../containers/story-processor/src/ports.ts';
import { DEFAULT_SANDBOX_POLICY } from '../../../containers/story-processor/src/sandbox/sandbox-policy.ts';
import { createSandboxedCommandRunner } from '../../../containers/story-processor/src/sandbox/sandboxed-runner.ts';
import { createWorkerWorkspaces } from '../../../containers/story-processor/src/worker-workspaces.ts';
import { createGitRunner } from '../../../containers/story-processor/src/workspace/git-cli.ts';
import {
  repositoryHistory,
  startRepositoryWorld,
  TOKEN_VARIABLE,
  type RepositoryWorld,
} from '../../helpers/repository-fixture.ts';
import { testWorkspaces } from '../../helpers/worker-workspaces.ts';
import { createHarness, makeJob, THREE_STORIES } from '../../unit/worker/fakes.ts';

/**
 * Every project's cache and thread worktrees live on the task-local root (on Fargate the durable root
 * is an EFS access point, which refuses the chown that lends a worktree to the uid sandbox); a project
 * without a repository has its bare repository on the durable root and is pushed to like a remote.
 */

const run = promisify(execFile);
const PATH_ENV = process.env.PATH ?? '/usr/bin:/bin';
const asRoot = process.getuid?.() === 0;
let world: RepositoryWorld;

beforeAll(async () => {
  world = await startRepositoryWorld(repositoryHistory(20));
});
afterAll(async () => {
  await world?.stop();
});

/** A durable and a task-local root, passable (not listable) by lent uids, as startWorker leaves them. */
async function roots() {
  const base = await mkdtemp(path.join(world.root, 'roots-'));
  const durable = path.join(base, 'durable');
  const taskLocal = path.join(base, 'task-local');
  for (const dir of [durable, taskLocal]) await mkdir(dir);
  // Every folder above passable too, so that only the modes under test keep a lent uid out.
  for (const dir of [world.root, base, durable, taskLocal]) await chmod(dir, 0o711);
  return { durable, taskLocal };
}

const gitFor = (home: string, globalConfig?: string) =>
  createGitRunner({
    pathEnv: PATH_ENV,
    home,
    authorName: 'intake',
    authorEmail: 'intake@localhost',
    timeoutMs: 60_000,
    ...(globalConfig ? { globalConfig } : {}),
  });

async function workerWorkspaces() {
  const { durable, taskLocal } = await roots();
  const home = path.join(durable, '.home');
  await mkdir(home);
  const git = gitFor(home);
  const workspaces = createWorkerWorkspaces({
    root: durable,
    remoteRoot: taskLocal,
    home,
    git,
    credentials: new RepositoryCredentialReader({ environment: { [TOKEN_VARIABLE]: world.token } }),
    clock: systemWorkerClock,
    log: world.log,
  });
  return { durable, taskLocal, workspaces, git };
}

/** git as a person would run it on the bare repository. */
const bareGit = async (repo: string, args: string[]): Promise<string> =>
  (await run('git', [`--git-dir=${repo}`, ...args])).stdout;

const storyTrailers = async (repo: string, branch: string): Promise<string[]> =>
  (
    await bareGit(repo, [
      'log',
      '--reverse',
      '--format=%(trailers:key=Intake-Story,valueonly,separator=)',
      branch,
    ])
  )
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

describe('the worker workspace roots', () => {
  it('keep every clone under the task-local root; a project without a repository pushes to its bare repository', async () => {
    const { durable, taskLocal, workspaces } = await workerWorkspaces();
    const remote = await workspaces.open('acme', 't0000000000000000000000a1', world.settings());
    const own = await workspaces.open('solo', 't0000000000000000000000a2');
    expect(remote.dir.startsWith(`${taskLocal}${path.sep}`)).toBe(true);
    expect(remote.remote?.baseBranch).toBe('main');
    expect(await readFile(path.join(remote.dir, 'README.md'), 'utf8')).toBe('# widgets\n');

    expect(own.dir.startsWith(`${taskLocal}${path.sep}`)).toBe(true);
    expect(own.remote).toBeUndefined(); // replies keep saying the project has no repository
    const bare = path.join(durable, 'solo', 'repo.git');
    expect((await stat(bare)).mode & 0o777).toBe(0o700);
    await writeFile(path.join(own.dir, 'notes.md'), 'first\n');
    await own.commit({ subject: 'Story 1/1: Notes', body: '', trailers: [['Intake-Story', '1']] });
    expect(own.publish).toBeDefined();
    const pushed = await own.publish?.();
    expect((await bareGit(bare, ['rev-parse', 'intake/t0000000000000000000000a2'])).trim()).toBe(pushed);
    expect(await bareGit(bare, ['show', 'intake/t0000000000000000000000a2:notes.md'])).toBe('first\n');
  });

  it('retire a thread worktree an earlier version left beside the bare repository, keeping its commits', async () => {
    const { durable, workspaces } = await workerWorkspaces();
    const thread = 't0000000000000000000000c1';
    const bare = path.join(durable, 'legacy', 'repo.git');
    const oldDir = path.join(durable, 'legacy', 'threads', thread);
    // The earlier layout: the thread's branch checked out in a worktree of the bare repository.
    await run('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    const author = ['-c', 'user.name=old', '-c', 'user.email=old@localhost'];
    const empty = (await bareGit(bare, ['hash-object', '-w', '-t', 'tree', '/dev/null'])).trim();
    const main = (
      await bareGit(bare, [...author, 'commit-tree', empty, '-m', 'Workspace created by intake'])
    ).trim();
    await bareGit(bare, ['update-ref', 'refs/heads/main', main]);
    await bareGit(bare, ['worktree', 'add', '-q', '-b', `intake/${thread}`, oldDir, 'main']);
    await writeFile(path.join(oldDir, 'old.md'), 'committed by the old worker\n');
    await run('git', ['add', '-A'], { cwd: oldDir });
    await run('git', [...author, 'commit', '-q', '-m', 'Story 1/2: Old', '-m', 'Intake-Story: 1'], {
      cwd: oldDir,
    });
    await writeFile(path.join(oldDir, 'uncommitted.md'), 'dropped, as a resumed story drops it\n');

    const workspace = await workspaces.open('legacy', thread);
    expect(await readFile(path.join(workspace.dir, 'old.md'), 'utf8')).toBe('committed by the old worker\n');
    await writeFile(path.join(workspace.dir, 'new.md'), 'story 2\n');
    await workspace.commit({ subject: 'Story 2/2: New', body: '', trailers: [['Intake-Story', '2']] });
    await workspace.publish?.();

    expect(await storyTrailers(bare, `intake/${thread}`)).toEqual(['1', '2']);
    await expect(stat(oldDir)).rejects.toThrow('ENOENT');
    expect(await bareGit(bare, ['worktree', 'list', '--porcelain'])).not.toContain(oldDir);
  });

  it('never read a .git that a validation command put in the worktree (its config could run code as the worker)', async () => {
    const { durable, workspaces } = await workerWorkspaces();
    const thread = 't0000000000000000000000d1';
    const workspace = await workspaces.open('hostile', thread);
    const marker = path.join(durable, 'ran-as-worker');
    // What a check could leave behind: the link replaced by a repository whose config runs a program.
    const fake = path.join(workspace.dir, '.git');
    await run('rm', ['-f', fake]);
    await run('git', ['init', '-q', '--bare', fake]);
    await bareGit(fake, ['config', 'core.bare', 'false']);
    await bareGit(fake, ['config', 'core.fsmonitor', path.join(workspace.dir, 'run.sh')]);
    await writeFile(path.join(workspace.dir, 'run.sh'), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    await writeFile(path.join(workspace.dir, 'story.md'), 'story\n');

    await workspace.commit({ subject: 'Story 1/1: Story', body: '', trailers: [['Intake-Story', '1']] });
    await expect(stat(marker)).rejects.toThrow('ENOENT');
    await workspace.publish?.();
    const bare = path.join(durable, 'hostile', 'repo.git');
    expect(await bareGit(bare, ['show', `intake/${thread}:story.md`])).toBe('story\n');
    // The next job puts the link back.
    const again = await workspaces.open('hostile', thread);
    expect(await readFile(path.join(again.dir, '.git'), 'utf8')).toMatch(/^gitdir: .*worktrees/);
    await expect(stat(marker)).rejects.toThrow('ENOENT');
  });

  it.runIf(asRoot)(
    'let the uid sandbox lend a task-local worktree to a validation command and take it back',
    async () => {
      const { taskLocal, workspaces } = await workerWorkspaces();
      const remote = await workspaces.open('acme', 't0000000000000000000000b1', world.settings());
      const owner = await stat(remote.dir);
      const runner = createSandboxedCommandRunner({
        defaultMode: 'uid',
        pathEnv: PATH_ENV,
        maxOutputBytes: 16 * 1024,
        log: world.log,
        uidModeSharesNetwork: true,
      });
      const urlHash = createHash('sha256').update(world.settings().url).digest('hex').slice(0, 12);
      const cache = path.join(taskLocal, 'acme', `cache-${urlHash}.git`);
      expect((await stat(cache)).isDirectory()).toBe(true);
      const result = await runner.run({
        command: `echo built > built.txt && id -u && ls src | wc -l && { ls ${cache} 2>&1 || true; }`,
        cwd: remote.dir,
        timeoutMs: 20_000,
        signal: new AbortController().signal,
        policy: { ...DEFAULT_SANDBOX_POLICY, mode: 'uid' },
      });
      expect(result.exitCode).toBe(0);
      const [uid, files, cacheListing] = result.output.trim().split('\n');
      expect(Number(uid)).toBeGreaterThanOrEqual(10_100);
      expect(Number(files)).toBeGreaterThan(0);
      // Another job's check must not read the project's history from the cache.
      expect(cacheListing).toContain('Permission denied');
      expect(await readFile(path.join(remote.dir, 'built.txt'), 'utf8')).toBe('built\n');
      const after = await stat(path.join(remote.dir, 'built.txt'));
      expect([after.uid, (await stat(remote.dir)).uid]).toEqual([owner.uid, owner.uid]);
    },
  );

  it.runIf(asRoot)(
    'run a remote-less project’s checks under a lent uid in a task-local worktree; a second worker resumes from the bare repository',
    async () => {
      const { durable, taskLocal } = await roots();
      const bare = path.join(durable, 'solo', 'repo.git');
      // What each check reports: its uid and folder, and whether it can reach the bare repository.
      const probe = [
        'id -u',
        'pwd',
        `ls ${bare} 2>&1 || true`,
        `touch ${bare}/planted 2>&1 || true`,
        `cat ${bare}/HEAD 2>&1 || true`,
      ].join('; ');
      const job = makeJob({
        projectId: 'solo',
        settings: { validationCommands: [{ name: 'probe', command: probe, timeoutSeconds: 20 }] },
      });
      const offline = new OfflineModelProvider();
      const dyingAtStory3: ModelProvider = {
        name: 'dies-at-story-3',
        plan: (request) => offline.plan(request),
        async edit(request) {
          if (request.storyIndex === 2) throw new Error('simulated SIGKILL');
          return offline.edit(request);
        },
      };
      const uidSandbox = () =>
        createSandboxedCommandRunner({
          defaultMode: 'uid',
          pathEnv: PATH_ENV,
          maxOutputBytes: 16 * 1024,
          log: world.log,
          uidModeSharesNetwork: true,
        });
      /** A worker with its own task-local folder and git config, on the shared durable root. */
      const worker = async (local: string, model: ModelProvider) => {
        await mkdir(local, { recursive: true });
        await chmod(local, 0o711);
        const config = path.join(await mkdtemp(path.join(world.root, 'git-config-')), 'config');
        const git = gitFor(durable, config);
        return createHarness({
          model,
          commands: uidSandbox(),
          workspaces: testWorkspaces({ root: durable, taskLocal: local, git, safeDirectoryConfig: config }),
        });
      };

      const first = await worker(path.join(taskLocal, 'a'), dyingAtStory3);
      first.enqueue(job, THREE_STORIES);
      await expect(runStoryPipeline(job, new JobControl(), first.deps, undefined)).rejects.toThrow(
        'simulated SIGKILL',
      );
      expect(await storyTrailers(bare, `intake/${job.threadId}`)).toEqual(['1', '2']);

      // As on EFS, where every file belongs to the access point's uid and not to the worker: git
      // refuses such a repository unless trusted. And its hooks must never run.
      await writeFile(path.join(bare, 'hooks', 'pre-receive'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      await run('chown', ['-R', '10001:10001', bare]);
      const second = await worker(path.join(taskLocal, 'b'), offline);
      const result = await second.run(job, THREE_STORIES);
      expect(result.kind).toBe('succeeded');
      await run('chown', ['-R', '0:0', bare]);

      expect(await storyTrailers(bare, `intake/${job.threadId}`)).toEqual(['1', '2', '3']);
      const stories = second.records.get(job.projectId, job.jobId)?.progress?.stories ?? [];
      expect(stories.map((story) => Boolean(story.resumed))).toEqual([true, true, false]);
      const checks = [
        ...(first.records.get(job.projectId, job.jobId)?.progress?.stories ?? []).slice(0, 2),
        stories[2],
      ].map((story) => story?.validation.at(-1)?.output ?? '');
      expect(checks).toHaveLength(3);
      checks.forEach((output, index) => {
        const [uid, cwd] = output.split('\n');
        expect(Number(uid)).toBeGreaterThanOrEqual(10_100);
        const local = path.join(taskLocal, index < 2 ? 'a' : 'b');
        expect(cwd?.startsWith(`${local}${path.sep}`)).toBe(true);
        expect(output.match(/Permission denied/g)).toHaveLength(3);
      });
      await expect(stat(path.join(bare, 'planted'))).rejects.toThrow('ENOENT');
      const owner = await stat(bare);
      expect(owner.mode & 0o777).toBe(0o700);
    },
  );
});
