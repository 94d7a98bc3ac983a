/**
 * `npm run build`: bundles every Lambda handler (lib/bundling.ts, as the CDK app does) and the worker into
 * `dist/`, so what is deployed can be inspected and run with plain Node.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildWorker } from '../containers/story-processor/build.ts';
import { HANDLER_NAMES } from '#contracts/functions.ts';
import { bundleLambda, bundleTargetKiB } from '../lib/bundling.ts';
import { handlerEntry } from '../lib/handlers.ts';

const outdir = 'dist';
// Only what this script builds: `dist/cli` is the installed command (bin/build-cli.ts).
for (const folder of ['lambdas', 'story-processor'])
  await rm(join(outdir, folder), { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const kib = async (file: string): Promise<number> => (await stat(file)).size / 1024;

for (const name of HANDLER_NAMES) {
  const outfile = join(outdir, 'lambdas', name, 'index.mjs');
  await bundleLambda(handlerEntry('lambdas', name), outfile);
  const size = await kib(outfile);
  const target = bundleTargetKiB(name);
  console.log(
    `built ${outfile.padEnd(42)} ${size.toFixed(0).padStart(5)} KiB  target ≤ ${target} KiB  ${size <= target ? 'ok' : `${(size / target).toFixed(1)}× over`}  (map ${(await kib(`${outfile}.map`)).toFixed(0)} KiB apart)`,
  );
}
const { bundle: worker } = await buildWorker(join(outdir, 'story-processor'));
console.log(`built ${worker} (+ prompts/, as in the worker image)`);
