/**
 * Builds the `intake` command into `dist/cli/` (run by `prepare`, so `npm install` leaves it ready):
 * one ESM bundle per command, loaded on demand, so a quick command starts in plain Node without
 * compiling TypeScript. Files the sources find beside themselves (`new URL(…, import.meta.url)`,
 * `import.meta.dirname`) are still found: each module's `import.meta` points at its source file.
 */
import { chmod, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { ESBUILD_TARGET, ESM_REQUIRE_BANNER } from '../lib/bundling.ts';

export const CLI_OUTDIR = join('dist', 'cli');
const ENTRY = join('bin', 'intake.ts');
const root = resolve('.');

/** `import.meta.url` / `import.meta.dirname` of each project module, as if it ran from its source. */
const sourceLocations: Plugin = {
  name: 'source-locations',
  setup(context) {
    context.onLoad({ filter: /\.ts$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      if (args.path === resolve(ENTRY)) contents = contents.replace(/^#!.*\n/, '');
      const fromBundle = relative(resolve(CLI_OUTDIR), args.path).split('\\').join('/');
      contents = contents
        .replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`)
        .replaceAll(
          'import.meta.dirname',
          `__cliDirname(new URL(${JSON.stringify(fromBundle)}, import.meta.url))`,
        );
      return { contents, loader: 'ts', resolveDir: dirname(args.path) };
    });
  },
};

await rm(CLI_OUTDIR, { recursive: true, force: true });
const result = await build({
  entryPoints: { intake: ENTRY },
  outdir: CLI_OUTDIR,
  bundle: true,
  splitting: true,
  platform: 'node',
  target: ESBUILD_TARGET,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Packages with native parts or files of their own stay in node_modules; they serve `intake up`.
  external: ['dynalite', 's3rver', 'local-aws-sqs', 'smtp-server', 'asl-validator', 'playwright-core'],
  banner: {
    js: [
      '#!/usr/bin/env node',
      ESM_REQUIRE_BANNER,
      "import { dirname as __cliDirnameOf } from 'node:path';import { fileURLToPath as __cliPath } from 'node:url';const __cliDirname = (url) => __cliDirnameOf(__cliPath(url));",
    ].join('\n'),
  },
  plugins: [sourceLocations],
  logLevel: 'warning',
  absWorkingDir: root,
});
const entry = join(CLI_OUTDIR, 'intake.mjs');
await chmod(entry, 0o755);
if (result.errors.length === 0) console.log(`built ${entry}`);
