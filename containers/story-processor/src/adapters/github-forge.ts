import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import {
  apiCredentialsOf,
  isLoopbackHost,
  pullRequestTarget,
  type RepositorySettings,
} from '#contracts/repository.ts';
import type {
  ForgeConnector,
  Log,
  PullRequestForge,
  PullRequestRef,
  RepositoryCredentialSource,
} from '../ports.ts';
import { ForgeError } from './forge-error.ts';

const GitHub = Octokit.plugin(retry, throttling);

export const GITHUB_API = 'https://api.github.com';

export interface GitHubForgeOptions {
  credentials: RepositoryCredentialSource;
  log: Log;
  /** Retries of a transient failure or rate limit. Default 3. */
  retries?: number;
}

function explain(error: unknown, what: string, target: string): ForgeError {
  const status = (error as { status?: unknown }).status;
  const reason =
    status === 401
      ? 'GitHub refused the token (is it valid and unexpired?)'
      : status === 403
        ? 'the token may not do this (it needs Pull requests: read and write)'
        : status === 404
          ? 'the repository was not found (check the URL, and that the token can see it)'
          : status === 422
            ? `GitHub refused the request (${error instanceof Error ? error.message : String(error)})`
            : `the forge could not be reached (${error instanceof Error ? error.message : String(error)})`;
  return new ForgeError(`Could not ${what} on ${target}: ${reason}.`);
}

/**
 * GitHub (or GitHub Enterprise, or the local forge) through `@octokit/rest`, with the retry plugin for
 * transient failures and the throttling plugin for primary and secondary rate limits (it waits out
 * `retry-after`).
 */
export class GitHubForges implements ForgeConnector {
  private readonly retries: number;

  constructor(private readonly options: GitHubForgeOptions) {
    this.retries = options.retries ?? 3;
  }

  async connect(repository: RepositorySettings): Promise<PullRequestForge | undefined> {
    const { options, retries } = this;
    if (repository.pullRequests.provider !== 'github') return undefined;
    const target = pullRequestTarget(repository);
    if (!target) throw new ForgeError(`Cannot tell the owner and repository of ${repository.url}.`);
    const { owner, repo } = target;
    const apiCredentials = apiCredentialsOf(repository);
    const token = apiCredentials ? (await options.credentials.tokenFor(apiCredentials)).trim() : undefined;
    const baseUrl = repository.pullRequests.apiBaseUrl ?? GITHUB_API;
    const octokit = new GitHub({
      ...(token ? { auth: token } : {}),
      baseUrl,
      userAgent: 'intake-story-processor',
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451] },
      request: { retries, retryAfter: 1 },
      throttle: {
        // The plugin spaces writes a second apart, as GitHub asks; a loopback forge needs no pacing.
        enabled: !isLoopbackHost(new URL(baseUrl).hostname),
        onRateLimit: (after: number, _options: object, _octokit: object, count: number) => {
          options.log.warn('forge rate limit; waiting', { retryAfterSeconds: after, count });
          return count < retries;
        },
        onSecondaryRateLimit: (after: number, _options: object, _octokit: object, count: number) => {
          options.log.warn('forge secondary rate limit; waiting', { retryAfterSeconds: after, count });
          return count < retries;
        },
      },
    });
    const where = `${owner}/${repo}`;
    const refOf = (pull: { number: number; html_url: string; node_id: string; draft?: boolean | null }) =>
      ({
        number: pull.number,
        url: pull.html_url,
        nodeId: pull.node_id,
        draft: Boolean(pull.draft),
      }) satisfies PullRequestRef;
    const call = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        throw explain(error, what, where);
      }
    };
    return {
      find: (branch) =>
        call('look up the pull request', async () => {
          const { data } = await octokit.rest.pulls.list({
            owner,
            repo,
            head: `${owner}:${branch}`,
            state: 'open',
            per_page: 5,
          });
          const [pull] = data;
          return pull ? refOf(pull) : undefined;
        }),
      create: ({ branch, base, title, body }) =>
        call('open the pull request', async () => {
          const { data } = await octokit.rest.pulls.create({
            owner,
            repo,
            head: branch,
            base,
            title,
            body,
            draft: true,
          });
          return refOf(data);
        }),
      updateBody: (number, body) =>
        call('update the pull request', async () => {
          await octokit.rest.pulls.update({ owner, repo, pull_number: number, body });
        }),
      markReady: (pullRequest) =>
        call('mark the pull request ready for review', async () => {
          if (!pullRequest.draft) return;
          await octokit.graphql(
            'mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }',
            { id: pullRequest.nodeId },
          );
        }),
      comment: (number, body) =>
        call('comment on the pull request', async () => {
          await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
        }),
    };
  }
}
