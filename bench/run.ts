import { bundleTargetKiB } from '../lib/bundling.ts';
import { printTable, speedRatio, type BenchRow } from './lib/stats.ts';
import { benchBundles } from './bundles.ts';
import { benchHostileSizes } from './hostile-sizes.ts';
import { benchCli } from './cli.ts';
import { benchInterrupt } from './interrupt.ts';
import { benchPickup } from './pickup.ts';
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
  pickup: () => benchPickup(20),
  worker: () => benchWorker(),
  interrupt: () => benchInterrupt(20),
  sandbox: () => benchSandbox(),
  agent: () => benchAgent(),
  throughput: () => benchThroughput(200, 50),
  'hostile-sizes': () => benchHostileSizes(),
  cli: () => benchCli(),
  repository: () => benchRepository(),
  bundles: async () => {
    const deployed = await benchBundles({ print: false });
    const fromRuntime = await benchBundles({ print: false, sdk: 'from-runtime' });
    const bare = deployed.bareNode.firstEventMs;
    return deployed.figures.flatMap((figure) => {
      const other = fromRuntime.figures.find((f) => f.handler === figure.handler);
      const target = bundleTargetKiB(figure.handler);
      return [
        {
          benchmark: `bundle ${figure.handler}`,
          metric: 'size (gzip)',
          value: `${(figure.bytes / 1024).toFixed(0)} KiB (${(figure.gzipBytes / 1024).toFixed(0)} KiB)`,
          anchor: `target ≤ ${target} KiB`,
          ratio: `${(figure.bytes / 1024 / target).toFixed(2)}× the target`,
        },
        {
          benchmark: `bundle ${figure.handler}`,
          metric: 'fresh process: import / first event',
          value: `${figure.importMs.toFixed(0)} / ${figure.firstEventMs.toFixed(0)} ms (${figure.outcome})`,
          anchor: `bare node ${bare} ms; target ≤ 100 ms; AWS seed 0.8–2.1 s`,
          ratio: `+${figure.firstEventMs - bare} ms over bare node; ${speedRatio(figure.firstEventMs, AWS_COLD_START_MS)}`,
        },
        {
          benchmark: `bundle ${figure.handler}`,
          metric: 'same, SDK from the runtime (not deployed)',
          value: other
            ? `${(other.bytes / 1024).toFixed(0)} KiB; ${other.firstEventMs.toFixed(0)} ms (${other.outcome})`
            : '—',
          anchor: 'the bundled SDK (deployed)',
          ratio: other ? `${(other.firstEventMs / figure.firstEventMs).toFixed(1)}× the time` : '—',
        },
      ];
    });
  },
};

const only = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(benchmarks)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.error(`running ${name}…`);
  rows.push(...(await run()));
}
printTable(rows);
