import type { RepositorySettings } from '#contracts/repository';
import type { ForgeConnector, Log, RepositoryCredentialSource } from '../ports.ts';
import { createGitHubForges } from './github-forge.ts';
import { createGitLabForges } from './gitlab-forge.ts';

export interface ForgeOptions {
  credentials: RepositoryCredentialSource;
  log: Log;
  /** Retries of a transient failure or rate limit. Default 3. */
  retries?: number;
}

/** The pull-request forge a repository names: GitHub, GitLab, or none. */
export function createForges(options: ForgeOptions): ForgeConnector {
  const github = createGitHubForges(options);
  const gitlab = createGitLabForges(options);
  return {
    connect: (repository: RepositorySettings) =>
      repository.pullRequests.provider === 'gitlab' ? gitlab.connect(repository) : github.connect(repository),
  };
}
