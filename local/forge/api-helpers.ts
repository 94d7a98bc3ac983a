import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { readBody } from '../emulators/http-util.ts';

const run = promisify(execFile);

export const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
};

export const exists = (target: string): Promise<boolean> =>
  access(target).then(
    () => true,
    () => false,
  );

/** Whether `branch` exists in the bare repository `gitDir`. */
export const branchExists = (gitDir: string, branch: string, pathEnv: string): Promise<boolean> =>
  run('git', ['show-ref', '--verify', '-q', `refs/heads/${branch}`], {
    cwd: gitDir,
    env: { PATH: pathEnv, GIT_CONFIG_NOSYSTEM: '1' },
  }).then(
    () => true,
    () => false,
  );

/** A JSON request body (at most 1 MiB), `{}` when empty. */
export async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}
