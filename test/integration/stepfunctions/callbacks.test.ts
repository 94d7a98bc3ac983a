import {
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTaskToken } from '#local/stepfunctions/task-token.ts';
import { callback, callbackTimeoutOnly } from './definitions.ts';
import { fakeClient, historyOf, startHarness, tokenFrom, waitForCompletion } from './harness.ts';
import type { Harness } from './harness.ts';

describe('Step Functions: .waitForTaskToken callbacks', () => {
  let h: Harness;
  const sqs = fakeClient(() => ({ MessageId: 'm-1', MD5OfMessageBody: 'x' }));
  let callbackArn: string;
  let timeoutOnlyArn: string;

  beforeAll(async () => {
    h = await startHarness({ clients: { sqs } });
    callbackArn = h.register(callback);
    timeoutOnlyArn = h.register(callbackTimeoutOnly);
  });
  afterAll(() => h.stop());

  const start = async (stateMachineArn: string, input: object) =>
    (await h.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) })))
      .executionArn!;

  it('sends the message with a fresh token and resumes on SendTaskSuccess', async () => {
    const executionArn = await start(callbackArn, { job: 'job-1' });
    const message = await sqs.next();
    expect(message.command).toBe('SendMessageCommand');
    expect(message.input).toMatchObject({
      MessageGroupId: 'project-user',
      MessageDeduplicationId: 'job-1-0',
    });
    const token = tokenFrom(message);

    await h.sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ commits: 3 }) }),
    );
    const done = await waitForCompletion(h.sfn, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ job: 'job-1', result: { commits: 3 } });

    const events = await historyOf(h.sfn, executionArn);
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'sqs',
      resource: 'sendMessage.waitForTaskToken',
      region: 'us-east-1',
      heartbeatInSeconds: 1,
      timeoutInSeconds: 2,
    });
    expect(JSON.parse(events[2]!.taskScheduledEventDetails!.parameters!)).toMatchObject({
      MessageBody: { taskToken: token, job: 'job-1' },
    });
    expect(JSON.parse(events[4]!.taskSubmittedEventDetails!.output!)).toMatchObject({ MessageId: 'm-1' });

    // The task is closed now: a second answer is TaskTimedOut, as on AWS.
    await expect(
      h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('fails the state with the worker error on SendTaskFailure', async () => {
    const executionArn = await start(callbackArn, { job: 'job-2' });
    const token = tokenFrom(await sqs.next());
    await h.sfn.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'Job.Failed', cause: 'tests kept failing' }),
    );
    const done = await waitForCompletion(h.sfn, executionArn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'Job.Failed', cause: 'tests kept failing' });
    const failed = (await historyOf(h.sfn, executionArn)).find((event) => event.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toEqual({
      resourceType: 'sqs',
      resource: 'sendMessage.waitForTaskToken',
      error: 'Job.Failed',
      cause: 'tests kept failing',
    });
  });

  it('times out with States.HeartbeatTimeout when no heartbeat arrives', async () => {
    const started = Date.now();
    const executionArn = await start(callbackArn, { job: 'job-3' });
    const token = tokenFrom(await sqs.next());
    const done = await waitForCompletion(h.sfn, executionArn);
    expect(Date.now() - started).toBeLessThan(1900);
    expect(JSON.parse(done.output!)).toMatchObject({
      timeout: 'heartbeat',
      failure: { Error: 'States.HeartbeatTimeout' },
    });
    const timedOut = (await historyOf(h.sfn, executionArn)).find((event) => event.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails).toMatchObject({ error: 'States.HeartbeatTimeout' });
    await expect(h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  it('keeps the task alive with heartbeats until TimeoutSeconds caps it with States.Timeout', async () => {
    const started = Date.now();
    const executionArn = await start(callbackArn, { job: 'job-4' });
    const token = tokenFrom(await sqs.next());
    const beat = setInterval(() => {
      h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token })).catch(() => undefined);
    }, 300);
    try {
      const done = await waitForCompletion(h.sfn, executionArn);
      // Survived past HeartbeatSeconds (1 s) thanks to heartbeats; stopped by TimeoutSeconds (2 s).
      expect(Date.now() - started).toBeGreaterThanOrEqual(1950);
      expect(JSON.parse(done.output!)).toMatchObject({
        timeout: 'timeout',
        failure: { Error: 'States.Timeout' },
      });
    } finally {
      clearInterval(beat);
    }
  });

  it('matches a heartbeat timeout with ErrorEquals States.Timeout; timeouts from *SecondsPath', async () => {
    const executionArn = await start(timeoutOnlyArn, { job: 'job-5', heartbeat: 1, timeout: 5 });
    await sqs.next();
    const done = await waitForCompletion(h.sfn, executionArn);
    expect(JSON.parse(done.output!)).toMatchObject({ failure: { Error: 'States.HeartbeatTimeout' } });
    const scheduled = (await historyOf(h.sfn, executionArn)).find((event) => event.type === 'TaskScheduled');
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({
      heartbeatInSeconds: 1,
      timeoutInSeconds: 5,
    });
  });

  it('answers TaskDoesNotExist, InvalidToken and InvalidOutput as AWS does', async () => {
    const unknown = encodeTaskToken({
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:nope:nope',
      stateName: 'Queue',
    });
    await expect(
      h.sfn.send(new SendTaskSuccessCommand({ taskToken: unknown, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(
      h.sfn.send(new SendTaskFailureCommand({ taskToken: 'not a token!', error: 'x' })),
    ).rejects.toBeInstanceOf(InvalidToken);

    const executionArn = await start(callbackArn, { job: 'job-6' });
    const token = tokenFrom(await sqs.next());
    await expect(
      h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{oops' })),
    ).rejects.toBeInstanceOf(InvalidOutput);
    await h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '"ok"' }));
    expect((await waitForCompletion(h.sfn, executionArn)).status).toBe('SUCCEEDED');
  });
});
