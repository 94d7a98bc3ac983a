import { MergeRequestNotes, MergeRequests } from '@gitbeaker/core';
import {
  createRequesterFn,
  type FormattedResponse,
  type RequestOptions,
  type ResponseBodyTypes,
} from '@gitbeaker/requester-utils';
import { apiCredentialsOf, mergeRequestProject, type RepositorySettings } from '#contracts/repository.ts';
import type {
  ForgeConnector,
  Log,
  PullRequestForge,
  PullRequestRef,
  RepositoryCredentialSource,
} from '../ports.ts';
import { ForgeError } from './forge-error.ts';

export const GITLAB_URL = 'https://gitlab.com';

/** GitLab marks a merge request as a draft by this title prefix; removing it marks it ready. */
const DRAFT_PREFIX = 'Draft: ';
const DRAFT_TITLE = /^\s*(\[draft\]|\(draft\)|draft:|draft\s*-)\s*/i;

export interface GitLabForgeOptions {
  credentials: RepositoryCredentialSource;
  log: Log;
  /** Retries of a 429, a 5xx or a network failure. Default 3. */
  retries?: number;
  /** Back-off when the answer carries no Retry-After; doubles each try. Default 1 000 ms. */
  backoffMs?: number;
  /** The longest Retry-After honoured; a longer one fails the call. Default 60 000 ms. */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

class GitLabHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The instance URL gitbeaker wants (it adds `/api/v4`), from an API base URL given either way. */
const instanceUrlOf = (apiBaseUrl: string | undefined): string =>
  (apiBaseUrl ?? GITLAB_URL).replace(/\/+$/, '').replace(/\/api\/v4$/, '');

function explain(error: unknown, what: string, target: string): ForgeError {
  const status = error instanceof GitLabHttpError ? error.status : 0;
  const detail = error instanceof Error ? error.message : String(error);
  const reason =
    status === 401
      ? 'GitLab refused the token (is it valid and unexpired?)'
      : status === 403
        ? 'the token may not do this (a project access token needs the api scope and the Developer role)'
        : status === 404
          ? 'the project was not found (check the URL or pullRequests.project, and that the token can see it)'
          : status === 409 || status === 422 || status === 400
            ? `GitLab refused the request (${detail})`
            : `the forge could not be reached (${detail})`;
  return new ForgeError(`Could not ${what} on ${target}: ${reason}.`);
}

/**
 * GitLab merge requests (gitlab.com, self-hosted, or the local forge) through gitbeaker's API classes,
 * with a request handler of our own: it retries 429 and 5xx answers and network failures, waiting
 * what `Retry-After` says (gitbeaker's default handler ignores it).
 */
export class GitLabForges implements ForgeConnector {
  private readonly requesterFn: ReturnType<typeof createRequesterFn>;

  constructor(private readonly options: GitLabForgeOptions) {
    const retries = options.retries ?? 3;
    const backoffMs = options.backoffMs ?? 1000;
    const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

    const send = async (endpoint: string, request?: Record<string, unknown>): Promise<FormattedResponse> => {
      const {
        prefixUrl = '',
        searchParams,
        method = 'GET',
        headers,
        body,
        signal,
      } = (request ?? {}) as RequestOptions;
      const url = new URL(endpoint, prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
      if (searchParams) url.search = searchParams;
      for (let attempt = 0; ; attempt += 1) {
        let wait = backoffMs * 2 ** attempt;
        let failure: GitLabHttpError;
        try {
          const response = await fetch(url, {
            method,
            ...(headers ? { headers } : {}),
            ...(body !== undefined ? { body } : {}),
            ...(signal ? { signal } : {}),
          });
          const text = await response.text();
          if (response.ok)
            return { body: parseBody(text, response), headers: headersOf(response), status: response.status };
          failure = new GitLabHttpError(response.status, messageOf(text) || `HTTP ${response.status}`);
          if (response.status !== 429 && response.status < 500) throw failure;
          const after = retryAfterMs(response.headers.get('retry-after'));
          if (after !== undefined) {
            if (after > maxRetryAfterMs) throw failure;
            wait = after;
          }
        } catch (error) {
          if (error instanceof GitLabHttpError && error.status !== 429 && error.status < 500) throw error;
          failure =
            error instanceof GitLabHttpError
              ? error
              : new GitLabHttpError(0, error instanceof Error ? error.message : String(error));
        }
        if (attempt >= retries) throw failure;
        options.log.warn('forge busy or unreachable; waiting', {
          status: failure.status,
          waitMs: wait,
          attempt: attempt + 1,
        });
        await sleep(wait);
      }
    };
    this.requesterFn = createRequesterFn((_resource, request) => Promise.resolve(request), send);
  }

  async connect(repository: RepositorySettings): Promise<PullRequestForge | undefined> {
    const { options, requesterFn } = this;
    if (repository.pullRequests.provider !== 'gitlab') return undefined;
    const project = mergeRequestProject(repository);
    if (!project) throw new ForgeError(`Cannot tell the GitLab project of ${repository.url}.`);
    const apiCredentials = apiCredentialsOf(repository);
    const token = apiCredentials ? (await options.credentials.tokenFor(apiCredentials)).trim() : undefined;
    const settings = {
      host: instanceUrlOf(repository.pullRequests.apiBaseUrl),
      requesterFn,
      queryTimeout: 60_000,
      ...(token ? { token } : {}),
    };
    const mergeRequests = new MergeRequests(settings);
    const notes = new MergeRequestNotes(settings);
    const refOf = (mr: { iid: number; web_url: string; id: number; title: string }): PullRequestRef => ({
      number: mr.iid,
      url: mr.web_url,
      nodeId: String(mr.id),
      draft: DRAFT_TITLE.test(mr.title),
    });
    const call = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        throw explain(error, what, project);
      }
    };
    return {
      find: (branch) =>
        call('look up the merge request', async () => {
          const found = await mergeRequests.all({
            projectId: project,
            sourceBranch: branch,
            state: 'opened',
            perPage: 5,
            maxPages: 1,
          });
          const [mr] = found;
          return mr ? refOf(mr) : undefined;
        }),
      create: ({ branch, base, title, body }) =>
        call('open the merge request', async () =>
          refOf(
            await mergeRequests.create(
              project,
              branch,
              base,
              `${DRAFT_PREFIX}${title.replace(DRAFT_TITLE, '')}`,
              {
                description: body,
                removeSourceBranch: false,
              },
            ),
          ),
        ),
      updateBody: (number, body) =>
        call('update the merge request', async () => {
          await mergeRequests.edit(project, number, { description: body });
        }),
      markReady: (pullRequest) =>
        call('mark the merge request ready', async () => {
          const current = await mergeRequests.show(project, pullRequest.number);
          if (!DRAFT_TITLE.test(current.title)) return;
          await mergeRequests.edit(project, pullRequest.number, {
            title: current.title.replace(DRAFT_TITLE, ''),
          });
        }),
      comment: (number, body) =>
        call('comment on the merge request', async () => {
          await notes.create(project, number, body);
        }),
    };
  }
}

function parseBody(text: string, response: Response): ResponseBodyTypes {
  if (response.status === 204 || !text) return null;
  return (response.headers.get('content-type') ?? '').includes('json')
    ? (JSON.parse(text) as ResponseBodyTypes)
    : text;
}

const headersOf = (response: Response): Record<string, string> =>
  Object.fromEntries(response.headers.entries());

function messageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = parsed.message ?? parsed.error;
    return typeof message === 'string' ? message : JSON.stringify(message);
  } catch {
    return text.slice(0, 200);
  }
}
