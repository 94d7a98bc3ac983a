import { SendTaskSuccessCommand, ValidateStateMachineDefinitionCommand } from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { historyOf, useRuntimeProcess } from './sfn-runtime.ts';

describe('the local Step Functions runtime evaluates JSONata and variables as AWS does', () => {
  const rt = useRuntimeProcess('jsonata', 'in-process');
  const { create, run, finished } = rt;
  const outputOf = async (definition: object, input: object = {}) => {
    const done = await finished(await run(await create(definition), input));
    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    return JSON.parse(done.output ?? 'null') as unknown;
  };
  const failureOf = async (definition: object, input: object = {}) => {
    const done = await finished(await run(await create(definition), input));
    expect(done.status).toBe('FAILED');
    return { error: done.error, cause: done.cause };
  };
  const validate = async (definition: object) =>
    rt.sfn.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(definition) }));

  it('evaluates a Pass state Output over $states.input and assigns variables a later state reads', async () => {
    const output = await outputOf(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Greet',
        States: {
          Greet: {
            Type: 'Pass',
            Assign: { name: '{% $states.input.who %}', count: 2 },
            Output: { greeting: "{% 'hello ' & $states.input.who %}" },
            Next: 'Use',
          },
          Use: {
            Type: 'Pass',
            Output: {
              greeting: '{% $states.input.greeting %}',
              twice: '{% $count * 2 %}',
              who: '{% $name %}',
            },
            End: true,
          },
        },
      },
      { who: 'ada' },
    );
    expect(output).toEqual({ greeting: 'hello ada', twice: 4, who: 'ada' });
  });

  it('evaluates every Assign of a state against the variables as they were before it', async () => {
    const output = await outputOf({
      QueryLanguage: 'JSONata',
      StartAt: 'First',
      States: {
        First: { Type: 'Pass', Assign: { a: 1, b: 10 }, Next: 'Second' },
        Second: {
          Type: 'Pass',
          Assign: { a: '{% $b %}', b: '{% $a %}' },
          Output: '{% [$a, $b] %}',
          Next: 'Third',
        },
        Third: {
          Type: 'Pass',
          Output: { before: '{% $states.input %}', after: '{% [$a, $b] %}' },
          End: true,
        },
      },
    });
    expect(output).toEqual({ before: [1, 10], after: [10, 1] });
  });

  it('runs a JSONata Task: Arguments to the integration, Output and Assign over $states.result', async () => {
    const output = await outputOf(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Make',
        States: {
          Make: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Arguments: { FunctionName: 'sized', Payload: { size: '{% $states.input.n + 1 %}' } },
            Assign: { length: '{% $length($states.result.Payload.text) %}' },
            Output: {
              text: '{% $states.result.Payload.text %}',
              execution: '{% $states.context.Execution.Name %}',
            },
            Next: 'Report',
          },
          Report: { Type: 'Pass', Output: '{% $merge([$states.input, {"length": $length}]) %}', End: true },
        },
      },
      { n: 2 },
    );
    expect(output).toMatchObject({ text: 'xxx', length: 3 });
    expect(typeof (output as { execution: unknown }).execution).toBe('string');
  });

  it('retries a JSONata Task, then evaluates Output and Assign once, with the retry count in $states.context', async () => {
    const output = await outputOf({
      QueryLanguage: 'JSONata',
      StartAt: 'Flaky',
      States: {
        Flaky: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: {
            FunctionName: 'fail-once',
            Payload: { key: '{% "jsonata-" & $states.context.Execution.Name %}' },
          },
          Retry: [{ ErrorEquals: ['Flaky.Error'], IntervalSeconds: 1, MaxAttempts: 2 }],
          Assign: { attempts: '{% $states.context.State.RetryCount + 1 %}' },
          Output: { ok: '{% $states.result.Payload.ok %}' },
          Next: 'Report',
        },
        Report: { Type: 'Pass', Output: '{% $merge([$states.input, {"attempts": $attempts}]) %}', End: true },
      },
    });
    expect(output).toEqual({ ok: true, attempts: 2 });
  });

  it('routes a JSONata Choice by Condition, with rule Assign and Output; the history shows a Choice', async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'Limit',
      States: {
        Limit: { Type: 'Pass', Assign: { limit: 10 }, Next: 'Decide' },
        Decide: {
          Type: 'Choice',
          Choices: [
            {
              Condition: '{% $states.input.size > $limit %}',
              Assign: { verdict: 'big' },
              Output: { size: '{% $states.input.size %}' },
              Next: 'Big',
            },
          ],
          Default: 'Small',
        },
        Big: { Type: 'Pass', Output: '{% {"verdict": $verdict, "input": $states.input} %}', End: true },
        Small: { Type: 'Pass', Output: { verdict: 'small' }, End: true },
      },
    };
    const arn = await create(definition);
    const big = await run(arn, { size: 50, extra: true });
    expect(JSON.parse((await finished(big)).output!)).toEqual({ verdict: 'big', input: { size: 50 } });
    expect(JSON.parse((await finished(await run(arn, { size: 1 }))).output!)).toEqual({ verdict: 'small' });

    const events = await historyOf(rt.sfn, big);
    const types = events.map((event) => event.type);
    expect(types).toContain('ChoiceStateEntered');
    expect(types).not.toContain('TaskStateEntered');
    expect(types).not.toContain('TaskScheduled');
    const exited = events.find((event) => event.type === 'ChoiceStateExited');
    expect(exited?.stateExitedEventDetails).toMatchObject({ name: 'Decide', output: '{"size":50}' });
    expect(
      events.some((event: HistoryEvent) => event.stateEnteredEventDetails?.name?.includes('route')),
    ).toBe(false);
  });

  it('fails a JSONata Choice that matches no rule and has no Default with States.NoChoiceMatched', async () => {
    const failure = await failureOf({
      QueryLanguage: 'JSONata',
      StartAt: 'Decide',
      States: {
        Decide: { Type: 'Choice', Choices: [{ Condition: '{% false %}', Next: 'Done' }] },
        Done: { Type: 'Succeed' },
      },
    });
    expect(failure.error).toBe('States.NoChoiceMatched');
  });

  it('evaluates a Fail state Error and Cause, and a Succeed state Output', async () => {
    const failure = await failureOf(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Stop',
        States: {
          Stop: {
            Type: 'Fail',
            Error: "{% 'Job.' & $states.input.code %}",
            Cause: '{% $states.input.why %}',
          },
        },
      },
      { code: 'Broken', why: 'the build broke' },
    );
    expect(failure).toEqual({ error: 'Job.Broken', cause: 'the build broke' });
    const output = await outputOf(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Done',
        States: { Done: { Type: 'Succeed', Output: '{% $states.input.a %}' } },
      },
      { a: [1, 2] },
    );
    expect(output).toEqual([1, 2]);
  });

  it('waits for JSONata Seconds and Timestamp, then applies Output', async () => {
    const output = await outputOf(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Briefly',
        States: {
          Briefly: { Type: 'Wait', Seconds: '{% $states.input.seconds %}', Next: 'Past' },
          Past: {
            Type: 'Wait',
            Timestamp: '{% $states.input.at %}',
            Output: '{% $states.input.seconds %}',
            End: true,
          },
        },
      },
      { seconds: 0, at: '2020-01-01T00:00:00Z' },
    );
    expect(output).toBe(0);
  });

  it('provides the JSONata functions Step Functions adds', async () => {
    const output = await outputOf(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Use',
        States: {
          Use: {
            Type: 'Pass',
            Output: {
              partition: '{% $partition([1, 2, 3, 4, 5], 2) %}',
              range: '{% $range(0, 10, 5) %}',
              hash: "{% $hash('abc', 'SHA-256') %}",
              parse: '{% $parse($states.input.text) %}',
              uuid: '{% $length($uuid()) %}',
            },
            End: true,
          },
        },
      },
      { text: '{"a":[1]}' },
    );
    expect(output).toEqual({
      partition: [[1, 2], [3, 4], [5]],
      range: [0, 5, 10],
      hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      parse: { a: [1] },
      uuid: 36,
    });
  });

  it('accepts any JSON value as Output, with expressions inside arrays', async () => {
    const output = await outputOf(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Literal',
        States: {
          Literal: {
            Type: 'Pass',
            Output: 'plain text',
            Assign: { kept: '{% $states.input.n %}' },
            Next: 'Mixed',
          },
          Mixed: { Type: 'Pass', Output: [1, '{% $kept %}', { text: '{% $states.input %}' }], End: true },
        },
      },
      { n: 5 },
    );
    expect(output).toEqual([1, 5, { text: 'plain text' }]);
  });

  it('uses JSONata in a single state of a JSONPath machine', async () => {
    const output = await outputOf(
      {
        StartAt: 'Path',
        States: {
          Path: { Type: 'Pass', Parameters: { 'value.$': '$.a' }, Next: 'Ata' },
          Ata: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input.value * 3 %}', End: true },
        },
      },
      { a: 7 },
    );
    expect(output).toBe(21);
  });

  it('fails with States.QueryEvaluationError on an expression error and on an unknown variable', async () => {
    const broken = await failureOf({
      QueryLanguage: 'JSONata',
      StartAt: 'Bad',
      States: { Bad: { Type: 'Pass', Output: "{% $number('not a number') %}", End: true } },
    });
    expect(broken.error).toBe('States.QueryEvaluationError');
    const unknown = await failureOf({
      QueryLanguage: 'JSONata',
      StartAt: 'Bad',
      States: { Bad: { Type: 'Pass', Output: '{% $nowhere %}', End: true } },
    });
    expect(unknown.error).toBe('States.QueryEvaluationError');
    expect(unknown.cause).toContain('nowhere');
  });

  it('evaluates a Catch rule Output and Assign over $states.errorOutput and $states.input', async () => {
    const output = await outputOf(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Arguments: { FunctionName: 'missing-function' },
            Catch: [
              {
                ErrorEquals: ['States.ALL'],
                Assign: { failedJob: '{% $states.input.job %}' },
                Output: { error: '{% $states.errorOutput.Error %}' },
                Next: 'Handled',
              },
            ],
            End: true,
          },
          Handled: { Type: 'Pass', Output: '{% $merge([$states.input, {"job": $failedJob}]) %}', End: true },
        },
      },
      { job: 'j-1' },
    );
    expect(output).toEqual({ error: 'Lambda.ResourceNotFoundException', job: 'j-1' });
  });

  it('passes $states.errorOutput on as the next input when a Catch rule has no Output', async () => {
    const output = await outputOf({
      QueryLanguage: 'JSONata',
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: { FunctionName: 'missing-function' },
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Pass', Output: '{% $states.input.Error %}', End: true },
      },
    });
    expect(output).toBe('Lambda.ResourceNotFoundException');
  });

  it('refuses JSONPath fields in a JSONata state with AWS validation errors', async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Pass', InputPath: '$.a', Parameters: { b: 1 }, End: true } },
    };
    await expect(create(definition)).rejects.toMatchObject({
      name: 'InvalidDefinition',
      message: expect.stringContaining('/States/P/InputPath') as unknown,
    });
    const validated = await validate(definition);
    expect(validated.result).toBe('FAIL');
    expect(validated.diagnostics?.map((diagnostic) => diagnostic.location)).toEqual(
      expect.arrayContaining(['/States/P/InputPath', '/States/P/Parameters']),
    );
    const reversed = await validate({
      StartAt: 'P',
      States: { P: { Type: 'Pass', Output: '{% 1 %}', End: true } },
    });
    expect(reversed.result).toBe('FAIL');
  });

  it('refuses an expression that does not parse and an invalid variable name', async () => {
    const unparsable = await validate({
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Pass', Output: { x: '{% $states.input.( %}' }, End: true } },
    });
    expect(unparsable.result).toBe('FAIL');
    expect(unparsable.diagnostics?.[0]?.location).toBe('/States/P/Output/x');
    const badName = await validate({
      StartAt: 'P',
      States: { P: { Type: 'Pass', Assign: { 'not-a-name': 1 }, End: true } },
    });
    expect(badName.diagnostics?.[0]?.location).toBe('/States/P/Assign/not-a-name');
  });

  it('fails a JSONPath reference to an unassigned variable naming it as written', async () => {
    const failure = await failureOf({
      StartAt: 'Read',
      States: { Read: { Type: 'Pass', Parameters: { 'value.$': '$missing' }, End: true } },
    });
    expect(failure.error).toBe('States.Runtime');
    expect(failure.cause).toContain('$missing');
    expect(failure.cause).not.toContain('__vars');
  });

  it('refuses what it cannot run faithfully (a JSONata TimeoutSeconds, Assign on a JSONPath Wait) instead of running it wrongly', async () => {
    const timeout = await validate({
      QueryLanguage: 'JSONata',
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: { FunctionName: 'record' },
          TimeoutSeconds: '{% $states.input.seconds %}',
          End: true,
        },
      },
    });
    expect(timeout.result).toBe('FAIL');
    expect(timeout.diagnostics?.[0]?.message).toContain('not supported by the local Step Functions runtime');
    const wait = await validate({
      StartAt: 'Hold',
      States: { Hold: { Type: 'Wait', Seconds: 1, Assign: { x: 1 }, End: true } },
    });
    expect(wait.diagnostics?.[0]?.location).toBe('/States/Hold/Assign');
  });

  it('assigns variables in JSONPath states (`.$` keys) and reads `$name` in paths and intrinsics', async () => {
    const output = await outputOf(
      {
        StartAt: 'Remember',
        States: {
          Remember: {
            Type: 'Pass',
            Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' },
            Assign: { 'original.$': '$$.Execution.Input.n', 'doubled.$': '$.doubled', fixed: 'yes' },
            Next: 'Call',
          },
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'sized', Payload: { 'size.$': '$doubled' } },
            Assign: { 'text.$': '$.Payload.text' },
            ResultPath: null,
            Next: 'Read',
          },
          Read: {
            Type: 'Pass',
            Parameters: {
              'original.$': '$original',
              'text.$': '$text',
              'line.$': "States.Format('{} is {}', $fixed, $doubled)",
            },
            End: true,
          },
        },
      },
      { n: 2 },
    );
    expect(output).toEqual({ original: 2, text: 'xxxx', line: 'yes is 4' });
  });

  it('lets Parallel branches read the outer variables', async () => {
    const output = await outputOf({
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { shared: 'outer' }, Next: 'Fan' },
        Fan: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { 'seen.$': '$shared' }, End: true } } },
            {
              StartAt: 'B',
              States: {
                B: { Type: 'Pass', QueryLanguage: 'JSONata', Output: "{% $shared & '!' %}", End: true },
              },
            },
          ],
          End: true,
        },
      },
    });
    expect(output).toEqual([{ seen: 'outer' }, 'outer!']);
  });
});

describe('JSONata variables survive a SIGKILL of the runtime', () => {
  const rt = useRuntimeProcess('jsonata-restart');
  const { create, run, finished } = rt;

  it('keeps the variables of an execution across a SIGKILL and restart', async () => {
    const arn = await create({
      QueryLanguage: 'JSONata',
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { ticket: '{% $states.input.ticket %}', step: 1 }, Next: 'Hold' },
        Hold: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Arguments: {
            FunctionName: 'record',
            Payload: { key: 'jsonata', token: '{% $states.context.Task.Token %}' },
          },
          Assign: { step: '{% $step + 1 %}' },
          Output: '{% $states.result %}',
          Next: 'Report',
        },
        Report: {
          Type: 'Pass',
          Output: { ticket: '{% $ticket %}', step: '{% $step %}', reply: '{% $states.input.reply %}' },
          End: true,
        },
      },
    });
    const execution = await run(arn, { ticket: 'T-1' });
    const scheduled = await waitFor('the task token to be handed out', async () => {
      const events = await historyOf(rt.sfn, execution);
      return events.find((event) => event.type === 'TaskSubmitted')
        ? events.find((event) => event.type === 'TaskScheduled')
        : undefined;
    });
    const parameters = JSON.parse(scheduled.taskScheduledEventDetails?.parameters ?? '{}') as {
      Payload: { token: string };
    };
    await rt.restart();

    await rt.sfn.send(
      new SendTaskSuccessCommand({
        taskToken: parameters.Payload.token,
        output: JSON.stringify({ reply: 'ok' }),
      }),
    );
    const done = await finished(execution);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ ticket: 'T-1', step: 2, reply: 'ok' });
  }, 60_000);
});
