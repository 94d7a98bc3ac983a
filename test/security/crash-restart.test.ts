import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { FINAL_OUTCOMES, type JobOutcome } from '#contracts/tables.ts';
import { freePort, jsonOf, REPO_ROOT, runCli } from '../helpers/cli-process.ts';
import { makeProcessTmpdir } from '../helpers/temp-dirs.ts';
import { waitFor } from '../helpers/wait.ts';

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/intake.ts', import.meta.url));
const BURST = 30;
const KILL_AFTER = 12;

interface JobItem {
  pk: string;
  sk: string;
  outcome: JobOutcome;
  messageId?: string;
}

/**
 * `intake up` in its own process group (tsx runs node as a child), so that SIGKILL takes the whole
 * runtime down at once, as a crash would, and nothing of it is left running.
 */
async function startRuntime(dataDir: string, ports: string[]): Promise<ChildProcess> {
  const child = spawn(TSX, [CLI, '-d', dataDir, 'up', ...ports], {
    cwd: REPO_ROOT,
    env: { ...process.env, TMPDIR: await makeProcessTmpdir() },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('intake is running')) {
    if (child.exitCode !== null) throw new Error(`intake up exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await killGroup(child, 'SIGKILL');
      throw new Error(`intake up did not start within 90 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

async function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid, signal);
  await exited;
}

describe('crash: SIGKILL during a burst over SMTP, then a restart on the same data folder', () => {
  let dataDir: string | undefined;
  let runtime: ChildProcess | undefined;

  afterAll(async () => {
    if (runtime) {
      await killGroup(runtime, 'SIGINT').catch(() => undefined);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('ends every email that got 250 in exactly one recorded outcome', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intake-crash-'));
    const [edge, smtp, consolePort] = [await freePort(), await freePort(), await freePort()];
    const ports = [
      '--edge-port',
      String(edge),
      '--smtp-port',
      String(smtp),
      '--console-port',
      String(consolePort),
      '--forge-port',
      String(await freePort()),
    ];
    const cli = (args: string[]) => runCli(['-d', dataDir!, ...args]);
    runtime = await startRuntime(dataDir, ports);
    jsonOf(
      await cli([
        'projects',
        'add',
        'crash',
        '--user',
        'u0',
        'u1',
        'u2',
        'u3',
        'u4',
        '--allow',
        '@example.com',
        '--json',
      ]),
    );

    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtp,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 6,
    });
    const accepted: string[] = [];
    const crashed = runtime;
    let killing: Promise<void> | undefined;
    await Promise.allSettled(
      Array.from({ length: BURST }, async (_, index) => {
        const messageId = `crash-${index}-${Date.now()}@example.com`;
        const info = await transport.sendMail({
          from: `sender${index}@example.com`,
          to: `crash.u${index % 5}@intake.localhost`,
          subject: `Burst ${index}`,
          messageId: `<${messageId}>`,
          text: '1. Add a README\n2. Add a module',
        });
        if (!/^250 /.test(info.response)) return;
        accepted.push(messageId);
        // The crash is triggered by the test's own count of 250s, not by a timer.
        if (accepted.length === KILL_AFTER) killing = killGroup(crashed, 'SIGKILL');
      }),
    );
    transport.close();
    await killing;
    expect(crashed.signalCode).toBe('SIGKILL');
    expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER);

    runtime = await startRuntime(dataDir, ports);
    const outcomes = await waitFor(
      `a final outcome for each of the ${accepted.length} accepted emails`,
      async () => {
        const items = jsonOf<JobItem[]>(await cli(['jobs', '--json'])).filter((item) => item.messageId);
        const done = accepted.every((messageId) =>
          items.some((item) => item.messageId === messageId && FINAL_OUTCOMES.includes(item.outcome)),
        );
        return done ? items : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 2_000 },
    );
    for (const messageId of accepted) {
      expect(outcomes.filter((item) => item.messageId === messageId)).toHaveLength(1);
    }
    const tally = new Map<string, number>();
    for (const item of outcomes) tally.set(item.outcome, (tally.get(item.outcome) ?? 0) + 1);
    console.info(
      `crash check: ${accepted.length} of ${BURST} got 250; outcomes ${JSON.stringify([...tally])}`,
    );
  }, 420_000);
});
