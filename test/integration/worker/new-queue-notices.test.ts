import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMELIA, startTestRuntime, type TestRuntime } from '../../helpers/local-runtime.ts';
import { startLocalWorker } from '#local/local-worker.ts';
import type { WorkerHandle } from '../../../containers/story-processor/src/start-worker.ts';

/**
 * A new project-user's input queue is created by ClaimJob while the worker runs; the worker learns of
 * it from the notice ClaimJob sends, not from its periodic ListQueues (here once an hour).
 */
describe('new input queues announced to the worker', () => {
  let runtime: TestRuntime;
  let worker: WorkerHandle | undefined;

  beforeAll(async () => {
    runtime = await startTestRuntime({
      projects: [AMELIA, { id: 'fresh', users: ['fay'], allowedSenders: ['scott@example.com'] }],
    });
    worker = await startLocalWorker(runtime, runtime.dataDir, {
      pollWaitSeconds: 1,
      discoveryIntervalMs: 3_600_000,
      interruptWaitSeconds: 1,
      logLevel: 'ERROR',
    });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await runtime?.dispose();
  });

  it('runs the first job of a project-user whose queue did not exist when the worker started', async () => {
    expect(await worker?.refreshQueues()).toEqual([]);
    const email = await runtime.putEmail({ to: 'fresh.fay@intake.localhost', subject: 'First' });
    const done = await runtime.executionEnded(email.jobId, 60_000);
    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
  }, 90_000);
});
