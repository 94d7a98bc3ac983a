import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bundleLambda,
  bundleTargetKiB,
  inlineSchemaKeys,
  lambdaBuildOptions,
} from '../../../lib/bundling.ts';
import { handlerEntry } from '../../../lib/handlers.ts';
import { HANDLER_NAMES } from '#contracts/functions.ts';
import { defaultProvider } from '#runtime/lambda-credentials.ts';

const workdir = mkdtempSync(path.join(tmpdir(), 'intake-bundling-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** Bundles a small program that lives outside the project as a handler is bundled; returns the file. */
const bundleProgram = async (name: string, code: string, withLambdaOptions = true): Promise<string> => {
  const entry = path.join(workdir, `${name}.mjs`);
  writeFileSync(entry, code);
  const outfile = path.join(workdir, `${name}.out.mjs`);
  // The program lives outside the project: resolve the SDK from the project's node_modules.
  const options = { ...lambdaBuildOptions(entry, outfile), nodePaths: [path.resolve('node_modules')] };
  await build(withLambdaOptions ? options : { ...options, plugins: [], alias: {} });
  return outfile;
};

/** Bundles a one-line program that sends SES v2 `SendEmail` only; returns the code. */
const bundleSendEmailOnly = async (withLambdaOptions: boolean): Promise<string> =>
  readFileSync(
    await bundleProgram(
      `send-${withLambdaOptions}`,
      "import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';\n" +
        'export const send = (input) => new SESv2Client({}).send(new SendEmailCommand(input));\n',
      withLambdaOptions,
    ),
    'utf8',
  );

describe('the Lambda build', () => {
  it('writes string-constant schema keys as literals and leaves every other key alone', () => {
    const source = [
      'const _h = "http";',
      'const _e = "error";',
      'let _x = compute();',
      'export var Op$ = [9, n0, _Op, { [_h]: ["POST", "/", 200] }, () => In$];',
      'export var Err$ = [-3, n0, _E, { [_e]: _c, [_x]: 1 }, [], []];',
    ].join('\n');
    const rewritten = inlineSchemaKeys(source);
    expect(rewritten).toContain('{ "http": ["POST", "/", 200] }');
    expect(rewritten).toContain('{ "error": _c, [_x]: 1 }');
    expect(rewritten.split('\n').slice(0, 3)).toEqual(source.split('\n').slice(0, 3));
  });

  it("keeps only the operations a handler sends (SES v2's other schemas go)", async () => {
    const lean = await bundleSendEmailOnly(true);
    expect(lean).toContain('/v2/email/outbound-emails');
    expect(lean).not.toContain('BatchGetMetricData');
    // Without the rewrite esbuild keeps every operation (aws-sdk-js-v3 issue 7607). When this starts
    // failing, the SDK has fixed it upstream and the plugin can go.
    expect(await bundleSendEmailOnly(false)).toContain('BatchGetMetricData');
  }, 60_000);

  it("keeps only the version of an SDK client's package.json, for the user agent", async () => {
    const { version } = JSON.parse(
      readFileSync(path.resolve('node_modules/@aws-sdk/client-sesv2/package.json'), 'utf8'),
    ) as { version: string };
    const lean = await bundleSendEmailOnly(true);
    expect(lean).toContain(`version:"${version}"`);
    expect(lean).not.toContain('AWS SDK for JavaScript Sesv2 Client');
    expect(await bundleSendEmailOnly(false)).toContain('AWS SDK for JavaScript Sesv2 Client');
  }, 60_000);

  it('leaves event-stream support out when no client has an event-stream operation', async () => {
    const lean = await bundleSendEmailOnly(true);
    expect(lean).not.toContain(':event-type');
    expect(lean).toContain('left out of this Lambda bundle');
    // What a lazy import of it then does: fail, and say why.
    const loader = await bundleProgram(
      'load-event-streams',
      "export const load = () => import('@smithy/core/event-streams');\n",
    );
    const { load } = (await import(pathToFileURL(loader).href)) as { load: () => Promise<unknown> };
    await expect(load()).rejects.toThrow(/left out of this Lambda bundle: none of its SDK clients/);
  }, 60_000);

  it('keeps event-stream support, for the lazy import too, where a client has it (S3 in intake)', async () => {
    const outfile = path.join(workdir, 'intake', 'index.mjs');
    await bundleLambda(handlerEntry('lambdas', 'intake'), outfile);
    const code = readFileSync(outfile, 'utf8');
    expect(code).toContain(':event-type');
    expect(code).not.toContain('left out of this Lambda bundle');
  }, 60_000);

  it.each(HANDLER_NAMES)(
    'bundles %s within its size target',
    async (handler) => {
      const outfile = path.join(workdir, 'handlers', handler, 'index.mjs');
      await bundleLambda(handlerEntry('lambdas', handler), outfile);
      const kib = statSync(outfile).size / 1024;
      expect(kib).toBeLessThanOrEqual(bundleTargetKiB(handler));
      // The source map is a file of its own, without the sources.
      expect(readFileSync(outfile, 'utf8').trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(
        true,
      );
      const map = JSON.parse(readFileSync(`${outfile}.map`, 'utf8')) as { sourcesContent?: unknown };
      expect(map.sourcesContent).toBeUndefined();
    },
    60_000,
  );

  it("takes the role's credentials from the environment, as Lambda provides them", async () => {
    const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
    const saved = names.map((name) => process.env[name]);
    try {
      process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      process.env.AWS_SESSION_TOKEN = 'session';
      await expect(defaultProvider()()).resolves.toMatchObject({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'session',
      });
      delete process.env.AWS_ACCESS_KEY_ID;
      await expect(defaultProvider()()).rejects.toThrow(/environment/i);
    } finally {
      names.forEach((name, index) => {
        const value = saved[index];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      });
    }
  });
});
