import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineSchemaKeys, lambdaBuildOptions } from '../../../lib/bundling.ts';
import { defaultProvider } from '../../../lambdas/shared/runtime/lambda-credentials.ts';

const workdir = mkdtempSync(path.join(tmpdir(), 'intake-bundling-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** Bundles a one-line program that sends SES v2 `SendEmail` only; returns the code. */
const bundleSendEmailOnly = async (withLambdaOptions: boolean): Promise<string> => {
  const entry = path.join(workdir, `send-${withLambdaOptions}.mjs`);
  writeFileSync(
    entry,
    "import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';\n" +
      'export const send = (input) => new SESv2Client({}).send(new SendEmailCommand(input));\n',
  );
  const outfile = path.join(workdir, `send-${withLambdaOptions}.out.mjs`);
  // The program lives outside the project: resolve the SDK from the project's node_modules.
  const options = { ...lambdaBuildOptions(entry, outfile), nodePaths: [path.resolve('node_modules')] };
  await build(withLambdaOptions ? options : { ...options, plugins: [], alias: {} });
  return readFileSync(outfile, 'utf8');
};

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
