import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { historyOf, useRuntimeProcess } from './sfn-runtime.ts';

const LIMIT = 256 * 1024;

describe('the local Step Functions runtime enforces the 256 KiB payload limit as AWS does', () => {
  const rt = useRuntimeProcess('limits', 'in-process');
  const { create, run, finished } = rt;

  it('StartExecution refuses an input above 256 KiB with ValidationException; at the limit it runs', async () => {
    const arn = await create({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    await expect(run(arn, { text: 'x'.repeat(LIMIT) })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const atLimit = { text: 'x'.repeat(LIMIT - '{"text":""}'.length) };
    expect((await finished(await run(arn, atLimit))).status).toBe('SUCCEEDED');
  });

  it('fails with States.DataLimitExceeded when a state output exceeds the limit', async () => {
    const arn = await create({
      StartAt: 'Double',
      States: { Double: { Type: 'Pass', Parameters: { 'a.$': '$.text', 'b.$': '$.text' }, End: true } },
    });
    const done = await finished(await run(arn, { text: 'x'.repeat(200_000) }));
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('fails with States.DataLimitExceeded when a task result exceeds the limit, which States.ALL does not catch', async () => {
    const arn = await create({
      StartAt: 'Big',
      States: {
        Big: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'sized', Payload: { size: LIMIT } },
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    });
    const done = await finished(await run(arn, {}));
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('SendTaskSuccess refuses an output above 256 KiB with ValidationException; the task still waits', async () => {
    const arn = await create({
      StartAt: 'Wait',
      States: {
        Wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'record', Payload: { key: 'limits', 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    });
    const execution = await run(arn, {});
    const events = await waitFor('the token to be handed out', async () => {
      const history = await historyOf(rt.sfn, execution);
      return history.some((event) => event.type === 'TaskSubmitted') ? history : undefined;
    });
    const parameters = events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails
      ?.parameters;
    const token = (JSON.parse(parameters ?? '{}') as { Payload: { token: string } }).Payload.token;
    const tooBig = JSON.stringify({ text: 'x'.repeat(LIMIT) });
    await expect(
      rt.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: tooBig })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await rt.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"small":true}' }));
    expect(await finished(execution)).toMatchObject({ status: 'SUCCEEDED', output: '{"small":true}' });
  });
});
