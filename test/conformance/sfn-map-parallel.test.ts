import {
  CreateStateMachineCommand,
  SendTaskSuccessCommand,
  StopExecutionCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { CONFORMANCE_ROLE, callsIn, historyOf, useRuntimeProcess } from './sfn-runtime.ts';

const ofType = (events: HistoryEvent[], type: string) => events.filter((event) => event.type === type);
const at = (event: HistoryEvent | undefined) => event?.timestamp?.getTime() ?? Number.NaN;
const pass = (name: string, extra: object = {}) => ({
  StartAt: name,
  States: { [name]: { Type: 'Pass', End: true, ...extra } },
});

/** A JSONata Map over one item, whose iteration calls `fail-once` with the item as key, retried once. */
const flakyMap = (item: string, intervalSeconds: number) => ({
  QueryLanguage: 'JSONata',
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      Items: [item],
      ItemProcessor: {
        StartAt: 'Flaky',
        States: {
          Flaky: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Arguments: { FunctionName: 'fail-once', Payload: { key: '{% $states.input %}' } },
            Output: '{% $states.result.Payload %}',
            End: true,
          },
        },
      },
      Retry: [{ ErrorEquals: ['Flaky.Error'], IntervalSeconds: intervalSeconds, MaxAttempts: 1 }],
      End: true,
    },
  },
});

describe('the local Step Functions runtime runs Map and Parallel states as AWS does', () => {
  const rt = useRuntimeProcess('composite', 'in-process');
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

  it('runs a JSONata Map: Items, ItemSelector with $states.context.Map.Item, MaxConcurrency, Output, Assign', async () => {
    const execution = await run(
      await create({
        QueryLanguage: 'JSONata',
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            Items: '{% $states.input.orders %}',
            ItemSelector: {
              id: '{% $states.context.Map.Item.Value.id %}',
              position: '{% $states.context.Map.Item.Index %}',
              currency: '{% $states.input.currency %}',
            },
            MaxConcurrency: 1,
            ItemProcessor: {
              StartAt: 'Price',
              States: {
                Price: {
                  Type: 'Pass',
                  Output:
                    "{% $states.input.id & '@' & $states.input.position & ' ' & $states.input.currency %}",
                  End: true,
                },
              },
            },
            Output: { priced: '{% $states.result %}' },
            Assign: { count: '{% $count($states.result) %}' },
            Next: 'Report',
          },
          Report: {
            Type: 'Pass',
            Output: { priced: '{% $states.input.priced %}', count: '{% $count %}' },
            End: true,
          },
        },
      }),
      { currency: 'EUR', orders: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
    );
    const done = await finished(execution);
    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ priced: ['a@0 EUR', 'b@1 EUR', 'c@2 EUR'], count: 3 });
    // MaxConcurrency 1: each iteration ends before the next starts.
    const iterations = (await historyOf(rt.sfn, execution))
      .map((event) => event.type)
      .filter((type) => type?.startsWith('MapIteration'));
    expect(iterations).toEqual([
      'MapIterationStarted',
      'MapIterationSucceeded',
      'MapIterationStarted',
      'MapIterationSucceeded',
      'MapIterationStarted',
      'MapIterationSucceeded',
    ]);
    const started = ofType(await historyOf(rt.sfn, execution), 'MapStateStarted')[0];
    expect(started?.mapStateStartedEventDetails?.length).toBe(3);
  });

  it('runs a JSONata Parallel: Arguments to every branch, Output and Assign over the branch results', async () => {
    const output = await outputOf(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Fan',
        States: {
          Fan: {
            Type: 'Parallel',
            Arguments: { n: '{% $states.input.n %}' },
            Branches: [
              pass('Double', { Output: '{% $states.input.n * 2 %}' }),
              pass('Square', { Output: '{% $states.input.n * $states.input.n %}' }),
            ],
            Output: '{% $states.result %}',
            Assign: { best: '{% $max($states.result) %}' },
            Next: 'Report',
          },
          Report: {
            Type: 'Pass',
            Output: { results: '{% $states.input %}', best: '{% $best %}' },
            End: true,
          },
        },
      },
      { n: 3 },
    );
    expect(output).toEqual({ results: [6, 9], best: 9 });
  });

  it('mixes languages: a JSONata Map in a JSONPath machine, and JSONata states in a JSONPath Map', async () => {
    const jsonataMap = await outputOf(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            QueryLanguage: 'JSONata',
            Items: '{% $states.input.xs %}',
            // Nested states use the state machine's language (JSONPath) unless they name their own.
            ItemProcessor: {
              StartAt: 'Wrap',
              States: { Wrap: { Type: 'Pass', Parameters: { 'value.$': '$' }, End: true } },
            },
            Output: { incremented: '{% $states.result.(value + 1) %}' },
            Next: 'After',
          },
          After: { Type: 'Pass', Parameters: { 'values.$': '$.incremented' }, End: true },
        },
      },
      { xs: [1, 2] },
    );
    expect(jsonataMap).toEqual({ values: [2, 3] });

    const jsonPathMap = await outputOf(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.xs',
            ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
            ItemProcessor: {
              StartAt: 'Scale',
              States: {
                Scale: {
                  Type: 'Pass',
                  QueryLanguage: 'JSONata',
                  Output: '{% $states.input.value * 10 + $states.input.index %}',
                  End: true,
                },
              },
            },
            ResultPath: '$.scaled',
            End: true,
          },
        },
      },
      { xs: [1, 2] },
    );
    expect(jsonPathMap).toEqual({ xs: [1, 2], scaled: [10, 21] });
    // The other way round, a JSONPath Map in a JSONata machine, is refused as AWS refuses it.
    const refused = await validate({
      QueryLanguage: 'JSONata',
      StartAt: 'Each',
      States: {
        Each: { Type: 'Map', QueryLanguage: 'JSONPath', ItemProcessor: pass('Inner'), End: true },
      },
    });
    expect(refused.result).toBe('FAIL');
    expect(refused.diagnostics?.[0]?.location).toBe('/States/Each/QueryLanguage');
  });

  it('retries and catches Map and Parallel states, JSONata Catch rules with Output and Assign included', async () => {
    const retried = await outputOf({
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Flaky',
              States: {
                Flaky: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke',
                  Parameters: { FunctionName: 'fail-once', Payload: { key: 'parallel-retry' } },
                  OutputPath: '$.Payload',
                  End: true,
                },
              },
            },
          ],
          Retry: [{ ErrorEquals: ['Flaky.Error'], IntervalSeconds: 0, MaxAttempts: 1 }],
          End: true,
        },
      },
    });
    expect(retried).toEqual([{ ok: true }]);
    expect(callsIn(rt.dataDir).filter((call) => call.key === 'parallel-retry')).toHaveLength(2);

    const mapRetried = await outputOf(flakyMap('map-retry', 1));
    expect(mapRetried).toEqual([{ ok: true }]);
    expect(callsIn(rt.dataDir).filter((call) => call.key === 'map-retry')).toHaveLength(2);

    const parallelCaught = await outputOf({
      QueryLanguage: 'JSONata',
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [
            pass('Fine'),
            { StartAt: 'Broken', States: { Broken: { Type: 'Fail', Error: 'Branch.Broken' } } },
          ],
          Catch: [
            { ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput.Error %}', Next: 'Handled' },
          ],
          End: true,
        },
        Handled: { Type: 'Pass', End: true },
      },
    });
    expect(parallelCaught).toBe('Branch.Broken');

    const execution = await run(
      await create({
        QueryLanguage: 'JSONata',
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: {
              StartAt: 'Check',
              States: {
                Check: {
                  Type: 'Choice',
                  Choices: [{ Condition: '{% $states.input > 1 %}', Next: 'TooBig' }],
                  Default: 'Fine',
                },
                TooBig: { Type: 'Fail', Error: 'Item.TooBig', Cause: '{% $string($states.input) %}' },
                Fine: { Type: 'Pass', End: true },
              },
            },
            Catch: [
              {
                ErrorEquals: ['Item.TooBig'],
                Output: { error: '{% $states.errorOutput.Error %}', input: '{% $states.input %}' },
                Assign: { failedCause: '{% $states.errorOutput.Cause %}' },
                Next: 'Handled',
              },
            ],
            End: true,
          },
          Handled: {
            Type: 'Pass',
            Output: { caught: '{% $states.input %}', cause: '{% $failedCause %}' },
            End: true,
          },
        },
      }),
      [0, 5],
    );
    const done = await finished(execution);
    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ caught: { error: 'Item.TooBig', input: [0, 5] }, cause: '5' });
    const types = (await historyOf(rt.sfn, execution)).map((event) => event.type);
    expect(types).toContain('MapIterationFailed');
    expect(types).toContain('MapStateFailed');
    expect(types).not.toContain('MapStateSucceeded');
  });

  it('scopes variables: branches read outer ones, keep their own, and return values only through output', async () => {
    const output = await outputOf({
      QueryLanguage: 'JSONata',
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { greeting: 'hi' }, Next: 'Fan' },
        Fan: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Own',
              States: {
                Own: { Type: 'Pass', Assign: { local: "{% $greeting & ' from A' %}" }, Next: 'Use' },
                Use: { Type: 'Pass', Output: '{% $local %}', End: true },
              },
            },
            {
              StartAt: 'Other',
              States: {
                Other: {
                  Type: 'Pass',
                  Assign: { local: 'B' },
                  Output: "{% $greeting & ' from B' %}",
                  End: true,
                },
              },
            },
          ],
          Assign: { fromBranches: '{% $states.result %}' },
          Next: 'After',
        },
        After: { Type: 'Pass', Output: '{% $fromBranches %}', End: true },
      },
    });
    expect(output).toEqual(['hi from A', 'hi from B']);

    const leaked = await failureOf({
      QueryLanguage: 'JSONata',
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          Items: [1],
          ItemProcessor: pass('Inner', { Assign: { inner: 1 } }),
          Next: 'Read',
        },
        Read: { Type: 'Pass', Output: '{% $inner %}', End: true },
      },
    });
    expect(leaked.error).toBe('States.QueryEvaluationError');
    expect(leaked.cause).toContain("'$inner' is not defined");
  });

  it('records the iterations and their states as aborted when the execution is stopped', async () => {
    const execution = await run(
      await create({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 600, End: true } } },
            End: true,
          },
        },
      }),
      [1, 2],
    );
    await waitFor('both iterations to wait', async () =>
      ofType(await historyOf(rt.sfn, execution), 'WaitStateEntered').length === 2 ? true : undefined,
    );
    await rt.sfn.send(new StopExecutionCommand({ executionArn: execution }));
    const types = (await historyOf(rt.sfn, execution)).map((event) => event.type);
    expect(types.filter((type) => type === 'MapIterationAborted')).toHaveLength(2);
    expect(types.filter((type) => type === 'WaitStateAborted')).toHaveLength(2);
    expect(types).toContain('MapStateAborted');
    expect(types.at(-1)).toBe('ExecutionAborted');
  });

  it('refuses an Assign inside a branch of a variable assigned in an outer scope, at the state and field', async () => {
    const definition = {
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { total: 0 }, Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Add',
            States: { Add: { Type: 'Pass', Assign: { 'total.$': '$' }, End: true } },
          },
          End: true,
        },
      },
    };
    const validation = await validate(definition);
    expect(validation.result).toBe('FAIL');
    expect(validation.diagnostics?.[0]?.location).toBe(
      '/States/Each/ItemProcessor/States/Add/Assign/total.$',
    );
    expect(validation.diagnostics?.[0]?.message).toContain('"total"');
    await expect(
      rt.sfn.send(
        new CreateStateMachineCommand({
          name: 'outer-assign',
          definition: JSON.stringify(definition),
          roleArn: CONFORMANCE_ROLE,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition' });
    // The same name in two sibling branches is two variables, each local to its branch.
    const siblings = await validate({
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [pass('A', { Assign: { x: 1 } }), pass('B', { Assign: { x: 2 } })],
          End: true,
        },
      },
    });
    expect(siblings.result).toBe('OK');
  });
});

describe('Map and Parallel states in progress when the runtime is killed resume in place', () => {
  const rt = useRuntimeProcess('composite-restart');
  const WAIT_SECONDS = 5;

  const tokenOf = (event: HistoryEvent) =>
    (
      JSON.parse(event.taskScheduledEventDetails?.parameters ?? '{}') as {
        Payload: { token: string; item: string };
      }
    ).Payload;

  it('keeps finished iterations and branches, task tokens and Wait deadlines across a SIGKILL', async () => {
    const mapArn = await rt.create({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemSelector: { 'item.$': '$$.Map.Item.Value' },
          ItemProcessor: {
            StartAt: 'Approve',
            States: {
              Approve: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                Parameters: {
                  FunctionName: 'record',
                  Payload: {
                    'key.$': "States.Format('map-{}', $.item)",
                    'item.$': '$.item',
                    'token.$': '$$.Task.Token',
                  },
                },
                End: true,
              },
            },
          },
          End: true,
        },
      },
    });
    const parallelArn = await rt.create({
      QueryLanguage: 'JSONata',
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Pause',
              States: {
                Pause: { Type: 'Wait', Seconds: WAIT_SECONDS, Next: 'Paused' },
                Paused: { Type: 'Pass', Output: 'waited', End: true },
              },
            },
            {
              StartAt: 'Ask',
              States: {
                Ask: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                  Arguments: {
                    FunctionName: 'record',
                    Payload: { key: 'parallel-ask', item: 'ask', token: '{% $states.context.Task.Token %}' },
                  },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    });
    const mapExecution = await rt.run(mapArn, { items: ['a', 'b', 'c', 'd'] });
    const parallelExecution = await rt.run(parallelArn);

    const submitted = (arn: string, count: number) =>
      waitFor(`${count} tokens handed out in ${arn}`, async () => {
        const events = await historyOf(rt.sfn, arn);
        return ofType(events, 'TaskSubmitted').length === count ? ofType(events, 'TaskScheduled') : undefined;
      });
    const tokens = new Map(
      (await submitted(mapExecution, 4)).map((event) => [tokenOf(event).item, tokenOf(event).token]),
    );
    const succeed = (item: string, token: string | undefined) =>
      rt.sfn.send(
        new SendTaskSuccessCommand({ taskToken: token!, output: JSON.stringify({ approved: item }) }),
      );
    await succeed('a', tokens.get('a'));
    await succeed('b', tokens.get('b'));
    await waitFor('two iterations to succeed', async () =>
      ofType(await historyOf(rt.sfn, mapExecution), 'MapIterationSucceeded').length === 2 ? true : undefined,
    );
    const [askScheduled] = await submitted(parallelExecution, 1);
    const askToken = tokenOf(askScheduled!).token;
    const beforeKill = await historyOf(rt.sfn, parallelExecution);
    expect(ofType(beforeKill, 'WaitStateExited')).toHaveLength(0);

    await rt.restart();

    await succeed('c', tokens.get('c'));
    await succeed('d', tokens.get('d'));
    const mapDone = await rt.finished(mapExecution);
    expect(mapDone.status, `${mapDone.error}: ${mapDone.cause}`).toBe('SUCCEEDED');
    expect(JSON.parse(mapDone.output!)).toEqual(['a', 'b', 'c', 'd'].map((item) => ({ approved: item })));
    for (const item of ['a', 'b', 'c', 'd']) {
      expect(
        callsIn(rt.dataDir).filter((call) => call.key === `map-${item}`),
        item,
      ).toHaveLength(1);
    }
    const mapEvents = await historyOf(rt.sfn, mapExecution);
    expect(ofType(mapEvents, 'MapIterationStarted')).toHaveLength(4);
    expect(ofType(mapEvents, 'TaskScheduled')).toHaveLength(4);
    expect(ofType(mapEvents, 'MapStateEntered')).toHaveLength(1);

    await rt.sfn.send(new SendTaskSuccessCommand({ taskToken: askToken, output: '"answered"' }));
    const parallelDone = await rt.finished(parallelExecution);
    expect(parallelDone.status, `${parallelDone.error}: ${parallelDone.cause}`).toBe('SUCCEEDED');
    expect(JSON.parse(parallelDone.output!)).toEqual(['waited', 'answered']);
    expect(callsIn(rt.dataDir).filter((call) => call.key === 'parallel-ask')).toHaveLength(1);
    const parallelEvents = await historyOf(rt.sfn, parallelExecution);
    expect(ofType(parallelEvents, 'WaitStateEntered')).toHaveLength(1);
    expect(ofType(parallelEvents, 'ParallelStateEntered')).toHaveLength(1);
    const waited =
      at(ofType(parallelEvents, 'WaitStateExited')[0]) - at(ofType(parallelEvents, 'WaitStateEntered')[0]);
    expect(waited).toBeGreaterThanOrEqual(WAIT_SECONDS * 1000 - 1);
  }, 90_000);

  it('keeps a Map retry backoff across a SIGKILL: due time and retry count kept, no iteration repeated', async () => {
    const BACKOFF_SECONDS = 5;
    const execution = await rt.run(await rt.create(flakyMap('map-backoff', BACKOFF_SECONDS)));
    await waitFor('the first iteration to fail', async () =>
      ofType(await historyOf(rt.sfn, execution), 'MapIterationFailed').length === 1 ? true : undefined,
    );
    await rt.restart();

    const done = await rt.finished(execution);
    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual([{ ok: true }]);
    expect(callsIn(rt.dataDir).filter((call) => call.key === 'map-backoff')).toHaveLength(2);
    const events = await historyOf(rt.sfn, execution);
    expect(ofType(events, 'MapStateEntered')).toHaveLength(1);
    const [, retried] = ofType(events, 'MapIterationStarted');
    expect(at(retried) - at(ofType(events, 'MapIterationFailed')[0])).toBeGreaterThanOrEqual(
      BACKOFF_SECONDS * 1000 - 1,
    );
  }, 90_000);
});
