import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { callbackOpenEnded, passOnly } from './definitions.ts';
import {
  fakeClient,
  historyOf,
  startHarness,
  temporaryDataDir,
  tokenFrom,
  waitForCompletion,
} from './harness.ts';

describe('Step Functions persistence', () => {
  const data = temporaryDataDir();
  afterAll(() => data.remove());

  it('keeps executions and histories across a restart and resumes a running one in place with its token', async () => {
    const sqsBefore = fakeClient();
    const before = await startHarness({ dataDir: data.dir, clients: { sqs: sqsBefore } });
    const waitingArn = before.service.registerStateMachine({
      name: 'restart-waiting',
      definition: callbackOpenEnded,
    }).stateMachineArn;
    const passArn = before.service.registerStateMachine({
      name: 'restart-pass',
      definition: passOnly,
    }).stateMachineArn;

    const finished = await before.sfn.send(
      new StartExecutionCommand({ stateMachineArn: passArn, name: 'done-1', input: '{"value":1}' }),
    );
    await waitForCompletion(before.sfn, finished.executionArn!);
    const running = await before.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: waitingArn,
        name: 'running-1',
        input: '{"job":"j-restart"}',
      }),
    );
    const oldToken = tokenFrom(await sqsBefore.next());
    await before.stop();

    const sqsAfter = fakeClient();
    const after = await startHarness({ dataDir: data.dir, clients: { sqs: sqsAfter } });
    try {
      const done = await after.sfn.send(
        new DescribeExecutionCommand({ executionArn: finished.executionArn }),
      );
      expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"value":1}' });
      expect((await historyOf(after.sfn, finished.executionArn!)).map((e) => e.type)).toContain(
        'ExecutionSucceeded',
      );

      // Resumed in place: no second message, the old token is still the open one.
      const resumed = await after.sfn.send(
        new DescribeExecutionCommand({ executionArn: running.executionArn }),
      );
      expect(resumed).toMatchObject({ status: 'RUNNING', redriveCount: 0 });
      expect(resumed.startDate?.getTime()).toBe(running.startDate?.getTime());

      await after.sfn.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '{"ok":true}' }));
      const completed = await waitForCompletion(after.sfn, running.executionArn!);
      expect(completed.status).toBe('SUCCEEDED');
      expect(sqsAfter.sent).toHaveLength(0);

      const types = (await historyOf(after.sfn, running.executionArn!)).map((event) => event.type);
      expect(types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSubmitted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      const listed = await after.sfn.send(new ListExecutionsCommand({ stateMachineArn: waitingArn }));
      expect(listed.executions?.map((execution) => execution.name)).toEqual(['running-1']);
    } finally {
      await after.stop();
    }
  });
});
