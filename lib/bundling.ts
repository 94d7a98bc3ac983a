import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';

/**
 * The one esbuild build of a Lambda handler. CDK's asset bundling (lib/constructs/lambda-asset.ts),
 * `npm run build` and the bundle benchmark all call {@link bundleLambda}, so what is measured is
 * what is deployed. Everything is bundled, the AWS SDK too (pinned by the lock file, tree-shaken),
 * as minified ESM for Node 20+, with the source map in a file of its own.
 *
 * Four things make the SDK part small (see lambdas/README.md, "Lean bundles"):
 * - {@link sdkSchemaKeysPlugin}: lets esbuild drop the schemas of operations a handler never sends;
 * - {@link sdkPackageVersionPlugin}: keeps only the version of a client's package.json;
 * - {@link noEventStreamsPlugin}: leaves event-stream support out when no client in the bundle has it;
 * - {@link LAMBDA_CREDENTIALS_ALIAS}: on Lambda the credentials are always the execution role's
 *   environment variables, so the default chain (SSO, profiles, STS, IMDS…) is left out.
 */
export const ESBUILD_TARGET = 'node20';

/** CommonJS dependencies bundled into ESM still call `require` for Node built-ins. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The SDK's default credential chain, replaced by the environment-only provider in Lambda bundles. */
export const LAMBDA_CREDENTIALS_ALIAS = {
  '@aws-sdk/credential-provider-node': path.join(PROJECT_ROOT, 'shared/runtime/lambda-credentials.ts'),
};

/**
 * The SDK's generated schema modules (`@aws-sdk/client-<service>/dist-es/schemas/schemas_0.js`) write every
 * operation as `[9, n0, _Op, { [_h]: [...] }, …]`. esbuild treats a computed key as a possible side
 * effect, so it keeps every operation of the service and, through them, every shape (aws-sdk-js-v3
 * issue 7607, fix proposed in smithy-typescript PR 1889). The keys are module constants holding a
 * string literal; writing the literal in their place changes no value and lets the unused ones go.
 */
export const inlineSchemaKeys = (source: string): string => {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm))
    if (name && literal) strings.set(name, literal);
  return source.replace(/\[(_\w+)\]:/g, (key, name: string) => strings.get(name)?.concat(':') ?? key);
};

export const sdkSchemaKeysPlugin: Plugin = {
  name: 'sdk-schema-keys',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => ({
      contents: inlineSchemaKeys(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

/**
 * Each SDK client imports its whole package.json (2–3 KiB of scripts, dependencies and such) for one
 * field, `version`, which goes into the user agent (`packageInfo.version` is the only field any
 * `@aws-sdk` package reads). A JSON default import is kept whole, so the
 * bundle gets a package.json that holds the version alone: the value read is the same.
 */
export const sdkPackageVersionPlugin: Plugin = {
  name: 'sdk-package-version',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8')) as { version?: unknown };
      if (typeof version !== 'string') throw new Error(`${args.path} has no version`);
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

const EVENT_STREAMS = '@smithy/core/event-streams';
/** The files of the module itself: in a bundle's output only when a client imports it statically. */
const EVENT_STREAMS_FILE = /@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]event-streams[\\/]/;

/**
 * The SDK's protocols load event-stream support lazily, `await import('@smithy/core/event-streams')`,
 * for an operation that streams events (S3 SelectObjectContent, Lambda InvokeWithResponseStream). A
 * one-file bundle inlines the lazy import: 19 KiB in every handler. A client that has such an
 * operation imports the module itself, statically ({@link bundleLambda} then builds without this
 * plugin); when none does, no operation in the bundle streams events, and the lazy import gets a
 * module that fails with its cause instead.
 */
export const noEventStreamsPlugin: Plugin = {
  name: 'no-event-streams',
  setup(builder) {
    builder.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: EVENT_STREAMS, namespace: 'no-event-streams' } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'no-event-streams' }, () => ({
      contents: `throw new Error(${JSON.stringify(
        `${EVENT_STREAMS} is left out of this Lambda bundle: none of its SDK clients has an event-stream operation (lib/bundling.ts)`,
      )});`,
      loader: 'js',
    }));
  },
};

/**
 * Minified size targets of the Lambda bundles in KiB (issue 10): the code file alone, its source map
 * is a file of its own beside it. The parser carries the MIME parser and its charset decoding.
 */
export const bundleTargetKiB = (handler: string): number => (handler === 'parse-email' ? 900 : 350);

export interface LambdaBuildChoices {
  /**
   * Leave the AWS SDK out and use the one the Lambda Node.js runtime ships (what `NodejsFunction`
   * does by default). Only the bundle benchmark sets it, to compare; the CDK app bundles the SDK.
   */
  readonly sdkFromRuntime?: boolean;
  /**
   * Bundle the SDK's event-stream support for the lazy import too ({@link noEventStreamsPlugin}).
   * {@link bundleLambda} sets it when a client in the bundle has event-stream operations.
   */
  readonly eventStreams?: boolean;
}

/** The esbuild options of one handler's bundle. */
export const lambdaBuildOptions = (
  entry: string,
  outfile: string,
  choices: LambdaBuildChoices = {},
): BuildOptions => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: ESBUILD_TARGET,
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // Node reads every module as UTF-8: no \u escapes for non-ASCII text (charset tables, regexes).
  charset: 'utf8',
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  logLevel: 'warning',
  metafile: true,
  // Deterministic output: no build time or absolute paths in the bundle.
  keepNames: false,
  ...(choices.sdkFromRuntime
    ? { external: ['@aws-sdk/*'] }
    : {
        alias: LAMBDA_CREDENTIALS_ALIAS,
        plugins: [
          sdkSchemaKeysPlugin,
          sdkPackageVersionPlugin,
          ...(choices.eventStreams ? [] : [noEventStreamsPlugin]),
        ],
      }),
});

/** Whether the bundle holds the SDK's event-stream support (a client in it imports it itself). */
export const bundlesEventStreams = (metafile: Metafile): boolean =>
  Object.values(metafile.outputs).some((output) =>
    Object.entries(output.inputs).some(
      ([input, { bytesInOutput }]) => bytesInOutput > 0 && EVENT_STREAMS_FILE.test(input),
    ),
  );

/** Builds one handler's bundle (`outfile` and `outfile.map`); returns esbuild's metafile. */
export const bundleLambda = async (
  entry: string,
  outfile: string,
  choices: LambdaBuildChoices = {},
): Promise<Metafile> => {
  const { metafile } = await build(lambdaBuildOptions(entry, outfile, choices));
  if (!metafile) throw new Error(`esbuild returned no metafile for ${entry}`);
  if (choices.eventStreams || choices.sdkFromRuntime || !bundlesEventStreams(metafile)) return metafile;
  return bundleLambda(entry, outfile, { ...choices, eventStreams: true });
};
