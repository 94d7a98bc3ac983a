import type { RepositorySettings } from '#contracts/repository.ts';
import type { ForgeConnector, Log, PullRequestForge, RepositoryCredentialSource } from '../ports.ts';
import { GitHubForges } from './github-forge.ts';
import { GitLabForges } from './gitlab-forge.ts';

export interface ForgeOptions {
  credentials: RepositoryCredentialSource;
  log: Log;
  /** Retries of a transient failure or rate limit. Default 3. */
  retries?: number;
}

/** The pull-request forge a repository names: GitHub, GitLab, or none. */
export class Forges implements ForgeConnector {
  private readonly github: GitHubForges;
  private readonly gitlab: GitLabForges;

  constructor(options: ForgeOptions) {
    this.github = new GitHubForges(options);
    this.gitlab = new GitLabForges(options);
  }

  connect(repository: RepositorySettings): Promise<PullRequestForge | undefined> {
    return repository.pullRequests.provider === 'gitlab'
      ? this.gitlab.connect(repository)
      : this.github.connect(repository);
  }
}
