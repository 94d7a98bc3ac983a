import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '#local/outbox/outbox.ts';
import { AMELIA, startTestRuntime, type TestRuntime } from '../../helpers/local-runtime.ts';
import { makeProcessTmpdir } from '../../helpers/temp-dirs.ts';
import { waitFor } from '../../helpers/wait.ts';
import { OFFLINE_VALIDATION_COMMAND } from '../../../containers/story-processor/src/models/offline-provider.ts';
import type { JobFinished } from '../../../containers/story-processor/src/scheduler/scheduler.ts';
import type { WorkerHandle } from '../../../containers/story-processor/src/start-worker.ts';
import { startLocalWorker } from '#local/local-worker.ts';

const git = promisify(execFile);
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const WORKER_MAIN = fileURLToPath(
  new URL('../../../containers/story-processor/src/main.ts', import.meta.url),
);

const checked = { name: 'offline-check', command: OFFLINE_VALIDATION_COMMAND, timeoutSeconds: 20 };

describe('the story-processing worker with the real workflow', () => {
  let runtime: TestRuntime;
  let worker: WorkerHandle | undefined;
  const finished: JobFinished[] = [];
  const workspaceRoot = () => join(runtime.dataDir, 'workspaces');

  const startInProcessWorker = async () =>
    startLocalWorker(runtime, runtime.dataDir, {
      pollWaitSeconds: 1,
      discoveryIntervalMs: 500,
      interruptWaitSeconds: 1,
      logLevel: 'ERROR',
      onJobFinished: (job) => finished.push(job),
    });

  const execution = (jobId: string) => runtime.describeExecution(jobId);
  const ended = (jobId: string, timeoutMs = 60_000) => runtime.executionEnded(jobId, timeoutMs);
  const jobRecord = (projectId: string, jobId: string) => runtime.jobRecord(projectId, jobId);

  /** Commits on a thread's branch, oldest first, with the trailers the worker writes. */
  const branchLog = async (projectId: string, threadId: string) => {
    const { stdout } = await git('git', [
      `--git-dir=${join(workspaceRoot(), projectId, 'repo.git')}`,
      'log',
      '--reverse',
      '--format=%H %(trailers:key=Intake-Job,valueonly,separator=)|%(trailers:key=Intake-Story,valueonly,separator=)',
      `intake/${threadId}`,
    ]);
    return stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [hash = '', rest = ''] = line.split(' ');
        const [job = '', story = ''] = rest.split('|');
        return { hash, job: job.trim(), story: story.trim() };
      })
      .filter((commit) => commit.job !== '');
  };

  beforeAll(async () => {
    runtime = await startTestRuntime({
      projects: [
        AMELIA,
        {
          id: 'late',
          users: ['lee'],
          allowedSenders: ['scott@example.com'],
          settings: { heartbeatSeconds: 2, leaseSeconds: 3, jobTimeoutSeconds: 60 },
        },
        {
          id: 'checked',
          users: ['sam'],
          allowedSenders: ['scott@example.com'],
          settings: {
            heartbeatSeconds: 10,
            leaseSeconds: 5,
            jobTimeoutSeconds: 120,
            validationCommands: [checked],
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await runtime?.dispose();
  });

  it('runs a job whose worker starts long after the email, past the run heartbeat', async () => {
    // Scale-out from zero: the job waits in its queue with no worker; only the queue-wait limit counts.
    const email = await runtime.putEmail({ to: 'late.lee@intake.localhost', subject: 'Nobody home yet' });
    const queuedAt = await waitFor('the job to be queued', async () =>
      (await jobRecord('late', email.jobId))?.outcome === 'queued' ? Date.now() : undefined,
    );
    // Three run heartbeats; a timer may fire a millisecond early by Date.now(), so wait by the clock.
    while (Date.now() - queuedAt < 6_000) {
      await new Promise((resolve) => setTimeout(resolve, 6_050 - (Date.now() - queuedAt)));
    }
    expect((await execution(email.jobId)).status).toBe('RUNNING');

    worker = await startInProcessWorker();
    expect((await ended(email.jobId)).status).toBe('SUCCEEDED');
    expect((await jobRecord('late', email.jobId))?.outcome).toBe('succeeded');
  }, 60_000);

  it('turns a three-story spec into three commits on the thread branch, a success and a reply', async () => {
    worker ??= await startInProcessWorker();
    const email = await runtime.putEmail({
      subject: 'Three stories',
      text: '1. Add a README\n2. Add a greeting module\n3. Add a test',
    });
    expect((await ended(email.jobId)).status).toBe('SUCCEEDED');
    const record = await jobRecord('amelia', email.jobId);
    expect(record?.outcome).toBe('succeeded');
    const threadId = record?.threadId as string;
    const commits = await branchLog('amelia', threadId);
    expect(commits.map((commit) => commit.job)).toEqual([email.jobId, email.jobId, email.jobId]);
    expect(commits.map((commit) => commit.story)).toEqual(['1', '2', '3']);
    const outbox = await waitFor('the completion reply', async () =>
      (await listOutbox(runtime.dataDir)).find((entry) => entry.subject.includes('Three stories')),
    );
    expect(outbox.to).toEqual(['scott@example.com']);
  });

  it('is interrupted by a reply mid-job, and the reply resumes the same thread branch', async () => {
    worker ??= await startInProcessWorker();
    const first = await runtime.putEmail({
      subject: 'Slow spec',
      text: '1. One [offline:slow=800]\n2. Two [offline:slow=800]\n3. Three [offline:slow=800]\n4. Four [offline:slow=800]',
    });
    await waitFor('the first job to run', async () =>
      (await jobRecord('amelia', first.jobId))?.workerId ? true : undefined,
    );
    const reply = await runtime.putEmail({
      subject: 'Re: Slow spec',
      inReplyTo: first.messageId,
      text: '1. Only this instead',
    });
    expect((await ended(first.jobId)).status).toBe('SUCCEEDED');
    expect(await jobRecord('amelia', first.jobId)).toMatchObject({
      outcome: 'interrupted',
      interruptedBy: reply.jobId,
    });
    expect((await ended(reply.jobId)).status).toBe('SUCCEEDED');

    const threadId = (await jobRecord('amelia', reply.jobId))?.threadId as string;
    expect((await jobRecord('amelia', first.jobId))?.threadId).toBe(threadId);
    const commits = await branchLog('amelia', threadId);
    expect(commits.at(-1)?.job).toBe(reply.jobId);
    expect(commits.filter((commit) => commit.job === first.jobId).length).toBeLessThan(4);
    // The reply policy: finish-job says the first job was interrupted; its worker adds no final reply.
    await waitFor('the worker to finish both jobs', () =>
      [first, reply].every(({ jobId }) => finished.some((job) => job.jobId === jobId)) ? true : undefined,
    );
    const finals = (await listOutbox(runtime.dataDir))
      .filter((entry) => entry.subject.includes('Slow spec') && !entry.preview.includes('Got it'))
      .map((entry) => entry.subject);
    expect(finals.filter((subject) => subject.includes('[Interrupted]'))).toEqual([
      'Re: [Interrupted] Slow spec',
    ]);
    expect(finals).toHaveLength(2); // and the reply's own completion
  }, 90_000);

  it('ends a story whose validation keeps failing in Job.Failed, with the validation output in the cause', async () => {
    worker ??= await startInProcessWorker();
    const email = await runtime.putEmail({
      to: 'checked.sam@intake.localhost',
      subject: 'Broken',
      text: '1. Never passes [offline:fail-always]',
    });
    const described = await ended(email.jobId);
    expect(described).toMatchObject({ status: 'FAILED', error: 'Job.Failed' });
    expect(described.cause).toContain('INTAKE-OFFLINE-FAILURE');
    expect(await jobRecord('checked', email.jobId)).toMatchObject({ outcome: 'failed', error: 'Job.Failed' });
    // The reply policy: the worker answers its own failure, finish-job (which ran before the
    // execution ended) leaves Job.Failed to it. The worker is done once it has replied.
    await waitFor('the worker to finish the job', () => finished.find((job) => job.jobId === email.jobId));
    const replies = (await listOutbox(runtime.dataDir)).filter((entry) => entry.subject.includes('Broken'));
    expect(replies.map((entry) => entry.subject)).toEqual(['Re: Broken', 'Re: Broken']);
    expect(replies[0]?.preview).toContain('Got it');
    expect(replies[1]?.preview).toContain('could not be completed');
  }, 60_000);

  it('stops a job whose heartbeat answers TaskTimedOut, without reporting success', async () => {
    worker ??= await startInProcessWorker();
    const email = await runtime.putEmail({
      subject: 'Stopped from outside',
      text: '1. A [offline:slow=600]\n2. B [offline:slow=600]\n3. C [offline:slow=600]\n4. D [offline:slow=600]',
    });
    await waitFor('the job to run', async () =>
      (await jobRecord('amelia', email.jobId))?.workerId ? true : undefined,
    );
    await runtime.clients.sfn.send(
      new StopExecutionCommand({ executionArn: runtime.executionArnOf(email.jobId), error: 'Operator.Stop' }),
    );
    const stopped = await waitFor('the worker to give the job up', () =>
      finished.find((job) => job.jobId === email.jobId),
    );
    expect(stopped.result.kind).not.toBe('succeeded');
    expect((await execution(email.jobId)).status).toBe('ABORTED');
    expect((await jobRecord('amelia', email.jobId))?.outcome).not.toBe('succeeded');
  }, 60_000);

  it('finishes a job after the worker is killed with SIGKILL mid-job, without redoing committed stories', async () => {
    await worker?.stop();
    worker = undefined;
    let workerErrors = '';
    const env = {
      ...process.env,
      ...runtime.environment,
      WORKSPACE_ROOT: workspaceRoot(),
      WORKER_ID: 'worker-killed',
      TMPDIR: await makeProcessTmpdir(),
      WORKER_VISIBILITY_SECONDS: '4',
      WORKER_DISCOVERY_INTERVAL_MS: '500',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    };
    const startProcess = (): ChildProcess => {
      const child = spawn(TSX, [WORKER_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (chunk: Buffer) => (workerErrors += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (workerErrors += chunk.toString()));
      return child;
    };
    let child = startProcess();
    const email = await runtime.putEmail({
      to: 'checked.sam@intake.localhost',
      subject: 'Survive a crash',
      text: '1. First [offline:slow=400]\n2. Second [offline:slow=1500]\n3. Third [offline:slow=400]',
    });
    const threadId = await waitFor(
      'the first story to be committed',
      async () => {
        const record = await jobRecord('checked', email.jobId);
        if (!record?.threadId) return undefined;
        const commits = await branchLog('checked', record.threadId as string).catch(() => []);
        return commits.length >= 1 ? (record.threadId as string) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    ).catch(async (error: Error) => {
      const described = await execution(email.jobId).catch((e: unknown) => String(e));
      throw new Error(
        `${error.message}\nexecution: ${JSON.stringify(described)}\nworker output:\n${workerErrors}`,
      );
    });
    child.kill('SIGKILL');
    await once(child, 'exit');

    child = startProcess();
    try {
      expect((await ended(email.jobId, 90_000)).status).toBe('SUCCEEDED');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    const commits = await branchLog('checked', threadId);
    const stories = commits.filter((commit) => commit.job === email.jobId).map((commit) => commit.story);
    expect(stories).toEqual(['1', '2', '3']);
  }, 150_000);
});
