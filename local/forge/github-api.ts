import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { branchExists as refExists, exists, json, jsonBody } from './api-helpers.ts';
import type { PullRequestStore, StoredPullRequest } from './pull-request-store.ts';

export interface GitHubApiContext {
  store: PullRequestStore;
  /** Folder of `<owner>/<repo>.git`. */
  projectRoot: string;
  /** `http://host:port`: pages of pull requests live under it, as on github.com. */
  webUrl: string;
  pathEnv: string;
}

const notFound = (res: ServerResponse): void =>
  json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });

const repoDir = (ctx: GitHubApiContext, owner: string, repo: string): string =>
  path.join(ctx.projectRoot, owner, `${repo}.git`);

const branchExists = (ctx: GitHubApiContext, owner: string, repo: string, branch: string) =>
  refExists(repoDir(ctx, owner, repo), branch, ctx.pathEnv);

function view(ctx: GitHubApiContext, owner: string, repo: string, pull: StoredPullRequest) {
  return {
    number: pull.number,
    node_id: pull.node_id,
    title: pull.title,
    body: pull.body,
    state: pull.state,
    draft: pull.draft,
    html_url: `${ctx.webUrl}/${owner}/${repo}/pull/${pull.number}`,
    head: { ref: pull.head, label: `${owner}:${pull.head}` },
    base: { ref: pull.base, label: `${owner}:${pull.base}` },
    created_at: pull.created_at,
    updated_at: pull.updated_at,
  };
}

const PULLS = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/pulls$/;
const PULL = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/;
const COMMENTS = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/;
const REPO = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)$/;

/**
 * The part of GitHub's REST API (and one GraphQL mutation) that the worker calls through
 * `@octokit/rest`: get a repository, list/create/update pull requests, comment, mark ready.
 */
export async function serveGitHubApi(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  search: URLSearchParams,
  ctx: GitHubApiContext,
): Promise<void> {
  const method = req.method ?? 'GET';
  const body = (): Promise<Record<string, unknown>> => jsonBody(req);
  const now = new Date().toISOString();

  if (method === 'POST' && (pathname === '/api/graphql' || pathname === '/api/v3/graphql')) {
    const { query, variables } = (await body()) as { query?: string; variables?: { id?: string } };
    const id = variables?.id ?? '';
    const match = /^PR_(.+)\/(.+)#(\d+)$/.exec(id);
    if (!query?.includes('markPullRequestReadyForReview') || !match) {
      json(res, 200, {
        errors: [{ message: 'only markPullRequestReadyForReview(pullRequestId) is served' }],
      });
      return;
    }
    const [, owner = '', repo = '', number = '0'] = match;
    const pull = await ctx.store.change(`${owner}/${repo}`, (pulls) => {
      const found = pulls.find((candidate) => candidate.number === Number(number));
      if (found) {
        found.draft = false;
        found.updated_at = now;
      }
      return found;
    });
    if (!pull) json(res, 200, { errors: [{ type: 'NOT_FOUND', message: `no pull request ${id}` }] });
    else json(res, 200, { data: { markPullRequestReadyForReview: { pullRequest: { isDraft: false } } } });
    return;
  }

  let match = REPO.exec(pathname);
  if (match && method === 'GET') {
    const [, owner = '', repo = ''] = match;
    if (!(await exists(repoDir(ctx, owner, repo)))) return notFound(res);
    json(res, 200, {
      name: repo,
      full_name: `${owner}/${repo}`,
      owner: { login: owner },
      private: true,
      default_branch: 'main',
      html_url: `${ctx.webUrl}/${owner}/${repo}`,
      permissions: { admin: false, push: true, pull: true },
    });
    return;
  }
  const repoOf = (m: RegExpExecArray) => ({ owner: m[1] ?? '', repo: m[2] ?? '' });

  match = PULLS.exec(pathname);
  if (match) {
    const { owner, repo } = repoOf(match);
    if (!(await exists(repoDir(ctx, owner, repo)))) return notFound(res);
    const fullName = `${owner}/${repo}`;
    if (method === 'GET') {
      const head = search.get('head');
      const state = search.get('state') ?? 'open';
      const pulls = (await ctx.store.list(fullName)).filter(
        (pull) => (state === 'all' || pull.state === state) && (!head || `${owner}:${pull.head}` === head),
      );
      json(
        res,
        200,
        pulls.map((pull) => view(ctx, owner, repo, pull)),
      );
      return;
    }
    if (method === 'POST') {
      const input = await body();
      const head = String(input.head ?? '');
      const base = String(input.base ?? '');
      if (!(await branchExists(ctx, owner, repo, head)) || !(await branchExists(ctx, owner, repo, base))) {
        json(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
        });
        return;
      }
      const created = await ctx.store.change(fullName, (pulls) => {
        if (pulls.some((pull) => pull.head === head && pull.state === 'open')) return undefined;
        const number = pulls.length + 1;
        const pull: StoredPullRequest = {
          number,
          node_id: `PR_${fullName}#${number}`,
          title: String(input.title ?? ''),
          body: String(input.body ?? ''),
          head,
          base,
          draft: input.draft === true,
          state: 'open',
          created_at: now,
          updated_at: now,
          revisions: 0,
          comments: [],
        };
        pulls.push(pull);
        return pull;
      });
      if (!created) {
        json(res, 422, { message: `Validation Failed: A pull request already exists for ${owner}:${head}.` });
        return;
      }
      json(res, 201, view(ctx, owner, repo, created));
      return;
    }
  }

  match = PULL.exec(pathname);
  if (match && (method === 'GET' || method === 'PATCH')) {
    const { owner, repo } = repoOf(match);
    const number = Number(match[3]);
    const input = method === 'PATCH' ? await body() : {};
    const pull = await ctx.store.change(`${owner}/${repo}`, (pulls) => {
      const found = pulls.find((candidate) => candidate.number === number);
      if (found && method === 'PATCH') {
        if (typeof input.body === 'string') found.body = input.body;
        if (typeof input.title === 'string') found.title = input.title;
        if (input.state === 'open' || input.state === 'closed') found.state = input.state;
        found.updated_at = now;
        found.revisions += 1;
      }
      return found;
    });
    if (!pull) return notFound(res);
    json(res, 200, view(ctx, owner, repo, pull));
    return;
  }

  match = COMMENTS.exec(pathname);
  if (match && method === 'POST') {
    const { owner, repo } = repoOf(match);
    const number = Number(match[3]);
    const input = await body();
    const comment = await ctx.store.change(`${owner}/${repo}`, (pulls) => {
      const found = pulls.find((candidate) => candidate.number === number);
      if (!found) return undefined;
      const added = { id: found.comments.length + 1, body: String(input.body ?? ''), created_at: now };
      found.comments.push(added);
      return added;
    });
    if (!comment) return notFound(res);
    json(res, 201, comment);
    return;
  }
  notFound(res);
}
