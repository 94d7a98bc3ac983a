/**
 * `npm run build`: bundles every Lambda handler (as CDK's NodejsFunction does) and the worker into
 * `dist/`, so what is deployed can be inspected and run with plain Node.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HANDLER_NAMES } from '../lambdas/shared/contracts/functions.ts';
import { esbuildOptionsLikeCdk } from '../lib/bundling.ts';
import { handlerEntry } from '../lib/handlers.ts';

const outdir = 'dist';
// Only what this script builds: `dist/cli` is the installed command (bin/build-cli.ts).
for (const folder of ['lambdas', 'story-processor'])
  await rm(join(outdir, folder), { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
for (const name of HANDLER_NAMES) {
  const outfile = join(outdir, 'lambdas', name, 'index.mjs');
  await build(esbuildOptionsLikeCdk(handlerEntry('lambdas', name), outfile));
  console.log(`built ${outfile}`);
}
const worker = join(outdir, 'story-processor', 'main.mjs');
await build(esbuildOptionsLikeCdk(join('containers', 'story-processor', 'src', 'main.ts'), worker));
console.log(`built ${worker}`);
