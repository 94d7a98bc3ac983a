import { bundleTargetKiB } from '../lib/bundling.ts';
import { printTable, speedRatio, type BenchRow } from './lib/stats.ts';
import { benchBundles } from './bundles.ts';
import { benchHostileSizes } from './hostile-sizes.ts';
import { benchCli } from './cli.ts';
import { benchInterrupt } from './interrupt.ts';
import { benchSandbox } from './sandbox.ts';
import { benchAgent } from './agent.ts';
import { benchRepository } from './repository.ts';
import { benchThroughput } from './throughput.ts';
import { benchWorker } from './worker.ts';
import { benchWorkflow } from './workflow.ts';

/** Seed figure: a Lambda cold start on AWS takes 0.8–2.1 s. */
const AWS_COLD_START_MS = 1_450;

/**
 * `npm run bench`: every benchmark, one after the other, printed as one table. Figures are for
 * comparison between runs on the same machine, not pass/fail thresholds.
 */
const benchmarks: Record<string, () => Promise<BenchRow[]>> = {
  workflow: () => benchWorkflow(100),
  worker: () => benchWorker(),
  interrupt: () => benchInterrupt(20),
  sandbox: () => benchSandbox(),
  agent: () => benchAgent(),
  throughput: () => benchThroughput(200, 50),
  'hostile-sizes': () => benchHostileSizes(),
  cli: () => benchCli(),
  repository: () => benchRepository(),
  bundles: async () =>
    (await benchBundles({ print: false })).flatMap((figure) => [
      {
        benchmark: `bundle ${figure.handler}`,
        metric: 'size (gzip)',
        value: `${(figure.bytes / 1024).toFixed(0)} KiB (${(figure.gzipBytes / 1024).toFixed(0)} KiB)`,
        anchor: `target ≤ ${bundleTargetKiB(figure.handler)} KiB`,
        ratio: `${(figure.bytes / 1024 / bundleTargetKiB(figure.handler)).toFixed(1)}× the target`,
      },
      {
        benchmark: `bundle ${figure.handler}`,
        metric: 'cold start: import',
        value: `${figure.importMs.toFixed(0)} ms`,
      },
      {
        benchmark: `bundle ${figure.handler}`,
        metric: 'cold start: first event',
        value: `${figure.firstEventMs.toFixed(0)} ms (${figure.outcome})`,
        anchor: 'AWS seed: cold start 0.8–2.1 s; target ≤ 100 ms',
        ratio: speedRatio(figure.firstEventMs, AWS_COLD_START_MS),
      },
    ]),
};

const only = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(benchmarks)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.error(`running ${name}…`);
  rows.push(...(await run()));
}
printTable(rows);
