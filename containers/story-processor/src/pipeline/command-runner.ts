import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner } from '../ports.ts';

export interface CommandRunnerOptions {
  /** The whole environment the commands see: never the worker's own (it holds credentials). */
  env: Record<string, string>;
  /** Output kept per command: the first third and the last two thirds of this many bytes. */
  maxOutputBytes: number;
}

/**
 * Runs a project's validation command with `/bin/sh -c` in its own process group, so that a timeout or
 * an abort kills everything it started. Commands come from project settings only.
 */
export function createCommandRunner(options: CommandRunnerOptions): CommandRunner {
  return {
    run({ command, cwd, timeoutMs, signal }) {
      return new Promise<CommandResult>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const started = Date.now();
        const capture = new OutputCapture(options.maxOutputBytes);
        const child = spawn('/bin/sh', ['-c', command], {
          cwd,
          env: options.env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
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
        }, timeoutMs);
        const onAbort = (): void => killGroup();
        signal.addEventListener('abort', onAbort, { once: true });
        child.stdout.on('data', (chunk: Buffer) => capture.add(chunk));
        child.stderr.on('data', (chunk: Buffer) => capture.add(chunk));
        child.on('error', (error) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          reject(error);
        });
        child.on('close', (code) => {
          clearTimeout(timer);
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
    },
  };
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
