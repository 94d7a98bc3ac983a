import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { branchExists, exists, json, jsonBody } from './api-helpers.ts';
import type { PullRequestStore, StoredPullRequest } from './pull-request-store.ts';

export interface GitLabApiContext {
  store: PullRequestStore;
  /** Folder of `<group…>/<project>.git`. */
  projectRoot: string;
  /** `http://host:port`: merge request pages live under it, as on gitlab.com. */
  webUrl: string;
  pathEnv: string;
}

/** GitLab treats a title with one of these prefixes as a draft. */
const DRAFT_TITLE = /^\s*(\[draft\]|\(draft\)|draft:|draft\s*-)/i;
const PROJECT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

const PROJECT = /^\/api\/v4\/projects\/([^/]+)$/;
const MERGE_REQUESTS = /^\/api\/v4\/projects\/([^/]+)\/merge_requests$/;
const MERGE_REQUEST = /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)$/;
const NOTES = /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes$/;

const notFound = (res: ServerResponse, what = '404 Project Not Found'): void =>
  json(res, 404, { message: what });

/** The web page of a merge request, where gitlab.com has it. */
export const mergeRequestPath = (project: string, iid: number): string =>
  `/${project}/-/merge_requests/${iid}`;

function view(ctx: GitLabApiContext, project: string, mr: StoredPullRequest) {
  return {
    id: mr.number,
    iid: mr.number,
    title: mr.title,
    description: mr.body,
    state: mr.state === 'open' ? 'opened' : 'closed',
    draft: mr.draft,
    work_in_progress: mr.draft,
    source_branch: mr.head,
    target_branch: mr.base,
    web_url: `${ctx.webUrl}${mergeRequestPath(project, mr.number)}`,
    created_at: mr.created_at,
    updated_at: mr.updated_at,
  };
}

/**
 * The part of GitLab's REST API v4 that the worker calls through gitbeaker: get a project, list,
 * create, show and edit merge requests, add a note. A project id is its URL-encoded path
 * (`acme%2Fwidgets`); the draft state follows the title's `Draft:` prefix, as on GitLab.
 */
export async function serveGitLabApi(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  search: URLSearchParams,
  ctx: GitLabApiContext,
): Promise<void> {
  const method = req.method ?? 'GET';
  const now = new Date().toISOString();
  const projectOf = async (encoded: string): Promise<string | undefined> => {
    const project = decodeURIComponent(encoded);
    if (!PROJECT_PATH.test(project) || project.split('/').some((part) => part === '..' || part === '.'))
      return undefined;
    return (await exists(gitDirOf(project))) ? project : undefined;
  };
  const gitDirOf = (project: string): string => path.join(ctx.projectRoot, `${project}.git`);

  let match = PROJECT.exec(pathname);
  if (match && method === 'GET') {
    const project = await projectOf(match[1] ?? '');
    if (!project) return notFound(res);
    json(res, 200, {
      id: 1,
      path_with_namespace: project,
      default_branch: 'main',
      web_url: `${ctx.webUrl}/${project}`,
    });
    return;
  }

  match = MERGE_REQUESTS.exec(pathname);
  if (match && (method === 'GET' || method === 'POST')) {
    const project = await projectOf(match[1] ?? '');
    if (!project) return notFound(res);
    if (method === 'GET') {
      const source = search.get('source_branch');
      const state = search.get('state') ?? 'all';
      const list = (await ctx.store.list(project)).filter(
        (mr) =>
          (state === 'all' || (state === 'opened' ? mr.state === 'open' : mr.state === 'closed')) &&
          (!source || mr.head === source),
      );
      json(
        res,
        200,
        list.map((mr) => view(ctx, project, mr)),
      );
      return;
    }
    const input = await jsonBody(req);
    const source = String(input.source_branch ?? '');
    const target = String(input.target_branch ?? '');
    const title = String(input.title ?? '');
    if (!title || !(await branchExists(gitDirOf(project), source, ctx.pathEnv))) {
      json(res, 400, { message: { source_branch: ['is invalid'] } });
      return;
    }
    if (!(await branchExists(gitDirOf(project), target, ctx.pathEnv))) {
      json(res, 400, { message: { target_branch: ['is invalid'] } });
      return;
    }
    const created = await ctx.store.change(project, (list) => {
      if (list.some((mr) => mr.head === source && mr.state === 'open')) return undefined;
      const number = list.length + 1;
      const mr: StoredPullRequest = {
        number,
        node_id: `MR_${project}#${number}`,
        title,
        body: String(input.description ?? ''),
        head: source,
        base: target,
        draft: DRAFT_TITLE.test(title),
        state: 'open',
        created_at: now,
        updated_at: now,
        revisions: 0,
        comments: [],
      };
      list.push(mr);
      return mr;
    });
    if (!created) {
      json(res, 409, {
        message: [`Another open merge request already exists for this source branch`],
      });
      return;
    }
    json(res, 201, view(ctx, project, created));
    return;
  }

  match = MERGE_REQUEST.exec(pathname);
  if (match && (method === 'GET' || method === 'PUT')) {
    const project = await projectOf(match[1] ?? '');
    if (!project) return notFound(res);
    const iid = Number(match[2]);
    const input = method === 'PUT' ? await jsonBody(req) : {};
    const mr = await ctx.store.change(project, (list) => {
      const found = list.find((candidate) => candidate.number === iid);
      if (found && method === 'PUT') {
        if (typeof input.description === 'string') found.body = input.description;
        if (typeof input.title === 'string') {
          found.title = input.title;
          found.draft = DRAFT_TITLE.test(input.title);
        }
        if (input.state_event === 'close') found.state = 'closed';
        if (input.state_event === 'reopen') found.state = 'open';
        found.updated_at = now;
        found.revisions += 1;
      }
      return found;
    });
    if (!mr) return notFound(res, '404 Not found');
    json(res, 200, view(ctx, project, mr));
    return;
  }

  match = NOTES.exec(pathname);
  if (match && method === 'POST') {
    const project = await projectOf(match[1] ?? '');
    if (!project) return notFound(res);
    const iid = Number(match[2]);
    const input = await jsonBody(req);
    const note = await ctx.store.change(project, (list) => {
      const found = list.find((candidate) => candidate.number === iid);
      if (!found) return undefined;
      const added = { id: found.comments.length + 1, body: String(input.body ?? ''), created_at: now };
      found.comments.push(added);
      return added;
    });
    if (!note) return notFound(res, '404 Not found');
    json(res, 201, { ...note, noteable_type: 'MergeRequest', noteable_iid: iid });
    return;
  }
  notFound(res, '404 Not Found');
}
