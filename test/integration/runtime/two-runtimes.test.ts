import { afterAll, describe, expect, it } from 'vitest';
import { ScriptedWorker } from '../../helpers/scripted-worker.ts';
import { startTestRuntime, type TestRuntime } from '../../helpers/local-runtime.ts';
import { waitFor } from '../../helpers/wait.ts';

/** One email through a runtime to a succeeded execution, answered by a scripted worker. */
async function runOneEmail(runtime: TestRuntime, subject: string): Promise<string> {
  const worker = new ScriptedWorker(runtime.clients, runtime.config);
  const email = await runtime.putEmail({ subject });
  const job = await waitFor(`a job on ${runtime.endpoint}`, () => worker.nextJob('amelia', 'scott', 1), {
    timeoutMs: 20_000,
  });
  expect(job.message.job.jobId).toBe(email.jobId);
  await worker.succeed(job);
  expect((await runtime.executionEnded(email.jobId)).status).toBe('SUCCEEDED');
  return email.jobId;
}

describe('two local runtimes in one process', () => {
  const started: TestRuntime[] = [];
  afterAll(async () => {
    for (const runtime of started) await runtime.dispose();
  });

  it('each runs its own emails with its own configuration, and neither touches the environment', async () => {
    const environmentBefore = { ...process.env };
    const first = await startTestRuntime();
    started.push(first);
    const firstJob = await runOneEmail(first, 'to the first runtime');

    const second = await startTestRuntime();
    started.push(second);
    expect(second.endpoint).not.toBe(first.endpoint);
    const secondJob = await runOneEmail(second, 'to the second runtime');

    // Each runtime's handlers wrote to their own runtime's tables only.
    expect(await first.jobRecord('amelia', firstJob)).toMatchObject({ outcome: 'succeeded' });
    expect(await first.jobRecord('amelia', secondJob)).toBeUndefined();
    expect(await second.jobRecord('amelia', secondJob)).toMatchObject({ outcome: 'succeeded' });
    expect(await second.jobRecord('amelia', firstJob)).toBeUndefined();

    // The first runtime stops (as one benchmark ends and the next starts): the second carries on.
    await first.dispose();
    started.splice(started.indexOf(first), 1);
    const afterStop = await runOneEmail(second, 'after the first runtime stopped');
    expect(await second.jobRecord('amelia', afterStop)).toMatchObject({ outcome: 'succeeded' });

    // None of the variables a runtime hands to other processes leaked into this one.
    for (const name of Object.keys(second.environment))
      expect(process.env[name]).toBe(environmentBefore[name]);
  }, 90_000);
});
