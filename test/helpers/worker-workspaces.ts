import { RepositoryCredentialReader } from '../../containers/story-processor/src/adapters/repository-credentials.ts';
import { systemWorkerClock } from '../../containers/story-processor/src/clock.ts';
import { silentLog } from '../../containers/story-processor/src/logging.ts';
import type { Log, WorkspaceProvider } from '../../containers/story-processor/src/ports.ts';
import type { GitRunner } from '../../containers/story-processor/src/workspace/git-cli.ts';
import { createWorkerWorkspaces } from '../../containers/story-processor/src/worker-workspaces.ts';

/**
 * The worker's workspaces as startWorker wires them, for tests of projects without a repository:
 * bare repositories under `root`, caches and worktrees under `taskLocal` (default `root`).
 */
export function testWorkspaces(options: {
  root: string;
  taskLocal?: string;
  git: GitRunner;
  log?: Log;
  safeDirectoryConfig?: string;
}): WorkspaceProvider {
  return createWorkerWorkspaces({
    root: options.root,
    remoteRoot: options.taskLocal ?? options.root,
    home: options.root,
    git: options.git,
    credentials: new RepositoryCredentialReader({ environment: {} }),
    clock: systemWorkerClock,
    log: options.log ?? silentLog,
    ...(options.safeDirectoryConfig ? { safeDirectoryConfig: options.safeDirectoryConfig } : {}),
  });
}
