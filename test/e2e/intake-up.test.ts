import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, jsonOf, runCli, startUp, type UpProcess } from '../helpers/cli-process.ts';
import { waitFor } from '../helpers/wait.ts';
import { projectQueueNames } from '#contracts/identifiers.ts';

const run = promisify(execFile);
const SWAKS = '/usr/bin/swaks';

interface Execution {
  name: string;
  status: string;
  error?: string;
}
interface JobItem {
  pk: string;
  sk: string;
  outcome: string;
  messageId?: string;
  summary?: { commits?: string[]; stories?: unknown[] };
  branch?: string;
  pullRequest?: { number: number; url: string };
}

describe.skipIf(!existsSync(SWAKS))('intake up, driven over SMTP and the CLI', () => {
  let dataDir: string;
  let up: UpProcess;
  let smtpPort: number;
  let edgePort: number;
  let consolePort: number;
  let forgePort: number;
  const upArgs = () => [
    '--forge-port',
    String(forgePort),
    '--edge-port',
    String(edgePort),
    '--smtp-port',
    String(smtpPort),
    '--console-port',
    String(consolePort),
  ];
  const cli = (args: string[], input?: string) => runCli(['-d', dataDir, ...args], { input });

  const executionDone = (jobId: string, timeoutMs = 60_000) =>
    waitFor(
      `execution ${jobId}`,
      async () => {
        const result = await cli(['executions', 'describe', jobId, '--json']);
        if (result.code !== 0) return undefined;
        const execution = jsonOf<Execution>(result);
        return execution.status === 'RUNNING' ? undefined : execution;
      },
      { timeoutMs, intervalMs: 500 },
    );

  const jobsOf = async (project: string) =>
    jsonOf<JobItem[]>(await cli(['jobs', '--project', project, '--json']));

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intake-up-'));
    [smtpPort, edgePort, consolePort, forgePort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    up = await startUp(['-d', dataDir], upArgs());
  }, 90_000);

  afterAll(async () => {
    await up?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints every endpoint and a line to try', () => {
    expect(up.output()).toContain(`http://127.0.0.1:${edgePort}`);
    expect(up.output()).toContain(`127.0.0.1:${smtpPort}`);
    expect(up.output()).toContain('amelia.scott@intake.localhost');
    expect(up.output()).toContain(`http://127.0.0.1:${consolePort}`);
    expect(up.output()).toContain('intake -- send');
  });

  it('turns a spec sent with swaks into three commits, a succeeded execution and a reply', async () => {
    const messageId = `swaks-${Date.now()}@example.com`;
    const swaks = await run(SWAKS, [
      '--server',
      `127.0.0.1:${smtpPort}`,
      '--from',
      'scott@example.com',
      '--to',
      'amelia.scott@intake.localhost',
      '--header',
      'Subject: Three stories',
      '--header',
      `Message-Id: <${messageId}>`,
      '--body',
      '1. Add a README\n2. Add a greeting module\n3. Add a test for the greeting',
    ]);
    expect(swaks.stdout).toMatch(/<- +250 Ok: queued as/);
    const { sk: jobId } = await waitFor('the job record', async () =>
      (await jobsOf('amelia')).find((item) => item.messageId === messageId),
    );
    expect((await executionDone(jobId)).status).toBe('SUCCEEDED');

    const job = (await jobsOf('amelia')).find((item) => item.sk === jobId);
    expect(job?.outcome).toBe('succeeded');
    expect(job?.summary?.commits).toHaveLength(3);
    // The demo project is bound to the local forge: the branch is pushed and a pull request is open.
    expect(job?.branch).toMatch(/^intake\//);
    expect(job?.pullRequest?.url).toBe(
      `http://127.0.0.1:${forgePort}/amelia/demo/pull/${job?.pullRequest?.number}`,
    );
    const page = await fetch(job?.pullRequest?.url ?? '');
    const html = await page.text();
    expect(html).toContain('ready for review');
    expect(html).toContain('- [x] 3. Add a test for the greeting');

    const outbox = await waitFor('the completion reply', async () => {
      const entries = jsonOf<{ to: string[]; subject: string }[]>(await cli(['outbox', '--json']));
      return entries.find((entry) => entry.subject.includes('Three stories')) ?? undefined;
    });
    expect(outbox.to).toContain('scott@example.com');
  }, 120_000);

  it('binds a project to a GitLab-style repository with projects add --pull-requests gitlab', async () => {
    const forge = `http://127.0.0.1:${forgePort}`;
    const added = await cli([
      'projects',
      'add',
      'gitlabbed',
      '--user',
      'gail',
      '--allow',
      'scott@example.com',
      '--repo',
      `${forge}/amelia/demo.git`,
      '--repo-token-file',
      join(dataDir, 'forge', 'token'),
      '--pull-requests',
      'gitlab',
      '--api-url',
      forge,
    ]);
    expect(added.code).toBe(0);
    const sent = jsonOf<{ jobId: string }>(
      await cli(
        ['send', '--json', '--to', 'gitlabbed.gail@intake.localhost', '--subject', 'Via GitLab'],
        '1. Add a note',
      ),
    );
    expect((await executionDone(sent.jobId)).status).toBe('SUCCEEDED');
    const job = (await jobsOf('gitlabbed')).find((item) => item.sk === sent.jobId);
    expect(job?.pullRequest?.url).toMatch(new RegExp(`^${forge}/amelia/demo/-/merge_requests/\\d+$`));
    const html = await (await fetch(job?.pullRequest?.url ?? '')).text();
    expect(html).toContain('ready for review');
    expect(html).toContain('- [x] 1. Add a note');
  }, 120_000);

  it('follows a job with send --follow: states, story progress, exit code 0 on success', async () => {
    const followed = await cli(
      ['send', '--subject', 'Followed', '--follow'],
      '1. Add a README\n2. Add a module',
    );
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('TaskStateEntered  QueueJob');
    expect(followed.stdout).toMatch(/story 1\/2 committed: Add a README [0-9a-f]{12}/);
    expect(followed.stdout).toContain('status:   SUCCEEDED');
  }, 60_000);

  it('lets a reply interrupt the running job, which then runs the reply', async () => {
    const added = await cli(['projects', 'add', 'slow', '--user', 'sam', '--allow', 'scott@example.com']);
    expect(added.code).toBe(0);

    const first = jsonOf<{ jobId: string; messageId: string }>(
      await cli(
        ['send', '--json', '--to', 'slow.sam@intake.localhost', '--subject', 'Long spec'],
        // Story two holds the job (ten minutes unless interrupted), so the reply always finds it running.
        '1. One\n2. Two [offline:slow=600000]\n3. Three\n4. Four',
      ),
    );
    await waitFor(
      'the first job to be running',
      async () => {
        const history = jsonOf<{ type: string }[]>(
          await cli(['executions', 'history', first.jobId, '--json']),
        );
        return history.some((event) => event.type === 'TaskSubmitted') ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    const reply = jsonOf<{ jobId: string }>(
      await cli(
        [
          'send',
          '--json',
          '--to',
          'slow.sam@intake.localhost',
          '--subject',
          'Re: Long spec',
          '--reply-to',
          first.messageId,
        ],
        'Only do one and two.',
      ),
    );

    expect((await executionDone(first.jobId)).status).toBe('SUCCEEDED');
    expect((await executionDone(reply.jobId, 90_000)).status).toBe('SUCCEEDED');
    const jobs = await jobsOf('slow');
    expect(jobs.find((job) => job.sk === first.jobId)?.outcome).toBe('interrupted');
    expect(jobs.find((job) => job.sk === reply.jobId)?.outcome).toBe('succeeded');
  }, 150_000);

  it('refuses mail for another domain at RCPT', async () => {
    const refused = await run(SWAKS, [
      '--server',
      `127.0.0.1:${smtpPort}`,
      '--from',
      'scott@example.com',
      '--to',
      'someone@elsewhere.example',
      '--body',
      'hello',
    ]).catch((error: { code: number; stdout: string }) => error);
    expect(refused).toMatchObject({ code: expect.any(Number) });
    expect((refused as { stdout: string }).stdout).toMatch(/<\*\* 550 5\.7\.1/);
  });

  it('lists executions and queues for scripts, and keeps its data across a restart', async () => {
    const before = jsonOf<Execution[]>(await cli(['executions', 'list', '--json']));
    expect(before.length).toBeGreaterThanOrEqual(3);
    const queues = jsonOf<{ name: string }[]>(await cli(['queues', '--json']));
    expect(queues.map((queue) => queue.name)).toContain(projectQueueNames('intake', 'amelia', 'scott').input);
    expect(await up.stop()).toBe(0);

    up = await startUp(['-d', dataDir], upArgs());
    const after = jsonOf<Execution[]>(await cli(['executions', 'list', '--json']));
    expect(after.map((execution) => execution.name).sort()).toEqual(
      before.map((execution) => execution.name).sort(),
    );
    const busy = await startUp(
      ['-d', `${dataDir}-second`],
      ['--edge-port', String(edgePort), '--smtp-port', '0'],
    ).catch((error: Error) => error);
    expect(String(busy)).toContain(`Port ${edgePort} (AWS edge endpoint) is already in use`);
    await rm(`${dataDir}-second`, { recursive: true, force: true });
  }, 120_000);
});
