import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestRuntime } from '../test/helpers/local-runtime.ts';
import { median, ms, printTable, speedRatio, type BenchRow } from './lib/stats.ts';

const COMPILED_CLI = join('dist', 'cli', 'intake.mjs');
const RUNS = 7;

/** Wall time of one command to its exit; fails on a non-zero exit. */
const timed = (command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(performance.now() - started)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-300)}`)),
    );
  });

const medianOf = async (run: () => Promise<number>): Promise<number> => {
  await run(); // warm the file cache
  const samples: number[] = [];
  for (let index = 0; index < RUNS; index++) samples.push(await run());
  return median(samples);
};

/**
 * The same call from both command-line tools against one local runtime: `intake executions list`
 * (the compiled CLI, as `npx intake` runs it) and `aws stepfunctions list-executions`.
 */
export async function benchCli(): Promise<BenchRow[]> {
  const name = 'list executions (same call, same runtime)';
  if (!existsSync(COMPILED_CLI))
    return [{ benchmark: name, metric: 'intake executions list', value: 'not built: npm run build:cli' }];
  const runtime = await startTestRuntime();
  try {
    const env = { ...process.env, ...runtime.environment };
    const ours = await medianOf(() =>
      timed(process.execPath, [COMPILED_CLI, '-d', runtime.dataDir, 'executions', 'list'], env),
    );
    const aws = await medianOf(() =>
      timed(
        'aws',
        [
          'stepfunctions',
          'list-executions',
          '--state-machine-arn',
          runtime.config.stateMachineArn,
          '--endpoint-url',
          runtime.endpoint,
        ],
        env,
      ),
    ).catch(() => Number.NaN);
    return [
      {
        benchmark: name,
        metric: 'intake executions list',
        value: ms(ours),
        anchor: Number.isNaN(aws)
          ? 'AWS CLI not found'
          : `aws stepfunctions list-executions ${ms(aws)}; target ≤ 300 ms`,
        ratio: speedRatio(ours, aws),
      },
    ];
  } finally {
    await runtime.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchCli());
}
