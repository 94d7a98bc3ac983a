import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, startUp, type UpProcess } from '../helpers/cli-process.ts';
import { readRuntimeInfo } from '#local/cli/runtime-info.ts';

const run = promisify(execFile);

/** `npm run smoke` exactly as CI and the README call it, against a running `intake up`. */
const smoke = async (endpoint: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env) => {
  try {
    const { stdout, stderr } = await run(
      'npm',
      ['run', '-s', 'smoke', '--', '--endpoint', endpoint, '--timeout', '90', ...extra],
      { cwd: REPO_ROOT, env },
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
  let edgePort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intake-smoke-up-'));
    const [smtp, edge, consolePort, forge] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    edgePort = edge;
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

  it('takes the AWS path against the edge endpoint: SES SendEmail in, the replies back through SES receiving', async () => {
    // The names come from the environment, as against a deployed stack without outputs: here the
    // runtime's own variables (tables, state machine, mail domain, the local key pair).
    const runtime = await readRuntimeInfo(dataDir);
    const result = await smoke(`http://127.0.0.1:${edgePort}`, ['--to', 'amelia.scott@intake.localhost'], {
      ...process.env,
      ...runtime?.environment,
      AWS_PROFILE: '',
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(
      /^sent +[\d.]+ s +SES message \S+ to amelia\.scott@intake\.localhost on http:/m,
    );
    expect(result.stdout).toMatch(/^finished +[\d.]+ s +SUCCEEDED$/m);
    expect(result.stdout).toMatch(/^commits +[\d.]+ s +2, pull request http:\/\/127\.0\.0\.1:\d+\//m);
    expect(result.stdout).toMatch(/^replies +[\d.]+ s +2 received back \(ignored, ignored\)$/m);
    expect(result.stdout).toMatch(/^smoke test passed in [\d.]+ s$/m);
  }, 240_000);

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
