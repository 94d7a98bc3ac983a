import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBareRepository, seedRepository } from '#local/forge/seed-repository.ts';
import {
  repositoryHistory,
  startRepositoryWorld,
  type RepositoryWorld,
} from '../../helpers/repository-fixture.ts';
import type { GitWorkspace } from '../../../containers/story-processor/src/ports.ts';
import type { GitRunner } from '../../../containers/story-processor/src/workspace/git-cli.ts';

/**
 * What a later job of a thread finds when it opens its workspace on the same disk: the remote is the
 * checkpoint, whatever the cache and the worktree still hold from the job before.
 */

const run = promisify(execFile);
const PATH_ENV = process.env.PATH ?? '/usr/bin:/bin';
let world: RepositoryWorld;

beforeAll(async () => {
  world = await startRepositoryWorld(repositoryHistory(20));
});
afterAll(async () => {
  await world?.stop();
  if (world) await rm(world.root, { recursive: true, force: true });
});

/** A worker's workspaces over a data folder of its own; `wrapGit` sees every git call they make. */
async function workspaces(wrapGit?: (git: GitRunner) => GitRunner) {
  const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
  return world.workerParts(dataDir, { attempts: 2, ...(wrapGit ? { wrapGit } : {}) }).workspaces;
}

const headOf = async (workspace: GitWorkspace): Promise<string> =>
  (await run('git', ['-C', workspace.dir, 'rev-parse', 'HEAD'])).stdout.trim();

const present = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

async function pushStory(workspace: GitWorkspace, file: string): Promise<string> {
  await writeFile(path.join(workspace.dir, file), `${file}\n`);
  await workspace.commit({ subject: `Story: ${file}`, body: '', trailers: [['Intake-Story', '1']] });
  const pushed = await workspace.publish?.();
  if (!pushed) throw new Error('nothing was pushed');
  return pushed;
}

describe('the workspace of a later job of a thread', () => {
  it('takes in commits someone else pushed to the thread branch between the jobs', async () => {
    const provider = await workspaces();
    const thread = 't00000000000000000000e001';
    const first = await provider.open('demo', thread, world.settings());
    await pushStory(first, 'story-1.md');
    await writeFile(path.join(first.dir, 'left-behind.txt'), 'an untracked file of the first job\n');
    await seedRepository(world.forge.gitDir('acme', 'widgets'), [
      { message: 'A colleague edits NOTES.md', files: { 'NOTES.md': 'a note\n' } },
    ]);
    await seedRepository(
      world.forge.gitDir('acme', 'widgets'),
      [{ message: 'A colleague adds to the thread', files: { 'COLLEAGUE.md': 'theirs\n' } }],
      { branch: `intake/${thread}` },
    );
    const theirs = (await world.remoteGit(['rev-parse', `refs/heads/intake/${thread}`])).trim();

    const later = await provider.open('demo', thread, world.settings());
    expect(later.dir).toBe(first.dir);
    expect(await headOf(later)).toBe(theirs);
    expect(await readFile(path.join(later.dir, 'COLLEAGUE.md'), 'utf8')).toBe('theirs\n');
    expect(await readFile(path.join(later.dir, 'story-1.md'), 'utf8')).toBe('story-1.md\n');
    // The branch is the thread's, not the base's newer tip.
    expect(await present(path.join(later.dir, 'NOTES.md'))).toBe(false);
    // Checked out anew and cleaned: nothing of the earlier job's worktree survives.
    expect(await present(path.join(later.dir, 'left-behind.txt'))).toBe(false);
    // Its next story goes on top of their commit.
    const pushed = await pushStory(later, 'story-2.md');
    expect((await world.remoteGit(['rev-parse', `${pushed}^`])).trim()).toBe(theirs);
  });

  it('keeps the worktree as it is when the thread branch did not move, even though the base did', async () => {
    const provider = await workspaces();
    const thread = 't00000000000000000000e002';
    const first = await provider.open('demo', thread, world.settings());
    const pushed = await pushStory(first, 'story-1.md');
    await writeFile(path.join(first.dir, 'left-behind.txt'), 'an untracked file of the first job\n');
    await seedRepository(world.forge.gitDir('acme', 'widgets'), [
      { message: 'The base moves on', files: { 'BASE.md': 'newer base\n' } },
    ]);

    const later = await provider.open('demo', thread, world.settings());
    expect(await headOf(later)).toBe(pushed);
    expect(later.remote?.baseBranch).toBe('main');
    // No checkout and no clean ran: the pipeline's own reset deals with what was left.
    expect(await present(path.join(later.dir, 'left-behind.txt'))).toBe(true);
    expect(await present(path.join(later.dir, 'BASE.md'))).toBe(false);
  });

  it('makes a worktree anew when its registration in the cache is damaged', async () => {
    const provider = await workspaces();
    const thread = 't00000000000000000000e003';
    const first = await provider.open('demo', thread, world.settings());
    const pushed = await pushStory(first, 'story-1.md');
    const link = await readFile(path.join(first.dir, '.git'), 'utf8');
    const admin = /^gitdir: (.+)$/m.exec(link)?.[1] ?? '';
    expect(admin).toContain(`${path.sep}worktrees${path.sep}`);
    await writeFile(path.join(admin, 'HEAD'), 'not a ref\n');

    const later = await provider.open('demo', thread, world.settings());
    expect(await headOf(later)).toBe(pushed);
    expect(await readFile(path.join(later.dir, 'story-1.md'), 'utf8')).toBe('story-1.md\n');
    const branch = (await run('git', ['-C', later.dir, 'symbolic-ref', 'HEAD'])).stdout.trim();
    expect(branch).toBe(`refs/heads/intake/${thread}`);
  });
});

describe('the base branch of a new thread', () => {
  beforeAll(async () => {
    await world.forge.createRepository('acme', 'trunked', repositoryHistory(3, 1));
    await seedRepository(
      world.forge.gitDir('acme', 'trunked'),
      [{ message: 'Work on trunk', files: { 'TRUNK.md': 'trunk\n' } }],
      { branch: 'trunk' },
    );
    await world.remoteGit(['symbolic-ref', 'HEAD', 'refs/heads/trunk'], 'trunked');
  });

  it('is the branch the remote HEAD names when the project configures none', async () => {
    const provider = await workspaces();
    const workspace = await provider.open('demo', 't00000000000000000000f001', world.settings('trunked'));
    expect(workspace.remote?.baseBranch).toBe('trunk');
    expect(await headOf(workspace)).toBe((await world.remoteGit(['rev-parse', 'trunk'], 'trunked')).trim());
    expect(await readFile(path.join(workspace.dir, 'TRUNK.md'), 'utf8')).toBe('trunk\n');
  });

  it('is the configured default branch when there is one', async () => {
    const provider = await workspaces();
    const settings = { ...world.settings('trunked'), defaultBranch: 'main' };
    const workspace = await provider.open('demo', 't00000000000000000000f002', settings);
    expect(workspace.remote?.baseBranch).toBe('main');
    expect(await headOf(workspace)).toBe((await world.remoteGit(['rev-parse', 'main'], 'trunked')).trim());
    expect(await present(path.join(workspace.dir, 'TRUNK.md'))).toBe(false);
  });
});

describe('the fetch of the listed tip', () => {
  it('falls back to the branch by name when the server refuses the id because the branch moved on (protocol v0)', async () => {
    const bare = path.join(await mkdtemp(path.join(world.root, 'v0-')), 'repo.git');
    await createBareRepository(bare, PATH_ENV);
    await seedRepository(bare, repositoryHistory(3, 1), { pathEnv: PATH_ENV });
    let listedTip: string | undefined;
    // Protocol v0 takes wants only of the tips it advertises; the branch moves right after the listing.
    const provider = await workspaces((git) => async (args, cwd, env) => {
      const out = await git(['-c', 'protocol.version=0', ...args], cwd, env);
      if (args.includes('ls-remote') && !listedTip) {
        listedTip = /^([0-9a-f]{40})\tHEAD$/m.exec(out)?.[1];
        await seedRepository(bare, [{ message: 'Moved on', files: { 'MOVED.md': 'moved\n' } }], {
          pathEnv: PATH_ENV,
        });
      }
      return out;
    });
    const workspace = await provider.open('demo', 't00000000000000000000a001', {
      url: pathToFileURL(bare).href,
      pullRequests: { provider: 'none' },
    });
    expect(listedTip).toMatch(/^[0-9a-f]{40}$/);
    expect(await headOf(workspace)).toBe(listedTip);
    expect(await present(path.join(workspace.dir, 'MOVED.md'))).toBe(false);
  });
});
