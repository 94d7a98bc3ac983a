import { timingSafeEqual } from 'node:crypto';
import { access } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { serveGit } from './git-http.ts';
import { serveGitHubApi } from './github-api.ts';
import { serveGitLabApi } from './gitlab-api.ts';
import { PullRequestStore } from './pull-request-store.ts';
import { pullRequestPage } from './pull-request-page.ts';
import { createBareRepository, seedRepository, type SeedCommit } from './seed-repository.ts';

export interface LocalForgeOptions {
  /** Repositories live in `<dataDir>/repos/<owner>/<repo>.git`, pull requests in `<dataDir>/pulls.json`. */
  dataDir: string;
  /**
   * The one token that may read and write: the HTTP Basic password for git; `token`/`Bearer` for the
   * GitHub API; `PRIVATE-TOKEN` or `Bearer` for the GitLab API.
   */
  token: string;
  host?: string;
  /** 0 for a free port. */
  port?: number;
  pathEnv?: string;
}

export interface LocalForge {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The base URL `@octokit/rest` is given. */
  readonly apiUrl: string;
  /** The GitLab instance URL (its REST API v4 is under `/api/v4`). */
  readonly gitlabUrl: string;
  /** GitHub-style clone URL (`/git/owner/repo.git`). */
  gitUrl(owner: string, repo: string): string;
  /** GitLab-style clone URL (`/owner/repo.git`), whose path is the GitLab project path. */
  gitlabGitUrl(owner: string, repo: string): string;
  /**
   * The next `count` API calls (GitHub or GitLab) answer `status`, with `Retry-After: retryAfterSeconds`
   * when given: how tests make the forge busy or rate-limited on demand.
   */
  failNextApiCalls(count: number, status: number, retryAfterSeconds?: number): void;
  gitDir(owner: string, repo: string): string;
  /** Creates `owner/repo` (bare, on `main`) with these commits, unless it exists. */
  createRepository(owner: string, repo: string, commits?: readonly SeedCommit[]): Promise<void>;
  readonly pulls: PullRequestStore;
  stop(): Promise<void>;
}

const exists = (target: string): Promise<boolean> =>
  access(target).then(
    () => true,
    () => false,
  );

const PAGE = /^\/([^/]+)\/([^/]+)\/pull\/(\d+)$/;
const MERGE_REQUEST_PAGE = /^\/((?:[A-Za-z0-9_.-]+\/)+[A-Za-z0-9_.-]+)\/-\/merge_requests\/(\d+)$/;
/** GitLab-shaped git URLs: `/<group…>/<project>.git/<smart HTTP path>`. */
const GITLAB_GIT = /^\/(?!api\/|git\/)(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)+[A-Za-z0-9_-][A-Za-z0-9_.-]*\.git\//;

/**
 * A loopback stand-in for a forge: git's smart HTTP protocol (`git http-backend`) with token
 * authentication (at `/git/owner/repo.git`, GitHub-style, and `/owner/repo.git`, GitLab-style), the
 * subset of GitHub's REST API that the worker uses, reached through the same `@octokit/rest` client
 * via its base URL, and the subset of GitLab's REST API v4 it uses (through gitbeaker). Requests must name this server in `Host` (no DNS rebinding).
 */
export async function startLocalForge(options: LocalForgeOptions): Promise<LocalForge> {
  const host = options.host ?? '127.0.0.1';
  const pathEnv = options.pathEnv ?? process.env.PATH ?? '/usr/bin:/bin';
  const projectRoot = path.join(options.dataDir, 'repos');
  const pulls = new PullRequestStore(path.join(options.dataDir, 'pulls.json'));
  const expected = Buffer.from(options.token);
  let url = '';
  let injected: { count: number; status: number; retryAfterSeconds?: number } | undefined;

  const presented = (req: IncomingMessage): string | undefined => {
    const header = req.headers.authorization ?? '';
    const [scheme = '', value = ''] = header.split(' ');
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      return decoded.slice(decoded.indexOf(':') + 1);
    }
    if (/^(token|bearer)$/i.test(scheme)) return value;
    const privateToken = req.headers['private-token'];
    return typeof privateToken === 'string' ? privateToken : undefined;
  };
  const authorised = (req: IncomingMessage): boolean => {
    const token = presented(req);
    if (token === undefined) return false;
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = new URL(req.url ?? '/', url);
    const allowedHosts = [new URL(url).host, `localhost:${new URL(url).port}`];
    if (!allowedHosts.includes(String(req.headers.host ?? ''))) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong Host\n');
      return;
    }
    const page = PAGE.exec(target.pathname);
    if (page && req.method === 'GET') {
      const [, owner = '', repo = '', number = '0'] = page;
      const pull = (await pulls.list(`${owner}/${repo}`)).find((p) => p.number === Number(number));
      res.writeHead(pull ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
      res.end(pullRequestPage(`${owner}/${repo}`, pull));
      return;
    }
    const mergeRequestPage = MERGE_REQUEST_PAGE.exec(target.pathname);
    if (mergeRequestPage && req.method === 'GET') {
      const [, project = '', iid = '0'] = mergeRequestPage;
      const mr = (await pulls.list(project)).find((p) => p.number === Number(iid));
      res.writeHead(mr ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
      res.end(pullRequestPage(project, mr));
      return;
    }
    const gitlabShaped = GITLAB_GIT.test(target.pathname);
    if (target.pathname.startsWith('/git/') || gitlabShaped) {
      if (!authorised(req)) {
        res
          .writeHead(401, { 'www-authenticate': 'Basic realm="intake local forge"' })
          .end('authentication required\n');
        return;
      }
      const pathInfo = gitlabShaped ? target.pathname : target.pathname.slice('/git'.length);
      serveGit(req, res, pathInfo, target.search.slice(1), 'intake', {
        projectRoot,
        pathEnv,
      });
      return;
    }
    if (target.pathname.startsWith('/api/')) {
      if (!authorised(req)) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'Bad credentials' }));
        return;
      }
      if (injected && injected.count > 0) {
        injected.count -= 1;
        res
          .writeHead(injected.status, {
            'content-type': 'application/json',
            ...(injected.retryAfterSeconds !== undefined
              ? { 'retry-after': String(injected.retryAfterSeconds) }
              : {}),
          })
          .end(JSON.stringify({ message: `injected ${injected.status}` }));
        return;
      }
      const api = { store: pulls, projectRoot, webUrl: url, pathEnv };
      if (target.pathname.startsWith('/api/v4/'))
        await serveGitLabApi(req, res, target.pathname, target.searchParams, api);
      else await serveGitHubApi(req, res, target.pathname, target.searchParams, api);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: error instanceof Error ? error.message : String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  url = `http://${host}:${port}`;
  const gitDir = (owner: string, repo: string): string => path.join(projectRoot, owner, `${repo}.git`);

  return {
    url,
    apiUrl: `${url}/api/v3`,
    gitlabUrl: url,
    gitUrl: (owner, repo) => `${url}/git/${owner}/${repo}.git`,
    gitlabGitUrl: (owner, repo) => `${url}/${owner}/${repo}.git`,
    failNextApiCalls(count, status, retryAfterSeconds) {
      injected = { count, status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
    },
    gitDir,
    pulls,
    async createRepository(owner, repo, commits = []) {
      const dir = gitDir(owner, repo);
      if (await exists(path.join(dir, 'HEAD'))) return;
      await createBareRepository(dir, pathEnv);
      if (commits.length > 0) await seedRepository(dir, commits, { pathEnv });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
