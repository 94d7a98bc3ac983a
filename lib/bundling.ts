import type { BuildOptions } from 'esbuild';
import { Charset, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * One esbuild configuration for every Lambda: CDK's `NodejsFunction` uses {@link LAMBDA_BUNDLING}
 * and the bundle benchmark uses {@link esbuildOptionsLikeCdk}, so the benchmark measures what is
 * deployed. Everything is bundled (the AWS SDK too: pinned versions, tree-shaken), as ESM for Node 20+.
 */
export const ESBUILD_TARGET = 'node20';

/** CommonJS dependencies bundled into ESM still call `require` for Node built-ins. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

export const LAMBDA_BUNDLING: BundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Node reads every module as UTF-8: no \u escapes for non-ASCII text (charset tables, regexes).
  charset: Charset.UTF8,
  format: OutputFormat.ESM,
  target: ESBUILD_TARGET,
  mainFields: ['module', 'main'],
  externalModules: [],
  banner: ESM_REQUIRE_BANNER,
  // Deterministic output: no build time or absolute paths in the bundle.
  keepNames: false,
  forceDockerBundling: false,
};

/**
 * Minified size targets of the Lambda bundles in KiB (issue 10): the code file alone, its source map
 * is a file of its own beside it. The parser carries mailparser and its charset tables.
 */
export const bundleTargetKiB = (handler: string): number => (handler === 'parse-email' ? 900 : 350);

/** The same build as {@link LAMBDA_BUNDLING}, for esbuild's JavaScript API (what CDK runs as a CLI). */
export const esbuildOptionsLikeCdk = (entry: string, outfile: string): BuildOptions => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: ESBUILD_TARGET,
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  charset: 'utf8',
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  logLevel: 'warning',
  metafile: true,
});
