/**
 * Sandbox start overhead per validation command: `true` run bare (sh in its own process group) and in
 * each sandbox mode this machine can start, on a small worktree. Run alone: `npx tsx bench/sandbox.ts`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runProcess } from '../containers/story-processor/src/pipeline/command-runner.ts';
import type { CommandRunner } from '../containers/story-processor/src/ports.ts';
import { DEFAULT_SANDBOX_POLICY } from '../containers/story-processor/src/sandbox/sandbox-policy.ts';
import { createSandboxedCommandRunner } from '../containers/story-processor/src/sandbox/sandboxed-runner.ts';
import { median, ms, percentile, printTable, type BenchRow } from './lib/stats.ts';

const RUNS = 40;
const PATH_ENV = '/usr/local/bin:/usr/bin:/bin';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function timeRuns(run: () => Promise<unknown>): Promise<number[]> {
  await run(); // warm-up (and the runner's one-off probe)
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples;
}

export async function benchSandbox(): Promise<BenchRow[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-sandbox-'));
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => writeFile(path.join(dir, `file-${i}.ts`), 'export {};\n')),
  );
  const signal = new AbortController().signal;
  const bare = await timeRuns(() =>
    runProcess({
      file: '/bin/sh',
      args: ['-c', 'true'],
      cwd: dir,
      env: { PATH: PATH_ENV },
      timeoutMs: 10_000,
      signal,
      maxOutputBytes: 4096,
    }),
  );
  const rows: BenchRow[] = [{ benchmark: 'sandbox', metric: 'bare `true` median', value: ms(median(bare)) }];
  const asRoot = process.getuid?.() === 0;
  for (const mode of ['bwrap', 'uid'] as const) {
    if (mode === 'uid' && !asRoot) continue;
    const runner: CommandRunner = createSandboxedCommandRunner({
      defaultMode: mode,
      pathEnv: PATH_ENV,
      maxOutputBytes: 4096,
      log: quiet,
      uidModeSharesNetwork: true,
    });
    const samples = await timeRuns(() =>
      runner.run({ command: 'true', cwd: dir, timeoutMs: 10_000, signal, policy: DEFAULT_SANDBOX_POLICY }),
    );
    const label = `${mode}${asRoot ? ' (worker as root: lent uid, chown of 50 files)' : ''}`;
    rows.push(
      { benchmark: 'sandbox', metric: `${label} \`true\` median`, value: ms(median(samples)) },
      { benchmark: 'sandbox', metric: `${label} \`true\` p95`, value: ms(percentile(samples, 95)) },
      {
        benchmark: 'sandbox',
        metric: `${mode} start overhead median (target ≤ 50 ms)`,
        value: ms(median(samples) - median(bare)),
      },
    );
  }
  await rm(dir, { recursive: true, force: true });
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchSandbox());
}
