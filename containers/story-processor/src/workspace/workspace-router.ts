import type { RepositorySettings } from '#contracts/repository';
import type { GitWorkspace, WorkspaceProvider } from '../ports.ts';

/** Projects with a repository get a clone of it; the others keep the worker's own bare repository. */
export function routeWorkspaces(
  local: WorkspaceProvider,
  remote: {
    open(projectId: string, threadId: string, repository: RepositorySettings): Promise<GitWorkspace>;
  },
): WorkspaceProvider {
  return {
    open: (projectId, threadId, repository) =>
      repository ? remote.open(projectId, threadId, repository) : local.open(projectId, threadId),
  };
}
