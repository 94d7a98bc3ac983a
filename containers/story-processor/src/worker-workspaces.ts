import type { WorkspaceProvider } from './ports.ts';
import { createOwnRepositories } from './workspace/own-repositories.ts';
import { createRemoteWorkspaces, type RemoteWorkspaceOptions } from './workspace/remote-workspaces.ts';

export type WorkerWorkspaceOptions = Omit<RemoteWorkspaceOptions, 'root'> & {
  /** Durable: the bare repositories of projects without a repository (their only copy). */
  root: string;
  /** Every project's partial-clone cache and thread worktrees (task-local will do). */
  remoteRoot: string;
  /** The git runner's global config file, for the bare repositories' `safe.directory` entries. */
  safeDirectoryConfig?: string;
};

/**
 * The worker's workspaces, one code path for every project: a project with a repository clones it; a
 * project without one clones its own bare repository on the durable root (`file://`), so its
 * worktree is task-local too and each story is pushed back to the bare repository (see the README's
 * "Sandbox"). Such a workspace shows no `remote`: replies still say the project has no repository.
 */
export function createWorkerWorkspaces(options: WorkerWorkspaceOptions): WorkspaceProvider {
  const { root, remoteRoot, safeDirectoryConfig, ...remote } = options;
  const clones = createRemoteWorkspaces({ ...remote, root: remoteRoot });
  const own = createOwnRepositories({
    root,
    git: remote.git,
    ...(safeDirectoryConfig ? { safeDirectoryConfig } : {}),
  });
  return {
    async open(projectId, threadId, repository) {
      if (repository) return clones.open(projectId, threadId, repository);
      const settings = await own.settingsFor(projectId);
      await own.retireOldWorktree(projectId, threadId);
      const { remote: _ownUrl, ...workspace } = await clones.open(projectId, threadId, settings, {
        // Failures name it without the machine path of its file:// URL.
        name: `own/${projectId}`,
      });
      return workspace;
    },
  };
}
