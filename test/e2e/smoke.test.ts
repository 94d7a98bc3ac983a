import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, startUp, type UpProcess } from '#test/cli-process';

const run = promisify(execFile);

/** `npm run smoke` exactly as CI and the README call it, against a running `intake up`. */
const smoke = async (endpoint: string) => {
  try {
    const { stdout, stderr } = await run(
      'npm',
      ['run', '-s', 'smoke', '--', '--endpoint', endpoint, '--timeout', '90'],
      { cwd: REPO_ROOT },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
};

describe('npm run smoke against the local runtime', () => {
  let dataDir: string;
  let up: UpProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intake-smoke-up-'));
    const [smtp, edge, consolePort, forge] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    up = await startUp(
      ['-d', dataDir],
      ['--smtp-port', smtp, '--edge-port', edge, '--console-port', consolePort, '--forge-port', forge].map(
        String,
      ),
    );
  }, 90_000);

  afterAll(async () => {
    await up?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('sends a spec, sees it succeed with commits, a pull request and a reply, and prints timings', async () => {
    const result = await smoke(dataDir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^accepted +[\d.]+ s +job \S+$/m);
    expect(result.stdout).toMatch(/^execution +[\d.]+ s +SUCCEEDED$/m);
    expect(result.stdout).toMatch(/^commits +[\d.]+ s +2, pull request http:\/\/127\.0\.0\.1:\d+\//m);
    expect(result.stdout).toMatch(/^reply +[\d.]+ s +to scott@example\.com: /m);
    expect(result.stdout).toMatch(/^smoke test passed in [\d.]+ s$/m);
  }, 150_000);

  it('fails with a clear reason where no local runtime runs', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'intake-smoke-empty-'));
    try {
      const result = await smoke(empty);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`No running system found in ${empty}`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  }, 60_000);
});
