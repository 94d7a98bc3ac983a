import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { REPO_ROOT } from './cli-process.ts';
import { makeProcessTmpdir } from './temp-dirs.ts';

export interface NodeProcess {
  child: ChildProcess;
  output: () => string;
  /** SIGKILL: the process dies at once, no shutdown code runs. */
  kill(): Promise<void>;
  /** A clean stop with `signal` (SIGKILL after 20 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs a TypeScript entry point in ONE node process (`node --import tsx`, not the `tsx` binary, which
 * forks a second process that a SIGKILL of the first leaves running) and waits until its output
 * contains `readyText`.
 */
export async function startNodeScript(
  script: string,
  args: string[],
  readyText: string,
  env: NodeJS.ProcessEnv = {},
): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TMPDIR: await makeProcessTmpdir(), ...env },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes(readyText)) {
    if (child.exitCode !== null) throw new Error(`${script} exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not start within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const exit = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    child,
    output: () => output,
    kill: () => exit('SIGKILL'),
    stop: (signal = 'SIGTERM') => exit(signal),
  };
}
