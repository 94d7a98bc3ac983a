import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { makeProcessTmpdir } from './temp-dirs.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/intake.ts', import.meta.url));

/** A port that was free a moment ago, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `intake <args>` to completion, as a script would. */
export async function runCli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const child = spawn(TSX, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Parses the JSON a `--json` command printed, failing with its output when it did not succeed. */
export function jsonOf<T>(result: CliResult): T {
  if (result.code !== 0) throw new Error(`intake exited ${result.code}: ${result.stderr}\n${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

export interface UpProcess {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
}

/** Starts `intake up` as a child process and waits until it says it is running. */
export async function startUp(
  globalArgs: string[],
  upArgs: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<UpProcess> {
  const child = spawn(TSX, [CLI, ...globalArgs, 'up', ...upArgs], {
    cwd: REPO_ROOT,
    env: { ...process.env, TMPDIR: await makeProcessTmpdir(), ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes('intake is running')) {
    if (child.exitCode !== null) throw new Error(`intake up exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`intake up did not start within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const [code] = (await once(child, 'exit')) as [number | null];
      clearTimeout(timer);
      return code;
    },
  };
}
