import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { freePort, jsonOf, runCli } from '../helpers/cli-process.ts';
import { startNodeScript, type NodeProcess } from '../helpers/node-process.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/intake.ts', import.meta.url));
const startUp = (dataDir: string, upArgs: string[]) =>
  startNodeScript(CLI, ['-d', dataDir, 'up', ...upArgs], 'intake is running');

interface Execution {
  name: string;
  status: string;
}
interface JobItem {
  sk: string;
  outcome: string;
  summary?: { commits?: string[] };
}

describe('intake up killed with SIGKILL while a job runs', () => {
  let dataDir = '';
  let up: NodeProcess | undefined;
  afterAll(async () => {
    await up?.stop('SIGINT');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes the running job after a restart: same execution, one reply, no duplicate story', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intake-restart-'));
    const release = join(dataDir, 'release-validation');
    const [smtpPort, edgePort, consolePort] = [await freePort(), await freePort(), await freePort()];
    const upArgs = [
      '--edge-port',
      `${edgePort}`,
      '--smtp-port',
      `${smtpPort}`,
      '--console-port',
      `${consolePort}`,
      '--forge-port',
      `${await freePort()}`,
    ];
    const cli = (args: string[], input?: string) => runCli(['-d', dataDir, ...args], { input });
    up = await startUp(dataDir, upArgs);

    // The first story's validation holds until the test releases it: the job is running when killed.
    // It reads a file in the test's folder, which a sandboxed command cannot see: this test is about
    // the restart, so its project opts out of the sandbox.
    const hold = `while [ ! -e '${release}' ]; do sleep 0.2; done`;
    const settings = JSON.stringify({
      validationCommands: [{ name: 'hold', command: hold, timeoutSeconds: 300 }],
      sandbox: 'none',
    });
    const added = await cli([
      'projects',
      'add',
      'held',
      '--user',
      'sam',
      '--allow',
      'scott@example.com',
      '--settings',
      settings,
    ]);
    expect(added.code).toBe(0);
    const sent = jsonOf<{ jobId: string }>(
      await cli(
        ['send', '--json', '--to', 'held.sam@intake.localhost', '--subject', 'Held spec'],
        '1. Add a README\n2. Add a greeting module',
      ),
    );
    await waitFor(
      'the worker to be validating the first story',
      async () => {
        const { stdout } = await run('ps', ['-eo', 'args']);
        return stdout.includes(release) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    await up.kill();
    writeFileSync(release, '');
    up = await startUp(dataDir, upArgs);

    const execution = await waitFor(
      `execution ${sent.jobId} to finish`,
      async () => {
        const described = jsonOf<Execution>(await cli(['executions', 'describe', sent.jobId, '--json']));
        return described.status === 'RUNNING' ? undefined : described;
      },
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    expect(execution.status).toBe('SUCCEEDED');

    const history = jsonOf<{ type: string }[]>(await cli(['executions', 'history', sent.jobId, '--json']));
    const types = history.map((event) => event.type);
    expect(types).not.toContain('ExecutionRedriven');
    // One hand-off to the worker (QueueJob's send) and one run token (RunJob's write), none repeated.
    expect(types.filter((type) => type === 'TaskSubmitted')).toHaveLength(2);

    const jobs = jsonOf<JobItem[]>(await cli(['jobs', '--project', 'held', '--json']));
    const job = jobs.find((item) => item.sk === sent.jobId);
    expect(job?.outcome).toBe('succeeded');
    expect(job?.summary?.commits).toHaveLength(2);

    const replies = jsonOf<{ subject: string }[]>(await cli(['outbox', '--json'])).filter((entry) =>
      entry.subject.includes('Held spec'),
    );
    // The acknowledgement (sent once, before the kill) and the final reply: neither repeated.
    expect(replies).toHaveLength(2);
  }, 300_000);
});
