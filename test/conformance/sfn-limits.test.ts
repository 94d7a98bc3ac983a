import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#test/cli-process';
import type { NodeProcess } from '#test/node-process';
import { waitFor } from '#test/wait';
import { historyOf, sfnClient, startRuntimeProcess } from './sfn-runtime';

const LIMIT = 256 * 1024;
const ROLE = 'arn:aws:iam::000000000000:role/conformance';

describe('the local Step Functions runtime enforces the 256 KiB payload limit as AWS does', () => {
  let dataDir: string;
  let runtime: NodeProcess;
  let sfn: SFNClient;
  let counter = 0;

  const create = async (definition: object) =>
    (
      await sfn.send(
        new CreateStateMachineCommand({
          name: `limits-${(counter += 1)}`,
          definition: JSON.stringify(definition),
          roleArn: ROLE,
        }),
      )
    ).stateMachineArn!;
  const run = async (stateMachineArn: string, input: object) =>
    (await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) })))
      .executionArn!;
  const finished = (executionArn: string) =>
    waitFor(`${executionArn} to finish`, async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === 'RUNNING' ? undefined : described;
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sfn-limits-'));
    const port = await freePort();
    runtime = await startRuntimeProcess(dataDir, port);
    sfn = sfnClient(port);
  }, 90_000);

  afterAll(async () => {
    sfn?.destroy();
    await runtime?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

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
      const history = await historyOf(sfn, execution);
      return history.some((event) => event.type === 'TaskSubmitted') ? history : undefined;
    });
    const parameters = events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails
      ?.parameters;
    const token = (JSON.parse(parameters ?? '{}') as { Payload: { token: string } }).Payload.token;
    const tooBig = JSON.stringify({ text: 'x'.repeat(LIMIT) });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: tooBig })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"small":true}' }));
    expect(await finished(execution)).toMatchObject({ status: 'SUCCEEDED', output: '{"small":true}' });
  });
});
