import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner } from '../ports.ts';

export interface CommandRunnerOptions {
  /** The whole environment the commands see: never the worker's own (it holds credentials). */
  env: Record<string, string>;
  /** Output kept per command: the first third and the last two thirds of this many bytes. */
  maxOutputBytes: number;
}

export interface ProcessLaunch {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Open file descriptors handed to the child as fd 3, 4, … (bubblewrap's --bind-fd). */
  extraFds?: number[];
  /** Start the process as this uid and gid (no supplementary groups); the worker must be root. */
  uid?: number;
  timeoutMs: number;
  signal: AbortSignal;
  maxOutputBytes: number;
  /**
   * Kills what may have left the process group (setsid, double fork); called when the leader exits,
   * times out or is aborted.
   */
  reap?: () => Promise<void>;
}

/** How long output pipes may stay open after the leader exited (held by a leftover) before they are cut. */
const PIPE_GRACE_MS = 500;

/**
 * Runs a project's validation command with `/bin/sh -c` in its own process group, so that a timeout or
 * an abort kills everything it started — unsandboxed: the sandbox (src/sandbox/) wraps this for jobs.
 * Commands come from project settings only.
 */
export function createCommandRunner(options: CommandRunnerOptions): CommandRunner {
  return {
    run: ({ command, cwd, timeoutMs, signal }) =>
      runProcess({
        file: '/bin/sh',
        args: ['-c', command],
        cwd,
        env: options.env,
        timeoutMs,
        signal,
        maxOutputBytes: options.maxOutputBytes,
      }),
  };
}

/**
 * Spawns one process as the leader of a new process group; on timeout or abort the whole group gets
 * SIGKILL. Rejects with the signal's reason on abort; a timeout resolves with `timedOut`.
 */
export function runProcess(launch: ProcessLaunch): Promise<CommandResult> {
  const { signal, timeoutMs } = launch;
  return new Promise<CommandResult>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const started = Date.now();
    const capture = new OutputCapture(launch.maxOutputBytes);
    const child = spawn(launch.file, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      ...(launch.uid === undefined ? {} : { uid: launch.uid, gid: launch.uid }),
      stdio: ['ignore', 'pipe', 'pipe', ...(launch.extraFds ?? [])],
    });
    let timedOut = false;
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
      reap();
    }, timeoutMs);
    const reap = (): void => void launch.reap?.().catch(() => undefined);
    const onAbort = (): void => {
      killGroup();
      reap();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (chunk: Buffer) => capture.add(chunk));
    child.stderr?.on('data', (chunk: Buffer) => capture.add(chunk));
    let pipeTimer: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      reap();
      pipeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_GRACE_MS);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      clearTimeout(pipeTimer);
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(pipeTimer);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(signal.reason);
      const note = timedOut ? `\n[killed after ${Math.round(timeoutMs / 1000)} s time limit]` : '';
      resolve({
        exitCode: code,
        timedOut,
        durationMs: Date.now() - started,
        output: capture.text() + note,
      });
    });
  });
}

/** Keeps the head and the tail of a stream, counting what it dropped. */
class OutputCapture {
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private dropped = 0;
  private readonly headMax: number;
  private readonly tailMax: number;

  constructor(maxBytes: number) {
    this.headMax = Math.floor(maxBytes / 3);
    this.tailMax = maxBytes - this.headMax;
  }

  add(chunk: Buffer): void {
    let rest = chunk;
    if (this.head.length < this.headMax) {
      const take = rest.subarray(0, this.headMax - this.head.length);
      this.head = Buffer.concat([this.head, take]);
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0) return;
    const combined = Buffer.concat([this.tail, rest]);
    const excess = Math.max(0, combined.length - this.tailMax);
    this.dropped += excess;
    this.tail = combined.subarray(excess);
  }

  text(): string {
    const middle = this.dropped > 0 ? `\n… [${this.dropped} bytes cut] …\n` : '';
    return `${this.head.toString('utf8')}${middle}${this.tail.toString('utf8')}`;
  }
}
