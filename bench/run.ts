import { printTable, type BenchRow } from './lib/stats.ts';
import { benchWorkflow } from './workflow.ts';

/**
 * `npm run bench`: every benchmark, one after the other, printed as one table. Figures are for
 * comparison between runs on the same machine, not pass/fail thresholds.
 */
const benchmarks: Record<string, () => Promise<BenchRow[]>> = {
  workflow: () => benchWorkflow(100),
};

const only = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(benchmarks)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.error(`running ${name}…`);
  rows.push(...(await run()));
}
printTable(rows);
