import { chmod, mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositoryCredentials } from '../../../containers/story-processor/src/adapters/repository-credentials.ts';
import { systemClock } from '../../../containers/story-processor/src/clock.ts';
import { DEFAULT_SANDBOX_POLICY } from '../../../containers/story-processor/src/sandbox/sandbox-policy.ts';
import { createSandboxedCommandRunner } from '../../../containers/story-processor/src/sandbox/sandboxed-runner.ts';
import { createWorkerWorkspaces } from '../../../containers/story-processor/src/worker-workspaces.ts';
import { createGitRunner } from '../../../containers/story-processor/src/workspace/git-cli.ts';
import {
  repositoryHistory,
  startRepositoryWorld,
  TOKEN_VARIABLE,
  type RepositoryWorld,
} from '#test/repository-fixture';

/**
 * On Fargate the durable root is an EFS access point (no chown) and projects with a repository live on
 * task-local storage instead, where the uid sandbox can lend their worktrees.
 */

const PATH_ENV = process.env.PATH ?? '/usr/bin:/bin';
let world: RepositoryWorld;

beforeAll(async () => {
  world = await startRepositoryWorld(repositoryHistory(20));
});
afterAll(async () => {
  await world?.stop();
});

async function workerWorkspaces() {
  const durable = await mkdtemp(path.join(world.root, 'durable-'));
  const taskLocal = await mkdtemp(path.join(world.root, 'task-local-'));
  const home = path.join(durable, '.home');
  await mkdir(home);
  const git = createGitRunner({
    pathEnv: PATH_ENV,
    home,
    authorName: 'intake',
    authorEmail: 'intake@localhost',
    timeoutMs: 60_000,
  });
  const workspaces = createWorkerWorkspaces({
    root: durable,
    remoteRoot: taskLocal,
    home,
    git,
    credentials: createRepositoryCredentials({ environment: { [TOKEN_VARIABLE]: world.token } }),
    clock: systemClock,
    log: world.log,
  });
  return { durable, taskLocal, workspaces };
}

describe('the worker workspace roots', () => {
  it('keep a project with a repository under the task-local root and one without under the durable root', async () => {
    const { durable, taskLocal, workspaces } = await workerWorkspaces();
    const remote = await workspaces.open('acme', 't0000000000000000000000a1', world.settings());
    const local = await workspaces.open('solo', 't0000000000000000000000a2');
    expect(remote.dir.startsWith(`${taskLocal}${path.sep}`)).toBe(true);
    expect(remote.remote?.baseBranch).toBe('main');
    expect(await readFile(path.join(remote.dir, 'README.md'), 'utf8')).toBe('# widgets\n');
    expect(local.dir.startsWith(`${durable}${path.sep}`)).toBe(true);
    expect(local.remote).toBeUndefined();
  });

  it.runIf(process.getuid?.() === 0)(
    'let the uid sandbox lend a task-local worktree to a validation command and take it back',
    async () => {
      const { taskLocal, workspaces } = await workerWorkspaces();
      // As the worker does at start: lent uids may pass through the root, not list it.
      await chmod(taskLocal, 0o711);
      const remote = await workspaces.open('acme', 't0000000000000000000000b1', world.settings());
      const owner = await stat(remote.dir);
      const runner = createSandboxedCommandRunner({
        defaultMode: 'uid',
        pathEnv: PATH_ENV,
        maxOutputBytes: 16 * 1024,
        log: world.log,
        uidModeSharesNetwork: true,
      });
      const result = await runner.run({
        command: 'echo built > built.txt && id -u && ls src | wc -l',
        cwd: remote.dir,
        timeoutMs: 20_000,
        signal: new AbortController().signal,
        policy: { ...DEFAULT_SANDBOX_POLICY, mode: 'uid' },
      });
      expect(result.exitCode).toBe(0);
      const [uid] = result.output.trim().split('\n');
      expect(Number(uid)).toBeGreaterThanOrEqual(10_100);
      expect(await readFile(path.join(remote.dir, 'built.txt'), 'utf8')).toBe('built\n');
      const after = await stat(path.join(remote.dir, 'built.txt'));
      expect([after.uid, (await stat(remote.dir)).uid]).toEqual([owner.uid, owner.uid]);
    },
  );
});
