import { spawn, type ChildProcess } from 'node:child_process';

/** One program run to completion: no shell, an explicit environment, a time limit, bounded output. */
export interface LaunchRequest {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  maxBuffer: number;
}

export interface LaunchResult {
  /** The exit code; null when the program did not exit by itself (killed, or never started). */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** What went wrong, as `execFile` words it (non-zero exit, timeout, ENOENT); absent on success. */
  failure?: string;
}

export interface ProcessLauncher {
  run(request: LaunchRequest): Promise<LaunchResult>;
}

interface LaunchMessage extends LaunchRequest {
  id: number;
}

type ResultMessage = LaunchResult & { id: number };

/**
 * The helper's whole program, plain JavaScript run with `node -e` (so no file needs to ship with the
 * bundles): each request runs with `execFile`, and the answer says how it ended in plain data.
 */
const LAUNCHER_PROGRAM = `
const { execFile } = require('node:child_process');
process.on('message', ({ id, file, args, cwd, env, timeoutMs, maxBuffer }) => {
  const options = { cwd, env, timeout: timeoutMs, maxBuffer, encoding: 'utf8' };
  execFile(file, args, options, (error, stdout, stderr) => {
    if (!error) return process.send({ id, code: 0, signal: null, stdout, stderr });
    const code = typeof error.code === 'number' ? error.code : null;
    process.send({ id, code, signal: error.signal || null, stdout, stderr, failure: error.message });
  });
});
process.on('disconnect', () => process.exit(0));
`;

/**
 * Runs programs from a small helper process. Starting a program forks the process that starts it,
 * which blocks its event loop for as long as copying its memory map takes: for the worker (and the
 * local runtime, whose emulators share its process) that was a quarter of the main thread under load.
 * The helper is started on first use, holds the event loop only while a request is in flight, and is
 * started again if it dies (its in-flight requests fail, naming the cause).
 */
export function childProcessLauncher(): ProcessLauncher {
  let child: ChildProcess | undefined;
  let nextId = 1;
  const pending = new Map<number, (result: LaunchResult) => void>();

  const hold = (held: boolean) => {
    if (held) child?.channel?.ref();
    else child?.channel?.unref();
  };

  const start = (): ChildProcess => {
    const launched = spawn(process.execPath, ['-e', LAUNCHER_PROGRAM], {
      // Nothing of this process's environment (its secrets included) reaches the helper.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    launched.on('message', (message: ResultMessage) => {
      const settle = pending.get(message.id);
      pending.delete(message.id);
      if (pending.size === 0) hold(false);
      const { id: _id, ...result } = message;
      settle?.(result);
    });
    const lost = (cause: string) => {
      if (child !== launched) return;
      child = undefined;
      for (const settle of pending.values())
        settle({ code: null, signal: null, stdout: '', stderr: '', failure: cause });
      pending.clear();
    };
    launched.on('exit', (code, signal) =>
      lost(`the process launcher exited (${signal ?? `code ${String(code)}`}) while the program ran`),
    );
    launched.on('error', (error) => lost(`the process launcher failed: ${error.message}`));
    launched.unref();
    return launched;
  };

  return {
    run(request) {
      child ??= start();
      const id = nextId++;
      const running = child;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        hold(true);
        const message: LaunchMessage = { id, ...request };
        running.send(message, (error) => {
          if (!error || !pending.has(id)) return;
          pending.delete(id);
          resolve({
            code: null,
            signal: null,
            stdout: '',
            stderr: '',
            failure: `the process launcher: ${error.message}`,
          });
        });
      });
    },
  };
}

let shared: ProcessLauncher | undefined;

/** The process-wide launcher every git call of the worker goes through. */
export function sharedProcessLauncher(): ProcessLauncher {
  shared ??= childProcessLauncher();
  return shared;
}
