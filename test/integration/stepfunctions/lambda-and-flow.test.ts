import { createHash } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDefinition } from '#local/stepfunctions/index.ts';
import {
  allDefinitions,
  choiceWaitFail,
  contextAndIntrinsics,
  lambdaArnResource,
  lambdaCatch,
  lambdaRetry,
} from './definitions.ts';
import { historyOf, namedError, startHarness, waitForCompletion } from './harness.ts';
import type { Harness } from './harness.ts';

describe('Step Functions: Lambda tasks, Retry/Catch, context object, flow states', () => {
  let h: Harness;
  const calls: { name: string; payload: unknown; at: number }[] = [];
  let flakyFailures = 0;

  beforeAll(async () => {
    h = await startHarness({
      invokeLambda: async (name, payload) => {
        calls.push({ name, payload, at: Date.now() });
        if (name === 'claim') {
          const { busy } = payload as { busy?: boolean };
          if (busy) throw namedError('Slot.Busy', 'lease p1#u1 is held by job-7');
          return { claimed: true };
        }
        if (name === 'flaky') {
          if (flakyFailures++ < 3) throw namedError('Transient', `attempt ${flakyFailures}`);
          return payload;
        }
        if (name === 'direct') return { direct: payload };
        if (name === 'echo') return payload;
        throw new Error(`unknown function ${name}`);
      },
    });
  });
  afterAll(() => h.stop());

  const start = async (stateMachineArn: string, input: object) =>
    (await h.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) })))
      .executionArn!;

  it('asl-validator accepts every test definition', () => {
    for (const [name, definition] of Object.entries(allDefinitions)) {
      expect({ name, ...validateDefinition(definition) }).toEqual({ name, valid: true, errors: [] });
    }
  });

  it('runs lambda:invoke with substitutions and exposes the Payload to ResultSelector', async () => {
    const arn = h.register(lambdaCatch, {
      ClaimFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:claim',
    });
    const done = await waitForCompletion(h.sfn, await start(arn, { busy: false }));
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ claim: { claimed: true } });
    expect(calls.at(-1)?.name).toBe('claim');
  });

  it('surfaces a thrown error by its name, with the AWS JSON cause, to Catch', async () => {
    const arn = h.register(lambdaCatch, { ClaimFunctionArn: 'claim' });
    const executionArn = await start(arn, { busy: true });
    const done = await waitForCompletion(h.sfn, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output!) as { failure: { Error: string; Cause: string } };
    expect(output.failure.Error).toBe('Slot.Busy');
    expect(JSON.parse(output.failure.Cause)).toMatchObject({
      errorType: 'Slot.Busy',
      errorMessage: 'lease p1#u1 is held by job-7',
    });
    const failed = (await historyOf(h.sfn, executionArn)).find((event) => event.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'Slot.Busy',
    });
  });

  it('retries with backoff capped by MaxDelaySeconds and counts $$.State.RetryCount', async () => {
    flakyFailures = 0;
    const arn = h.register(lambdaRetry);
    const executionArn = await start(arn, {});
    const done = await waitForCompletion(h.sfn, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ retryCount: 3, state: 'Flaky' });

    const attempts = calls.filter((call) => call.name === 'flaky');
    expect(attempts.map((call) => (call.payload as { retryCount: number }).retryCount)).toEqual([0, 1, 2, 3]);
    const gaps = attempts.slice(1).map((call, i) => call.at - attempts[i]!.at);
    // 0.2 s, then 0.4 s and 0.8 s capped to 0.3 s
    expect(gaps[0]).toBeGreaterThanOrEqual(180);
    expect(gaps[1]).toBeGreaterThanOrEqual(280);
    expect(gaps[1]).toBeLessThan(390);
    expect(gaps[2]).toBeLessThan(390);

    const types = (await historyOf(h.sfn, executionArn)).map((event) => event.type);
    expect(types.filter((type) => type === 'TaskFailed')).toHaveLength(3);
    expect(types.filter((type) => type === 'TaskStateEntered')).toHaveLength(1);
  });

  it('invokes a plain Lambda ARN resource and records LambdaFunction events', async () => {
    const arn = h.register(lambdaArnResource);
    const executionArn = await start(arn, { a: 1 });
    const done = await waitForCompletion(h.sfn, executionArn);
    expect(JSON.parse(done.output!)).toEqual({ direct: { a: 1 } });
    const events = await historyOf(h.sfn, executionArn);
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[2]?.lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: 'arn:aws:lambda:us-east-1:000000000000:function:direct',
      input: '{"a":1}',
    });
  });

  it('fills the context object and evaluates intrinsic functions', async () => {
    const arn = h.register(contextAndIntrinsics);
    const input = { who: 'ada', json: '{"k":[1,2]}', list: [10, 20, 30], n: 41 };
    const { executionArn, startDate } = await h.sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'ctx-1', input: JSON.stringify(input) }),
    );
    const done = await waitForCompletion(h.sfn, executionArn!);
    const out = JSON.parse(done.output!) as Record<string, unknown>;
    expect(out).toMatchObject({
      executionId: executionArn,
      executionName: 'ctx-1',
      executionInput: input,
      stateName: 'Describe',
      retryCount: 0,
      stateMachineId: arn,
      greeting: 'hello ada',
      parsed: { k: [1, 2] },
      text: '[10,20,30]',
      hash: createHash('sha256').update('ada').digest('hex'),
      sum: 42,
      second: 20,
    });
    expect(out['uuid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Math.abs(Date.parse(String(out['startTime'])) - startDate!.getTime())).toBeLessThan(1000);
    expect(Date.parse(String(out['enteredTime']))).toBeGreaterThanOrEqual(
      Date.parse(String(out['startTime'])),
    );
  });

  it('runs Choice, Wait and Succeed, and a Fail state with ErrorPath/CausePath', async () => {
    const arn = h.register(choiceWaitFail);
    const ok = await start(arn, { ok: true });
    const rejected = await start(arn, {
      ok: false,
      reason: { code: 'Email.Rejected', text: 'unknown project' },
    });

    const failed = await waitForCompletion(h.sfn, rejected);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Email.Rejected', cause: 'unknown project' });
    const failedEvents = await historyOf(h.sfn, rejected);
    expect(failedEvents.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    expect(failedEvents.at(-1)?.executionFailedEventDetails).toEqual({
      error: 'Email.Rejected',
      cause: 'unknown project',
    });

    const succeeded = await waitForCompletion(h.sfn, ok);
    expect(succeeded.status).toBe('SUCCEEDED');
    expect((await historyOf(h.sfn, ok)).map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });
});
