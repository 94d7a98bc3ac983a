import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface GitHttpOptions {
  /** The folder that holds `<owner>/<repo>.git`. */
  projectRoot: string;
  /** PATH to find `git` on. */
  pathEnv: string;
}

/**
 * git's smart HTTP protocol: `git http-backend` run as a CGI program for one request. The caller has
 * authenticated the request: `REMOTE_USER` is set, which is what lets http-backend accept a push.
 * Partial clones work (filters and fetching any object by id are allowed).
 */
export function serveGit(
  req: IncomingMessage,
  res: ServerResponse,
  pathInfo: string,
  query: string,
  remoteUser: string,
  options: GitHttpOptions,
): void {
  const env: NodeJS.ProcessEnv = {
    PATH: options.pathEnv,
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_COUNT: '4',
    GIT_CONFIG_KEY_0: 'uploadpack.allowFilter',
    GIT_CONFIG_VALUE_0: 'true',
    GIT_CONFIG_KEY_1: 'uploadpack.allowAnySHA1InWant',
    GIT_CONFIG_VALUE_1: 'true',
    GIT_CONFIG_KEY_2: 'receive.denyNonFastForwards',
    GIT_CONFIG_VALUE_2: 'false',
    // A forge packs its repositories in the background, never as part of answering a push.
    GIT_CONFIG_KEY_3: 'receive.autogc',
    GIT_CONFIG_VALUE_3: 'false',
    REMOTE_USER: remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: pathInfo,
    QUERY_STRING: query,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
  };
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  child.stderr.resume();

  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const end = text.search(/\r?\n\r?\n/);
    if (end < 0) return;
    const separator = /\r?\n\r?\n/.exec(text.slice(end))?.[0].length ?? 2;
    let status = 200;
    for (const line of text.slice(0, end).split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    headersSent = true;
    res.write(head.subarray(end + separator));
  });
  child.on('close', (code) => {
    if (!headersSent) {
      res.statusCode = 500;
      res.end(`git http-backend exited with ${code ?? 'a signal'}\n`);
      return;
    }
    res.end();
  });
  child.on('error', () => {
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
}
