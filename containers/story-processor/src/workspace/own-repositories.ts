import { chmod, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ID_PATTERN } from '#contracts/identifiers.ts';
import type { RepositorySettings } from '#contracts/repository.ts';
import type { GitRunner } from './git-cli.ts';
import { branchForThread, exists } from './git-workspaces.ts';

export interface OwnRepositoryOptions {
  /** The durable workspace root (EFS on AWS): `<root>/<projectId>/repo.git`. */
  root: string;
  git: GitRunner;
  /**
   * The git runner's global config file (only the worker writes it). Each bare repository is added
   * to it as a `safe.directory`: on EFS every file belongs to the access point's uid, not to the
   * worker, and git refuses a repository of another owner unless a protected config trusts it
   * (git 2.39 ignores `-c safe.directory`). Without it, nothing is written.
   */
  safeDirectoryConfig?: string;
}

/**
 * The repository of a project that names none: a bare repository on the workspace root that the
 * worker creates and treats exactly like a remote (`file://`): fetched into a task-local cache,
 * pushed to after every story, the durable copy and the checkpoint. Its folder is 0700, so a lent
 * sandbox uid cannot read or write it where the file system honours modes (on EFS, whose access point
 * answers every uid as its own, the mount's parent folder must be root-only: see the README).
 */
export function createOwnRepositories(options: OwnRepositoryOptions) {
  const ready = new Map<string, Promise<RepositorySettings>>();

  const projectDirOf = (projectId: string): string => {
    if (!ID_PATTERN.test(projectId)) throw new Error(`not a project id: ${JSON.stringify(projectId)}`);
    return path.join(options.root, projectId);
  };

  async function ensure(projectId: string): Promise<RepositorySettings> {
    const projectDir = projectDirOf(projectId);
    const repo = path.join(projectDir, 'repo.git');
    await mkdir(projectDir, { recursive: true });
    if (options.safeDirectoryConfig)
      await options.git(
        ['config', '--file', options.safeDirectoryConfig, '--add', 'safe.directory', repo],
        projectDir,
      );
    // Re-running init on an existing repository changes nothing, so two tasks may race here.
    if (!(await exists(path.join(repo, 'HEAD'))))
      await options.git(['init', '-q', '--bare', '-b', 'main', repo], projectDir);
    await chmod(repo, 0o700);
    const hasMain = await options.git(['rev-parse', '--verify', '-q', 'refs/heads/main'], repo).then(
      () => true,
      () => false,
    );
    if (!hasMain) {
      const emptyTree = (await options.git(['hash-object', '-w', '-t', 'tree', '/dev/null'], repo)).trim();
      const commit = (
        await options.git(['commit-tree', emptyTree, '-m', 'Workspace created by intake'], repo)
      ).trim();
      // The empty old value: only if no other task created main meanwhile.
      await options.git(['update-ref', 'refs/heads/main', commit, ''], repo).catch(() => undefined);
    }
    return { url: pathToFileURL(repo).href, pullRequests: { provider: 'none' } };
  }

  return {
    /** The project's bare repository as repository settings (created on first use, once per process). */
    settingsFor(projectId: string): Promise<RepositorySettings> {
      let settings = ready.get(projectId);
      if (!settings) {
        projectDirOf(projectId);
        settings = ensure(projectId);
        ready.set(projectId, settings);
        settings.catch(() => ready.delete(projectId));
      }
      return settings;
    },

    /**
     * Earlier versions kept each thread's worktree beside the bare repository
     * (`<root>/<projectId>/threads/<thread>`), which keeps the thread's branch checked out there, and
     * a push to a checked-out branch is refused. Its committed work is already on the branch in the
     * bare repository; uncommitted changes are dropped, as a resumed story always drops them. Only
     * this thread's worktree is retired (its job holds the lease); other threads' wait for their next job.
     */
    async retireOldWorktree(projectId: string, threadId: string): Promise<void> {
      const projectDir = projectDirOf(projectId);
      const suffix = branchForThread(threadId).slice('intake/'.length);
      await rm(path.join(projectDir, 'threads', suffix), { recursive: true, force: true });
      const registrations = path.join(projectDir, 'repo.git', 'worktrees');
      const names = await readdir(registrations).catch(() => [] as string[]);
      for (const name of names) {
        const gitdir = await readFile(path.join(registrations, name, 'gitdir'), 'utf8').catch(() => '');
        // By its path's tail: the workspace root may be mounted elsewhere than when it was made.
        if (gitdir.trim().endsWith(`/threads/${suffix}/.git`))
          await rm(path.join(registrations, name), { recursive: true, force: true });
      }
    },
  };
}
