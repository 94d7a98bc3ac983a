/**
 * Sandbox start overhead per validation command: `true` run bare (sh in its own process group) and in
 * each sandbox start this machine can do, alternated so both see the same load, on a small worktree;
 * with the load average, since this machine is shared. Run alone: `npx tsx bench/sandbox.ts`.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runProcess } from '../containers/story-processor/src/pipeline/command-runner.ts';
import type { CommandRunner, SandboxPolicy } from '../containers/story-processor/src/ports.ts';
import { DEFAULT_SANDBOX_POLICY } from '../containers/story-processor/src/sandbox/sandbox-policy.ts';
import { createSandboxedCommandRunner } from '../containers/story-processor/src/sandbox/sandboxed-runner.ts';
import { median, ms, percentile, printTable, type BenchRow } from './lib/stats.ts';

const RUNS = 40;
const TARGET_MS = 50;
const PATH_ENV = '/usr/local/bin:/usr/bin:/bin';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const signal = new AbortController().signal;

/** A worktree of 50 small files; `reachable` lets the lent uid pass through its parent (0711). */
async function worktree(reachable: boolean): Promise<string> {
  const base = await mkdtemp(path.join(tmpdir(), 'bench-sandbox-'));
  await chmod(base, reachable ? 0o711 : 0o700);
  const dir = path.join(base, 'worktree');
  await mkdir(dir);
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => writeFile(path.join(dir, `file-${i}.ts`), 'export {};\n')),
  );
  return dir;
}

const bare = (dir: string) =>
  runProcess({
    file: '/bin/sh',
    args: ['-c', 'true'],
    cwd: dir,
    env: { PATH: PATH_ENV },
    timeoutMs: 10_000,
    signal,
    maxOutputBytes: 4096,
  });

/** Alternates bare and sandboxed runs, so that both see the same load; answers both sample sets. */
async function timeAgainstBare(
  dir: string,
  runner: CommandRunner,
  policy: SandboxPolicy,
): Promise<{ bare: number[]; boxed: number[] }> {
  const boxed = () => runner.run({ command: 'true', cwd: dir, timeoutMs: 10_000, signal, policy });
  await boxed(); // warm-up (and the runner's one-off probe)
  const samples = { bare: [] as number[], boxed: [] as number[] };
  for (let i = 0; i < RUNS; i += 1) {
    let started = performance.now();
    await bare(dir);
    samples.bare.push(performance.now() - started);
    started = performance.now();
    await boxed();
    samples.boxed.push(performance.now() - started);
  }
  return samples;
}

const loadAverage = (): string =>
  loadavg()
    .map((load) => load.toFixed(1))
    .join(' / ');

export async function benchSandbox(): Promise<BenchRow[]> {
  const asRoot = process.getuid?.() === 0;
  const rows: BenchRow[] = [
    {
      benchmark: 'sandbox',
      metric: 'load average 1/5/15 min at start',
      value: loadAverage(),
      anchor: `${cpus().length} cores`,
    },
  ];
  interface Case {
    mode: 'bwrap' | 'uid';
    reachable: boolean;
    label: string;
    policy?: SandboxPolicy;
  }
  const cases: Case[] = [
    {
      mode: 'bwrap',
      reachable: true,
      label: asRoot ? 'bwrap (as the lent uid, user namespace)' : 'bwrap (user namespace)',
    },
    {
      mode: 'bwrap',
      reachable: true,
      label: 'bwrap with a network allowlist (egress proxy + socat bridge)',
      policy: { ...DEFAULT_SANDBOX_POLICY, network: { allow: ['registry.npmjs.org:443'] } },
    },
    ...(asRoot
      ? ([
          { mode: 'bwrap', reachable: false, label: 'bwrap (started as root, setpriv to the lent uid)' },
          { mode: 'uid', reachable: true, label: 'uid (setpriv, no namespaces)' },
        ] satisfies Case[])
      : []),
  ];
  for (const { mode, reachable, label, policy = DEFAULT_SANDBOX_POLICY } of cases) {
    const dir = await worktree(reachable);
    const runner = createSandboxedCommandRunner({
      defaultMode: mode,
      pathEnv: PATH_ENV,
      maxOutputBytes: 4096,
      log: quiet,
      uidModeSharesNetwork: true,
    });
    const samples = await timeAgainstBare(dir, runner, policy);
    const overhead = median(samples.boxed) - median(samples.bare);
    rows.push(
      { benchmark: 'sandbox', metric: `${label}: bare \`true\` median`, value: ms(median(samples.bare)) },
      {
        benchmark: 'sandbox',
        metric: `${label}: \`true\` median / p95${asRoot ? ' (incl. lending 50 files)' : ''}`,
        value: `${ms(median(samples.boxed))} / ${ms(percentile(samples.boxed, 95))}`,
      },
      {
        benchmark: 'sandbox',
        metric: `${label}: start overhead median`,
        value: ms(overhead),
        anchor: `target ≤ ${TARGET_MS} ms`,
        ratio: `${(overhead / TARGET_MS).toFixed(2)}× the target`,
      },
    );
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
  rows.push({ benchmark: 'sandbox', metric: 'load average 1/5/15 min at end', value: loadAverage() });
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchSandbox());
}
