import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsQueueDepths } from '#adapters/sqs-queue-depths.ts';
import { startTestRuntime, type TestRuntime } from '../../helpers/local-runtime.ts';
import { ScriptedWorker } from '../../helpers/scripted-worker.ts';
import { waitFor } from '../../helpers/wait.ts';
import { measureBacklog } from '#workflow/queue-backlog.ts';

describe('queue backlog measured over the wire', () => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => runtime?.dispose());

  it('counts a waiting job, then the same job held by a worker', async () => {
    const depths = new SqsQueueDepths(runtime.clients.sqs);
    expect(await measureBacklog(runtime.config.queuePrefix, depths)).toMatchObject({
      inputQueues: 0,
      waitingJobs: 0,
    });

    await runtime.putEmail({ subject: 'Waiting' });
    const waiting = await waitFor('the job to wait on its queue', async () => {
      const sample = await measureBacklog(runtime.config.queuePrefix, depths);
      return sample.waitingJobs === 1 ? sample : undefined;
    });
    expect(waiting).toMatchObject({ inputQueues: 1, runningJobs: 0, deadLetterMessages: 0 });

    const worker = new ScriptedWorker(runtime.clients, runtime.config);
    const job = await waitFor('the job', () => worker.nextJob('amelia', 'scott', 1));
    expect(await measureBacklog(runtime.config.queuePrefix, depths)).toMatchObject({
      waitingJobs: 0,
      runningJobs: 1,
    });
    await worker.succeed(job);
  });
});
