import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ListTagsForResourceCommand,
  RedriveExecutionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { callsIn, CONFORMANCE_ROLE, historyOf, useRuntimeProcess } from './sfn-runtime.ts';

const pass = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };

describe('the local Step Functions API answers as AWS does', () => {
  const rt = useRuntimeProcess('machine', 'in-process');
  const { create, run, finished } = rt;
  const types = async (executionArn: string) =>
    (await historyOf(rt.sfn, executionArn)).map((event) => event.type);

  it('accepts names with dots and plus signs; refuses whitespace with InvalidName', async () => {
    const arn = await create(pass, { name: 'my.machine+v2' });
    expect(arn.endsWith(':stateMachine:my.machine+v2')).toBe(true);
    const execution = await run(arn, {}, 'run.2024-01-01');
    expect((await finished(execution)).status).toBe('SUCCEEDED');
    await expect(create(pass, { name: 'bad name' })).rejects.toMatchObject({ name: 'InvalidName' });
  });

  it('fails a bad States.StringToJson input with States.Runtime', async () => {
    const arn = await create({
      StartAt: 'Parse',
      States: {
        Parse: { Type: 'Pass', Parameters: { 'value.$': 'States.StringToJson($.text)' }, End: true },
      },
    });
    const done = await finished(await run(arn, { text: 'not json' }));
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('evaluates intrinsic functions in a Fail state ErrorPath and CausePath', async () => {
    const arn = await create({
      StartAt: 'Stop',
      States: {
        Stop: {
          Type: 'Fail',
          ErrorPath: "States.Format('Job.{}', $.code)",
          CausePath: "States.Format('{} went wrong', $.what)",
        },
      },
    });
    const done = await finished(await run(arn, { code: 'Broken', what: 'the build' }));
    expect(done).toMatchObject({ status: 'FAILED', error: 'Job.Broken', cause: 'the build went wrong' });
  });

  it('logs no ParallelStateSucceeded after a caught ParallelStateFailed', async () => {
    const arn = await create({
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'Boom', States: { Boom: { Type: 'Fail', Error: 'Branch.Failed' } } }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }],
          Next: 'Handled',
        },
        Handled: { Type: 'Pass', End: true },
      },
    });
    const execution = await run(arn);
    expect((await finished(execution)).status).toBe('SUCCEEDED');
    const events = await types(execution);
    expect(events).toContain('ParallelStateFailed');
    expect(events).not.toContain('ParallelStateSucceeded');
  });

  it('reports a missing Lambda function as Lambda.ResourceNotFoundException without a stack trace', async () => {
    const arn = await create({
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'no-such-function', Payload: {} },
          End: true,
        },
      },
    });
    const done = await finished(await run(arn));
    expect(done).toMatchObject({ status: 'FAILED', error: 'Lambda.ResourceNotFoundException' });
    expect(done.cause).toContain('Function not found: no-such-function');
    expect(done.cause).not.toMatch(/trace|\.ts\b|\.js\b|\s+at\s/);
  });

  it('points InvalidDefinition at the state and field', async () => {
    const broken = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } };
    await expect(create(broken)).rejects.toMatchObject({
      name: 'InvalidDefinition',
      message:
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next'",
    });
    const unknownField = { StartAt: 'A', States: { A: { Type: 'Pass', Nxt: 'B', End: true } } };
    await expect(create(unknownField)).rejects.toMatchObject({
      message: expect.stringContaining('The field "Nxt" is not supported by Step Functions at /States/A'),
    });
  });

  it('ValidateStateMachineDefinition answers OK or FAIL with located diagnostics', async () => {
    const ok = await rt.sfn.send(
      new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(pass) }),
    );
    expect(ok).toMatchObject({ result: 'OK', diagnostics: [] });
    const failed = await rt.sfn.send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', End: true } } }),
      }),
    );
    expect(failed.result).toBe('FAIL');
    expect(failed.diagnostics).toEqual([
      {
        severity: 'ERROR',
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'These fields are required: [Resource]',
        location: '/States/A',
      },
    ]);
  });

  it('DeleteStateMachine removes the machine and is idempotent', async () => {
    const arn = await create(pass);
    await rt.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    await expect(
      rt.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn })),
    ).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await rt.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
  });

  it('tags state machines: TagResource, UntagResource, ListTagsForResource; unknown ARN is ResourceNotFound', async () => {
    const arn = await create(pass, { tags: [{ key: 'team', value: 'intake' }] });
    await rt.sfn.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'env', value: 'local' }] }));
    await rt.sfn.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    const listed = await rt.sfn.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(listed.tags).toEqual([{ key: 'env', value: 'local' }]);
    await expect(
      rt.sfn.send(new ListTagsForResourceCommand({ resourceArn: `${arn}-missing` })),
    ).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });

  it('DescribeStateMachineForExecution returns the definition the execution started with', async () => {
    const waiting = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 30, End: true } } };
    const arn = await create(waiting);
    const execution = await run(arn);
    await rt.sfn.send(
      new UpdateStateMachineCommand({ stateMachineArn: arn, definition: JSON.stringify(pass) }),
    );
    const described = await rt.sfn.send(
      new DescribeStateMachineForExecutionCommand({ executionArn: execution }),
    );
    expect(JSON.parse(described.definition ?? '')).toEqual(waiting);
    expect(described.stateMachineArn).toBe(arn);
  });

  it('RedriveExecution continues a failed execution from the state that failed', async () => {
    const arn = await create({
      StartAt: 'Before',
      States: {
        Before: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'record', Payload: { key: 'before-redrive' } },
          ResultPath: null,
          Next: 'Flaky',
        },
        Flaky: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'fail-once', Payload: { key: 'redrive' } },
          OutputPath: '$.Payload',
          End: true,
        },
      },
    });
    const execution = await run(arn);
    expect(await finished(execution)).toMatchObject({ status: 'FAILED', error: 'Flaky.Error' });
    await rt.sfn.send(new RedriveExecutionCommand({ executionArn: execution }));
    const done = await finished(execution);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}', redriveCount: 1 });
    const events = await types(execution);
    expect(events.filter((type) => type === 'ExecutionRedriven')).toHaveLength(1);
    expect(callsIn(rt.dataDir).filter((call) => call.key === 'before-redrive')).toHaveLength(1);
    await expect(rt.sfn.send(new RedriveExecutionCommand({ executionArn: execution }))).rejects.toMatchObject(
      {
        name: 'ExecutionNotRedrivable',
      },
    );
  });

  it('refuses --type EXPRESS with StateMachineTypeNotSupported', async () => {
    await expect(
      rt.sfn.send(
        new CreateStateMachineCommand({
          name: 'express',
          definition: JSON.stringify(pass),
          roleArn: CONFORMANCE_ROLE,
          type: 'EXPRESS',
        }),
      ),
    ).rejects.toMatchObject({ name: 'StateMachineTypeNotSupported' });
  });
});
