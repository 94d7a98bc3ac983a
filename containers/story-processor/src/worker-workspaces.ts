import type { WorkspaceProvider } from './ports.ts';
import { createGitWorkspaces } from './workspace/git-workspaces.ts';
import { createRemoteWorkspaces, type RemoteWorkspaceOptions } from './workspace/remote-workspaces.ts';
import { routeWorkspaces } from './workspace/workspace-router.ts';

export type WorkerWorkspaceOptions = Omit<RemoteWorkspaceOptions, 'root'> & {
  /** Projects without a repository: their bare repository (the only copy) and thread worktrees. */
  root: string;
  /** Projects with a repository: their partial-clone cache and thread worktrees (task-local will do). */
  remoteRoot: string;
};

/** The worker's workspaces: each kind of project under its own root (see the README's "Sandbox"). */
export function createWorkerWorkspaces(options: WorkerWorkspaceOptions): WorkspaceProvider {
  const { root, remoteRoot, ...remote } = options;
  return routeWorkspaces(
    createGitWorkspaces(root, remote.git),
    createRemoteWorkspaces({ ...remote, root: remoteRoot }),
  );
}
