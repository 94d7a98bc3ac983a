import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFileOf, loadLocalCredentials } from '#local/edge/local-credentials.ts';
import { freePort, runCli, startUp, type UpProcess } from '../helpers/cli-process.ts';

const AWS = '/usr/bin/aws';
const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('local credentials: one pair per data folder, owner-only', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'intake-credentials-'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('makes a pair on first use, keeps it, and tightens a loosened file', async () => {
    const dataDir = join(root, 'data');
    const first = await loadLocalCredentials(dataDir);
    expect(first.accessKeyId).toMatch(/^LKIA[A-Z2-7]{16}$/);
    expect(first.secretAccessKey.length).toBeGreaterThanOrEqual(40);
    expect(await modeOf(credentialsFileOf(dataDir))).toBe(0o600);
    await chmod(credentialsFileOf(dataDir), 0o644);
    expect(await loadLocalCredentials(dataDir)).toEqual(first);
    expect(await modeOf(credentialsFileOf(dataDir))).toBe(0o600);
    expect(await loadLocalCredentials(join(root, 'other'))).not.toEqual(first);
  });
});

describe('intake up: the default experience needs no extra step', () => {
  let dataDir: string;
  let up: UpProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intake-credentials-up-'));
    const [edge, smtp, console] = await Promise.all([freePort(), freePort(), freePort()]);
    up = await startUp(
      ['-d', dataDir],
      [
        '--edge-port',
        String(edge),
        '--smtp-port',
        String(smtp),
        '--console-port',
        String(console),
        '--forge-port',
        String(await freePort()),
        '--no-worker',
      ],
    );
  }, 90_000);
  afterAll(async () => {
    await up?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the access key and where the secret is, never the secret', async () => {
    const credentials = await loadLocalCredentials(dataDir);
    expect(up.output()).toContain(credentials.accessKeyId);
    expect(up.output()).toContain(credentialsFileOf(dataDir));
    expect(up.output()).not.toContain(credentials.secretAccessKey);
    expect(await modeOf(join(dataDir, 'runtime.json'))).toBe(0o600);
  });

  it('CLI commands sign with the runtime credentials, whatever AWS credentials the shell holds', async () => {
    const result = await runCli(['-d', dataDir, 'projects', 'list', '--json'], {
      env: {
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_SESSION_TOKEN: 'a-real-account-session',
      },
    });
    expect(result.stderr).not.toContain('intake:');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toContainEqual(expect.objectContaining({ id: 'amelia' }));
  });

  it.skipIf(!existsSync(AWS))('intake env gives the AWS CLI what it needs', async () => {
    const exported = await runCli(['-d', dataDir, 'env']);
    expect(exported.code).toBe(0);
    const env: Record<string, string> = {};
    for (const line of exported.stdout.trim().split('\n')) {
      const match = /^export (\w+)='(.*)'$/.exec(line);
      expect(match, line).not.toBeNull();
      env[match![1]!] = match![2]!;
    }
    expect(Object.keys(env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_DEFAULT_REGION',
      'AWS_ENDPOINT_URL',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
    ]);
    // --endpoint-url as well: AWS CLI releases before 2.13 ignore AWS_ENDPOINT_URL, and this test
    // must never reach past loopback.
    const endpoint = env.AWS_ENDPOINT_URL ?? '';
    expect(new URL(endpoint).hostname).toBe('127.0.0.1');
    const args = ['--endpoint-url', endpoint, 'dynamodb', 'list-tables', '--output', 'json'];
    const { stdout } = await promisify(execFile)(AWS, args, {
      env: { PATH: process.env.PATH, HOME: dataDir, AWS_PAGER: '', ...env },
    });
    expect((JSON.parse(stdout) as { TableNames: string[] }).TableNames).toContain('intake-projects');
  });
});
