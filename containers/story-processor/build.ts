/**
 * Builds the worker as one ESM bundle plus its prompt templates. The Dockerfile's build stage runs
 * this file (`npx tsx containers/story-processor/build.ts /out`), `npm run build` and the tests import
 * it, so the image and what is tested come from the same esbuild configuration. The bundle is plain
 * JavaScript with every dependency inlined: it runs on any CPU, so building it on the build host's
 * platform is all the cross-targeting an ARM64 image needs.
 */
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';

const workerDir = dirname(fileURLToPath(import.meta.url));

export const WORKER_ENTRY = join(workerDir, 'src', 'main.ts');
export const WORKER_PROMPTS = join(workerDir, 'prompts');
/** Node major of the runtime image (`node:22-slim`). */
export const WORKER_ESBUILD_TARGET = 'node22';

/** CommonJS dependencies bundled into ESM still call `require` for Node built-ins. */
const requireBanner =
  "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

export const workerBuildOptions = (outfile: string): BuildOptions => ({
  entryPoints: [WORKER_ENTRY],
  outfile,
  bundle: true,
  platform: 'node',
  target: WORKER_ESBUILD_TARGET,
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: { js: requireBanner },
  // Nothing external: the runtime image has no node_modules.
  external: [],
  logLevel: 'warning',
  metafile: true,
});

/** Writes `<outdir>/main.mjs` and `<outdir>/prompts/`; returns the bundle's path and esbuild's metafile. */
export const buildWorker = async (outdir: string): Promise<{ bundle: string; metafile: Metafile }> => {
  await mkdir(outdir, { recursive: true });
  const bundle = join(outdir, 'main.mjs');
  const result = await build(workerBuildOptions(bundle));
  await cp(WORKER_PROMPTS, join(outdir, 'prompts'), { recursive: true });
  if (!result.metafile) throw new Error('esbuild returned no metafile');
  return { bundle, metafile: result.metafile };
};

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2];
  if (outdir === undefined) throw new Error('usage: tsx containers/story-processor/build.ts <outdir>');
  const { bundle } = await buildWorker(resolve(outdir));
  console.log(`built ${bundle}`);
}
