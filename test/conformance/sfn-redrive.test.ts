import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { callsIn, historyOf, useRuntimeProcess } from './sfn-runtime.ts';

const ofType = (events: readonly HistoryEvent[], type: string) =>
  events.filter((event) => event.type === type);
/** The events written since the (last) redrive. */
const sinceRedrive = (events: readonly HistoryEvent[]) =>
  events.slice(events.findLastIndex((event) => event.type === 'ExecutionRedriven'));
const iterationIndexes = (events: readonly HistoryEvent[]) =>
  ofType(events, 'MapIterationStarted').map((event) => event.mapIterationStartedEventDetails?.index);
const enteredStates = (events: readonly HistoryEvent[]) =>
  events.flatMap((event) =>
    event.stateEnteredEventDetails?.name ? [event.stateEnteredEventDetails.name] : [],
  );

/** Calls `record` with `key` (ResultPath null: the state's output is its input). */
const recordTask = (key: string, next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: 'record', Payload: { 'key.$': key } },
  ResultPath: null,
  ...(next ? { Next: next } : { End: true }),
});

/** A Callback task: `record` gets `{ key, token }`, the test answers the token. */
const callbackTask = (key: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: { FunctionName: 'record', Payload: { 'key.$': key, 'token.$': '$$.Task.Token' } },
  ResultPath: '$.answer',
  End: true,
});

/** A JSONPath Map over `$.items`, one at a time: an item with field `flag` runs `special`, others `other`. */
const oneByOne = (flag: string, special: [string, object], other: [string, object]) => ({
  Type: 'Map',
  ItemsPath: '$.items',
  MaxConcurrency: 1,
  ItemProcessor: {
    StartAt: 'Route',
    States: {
      Route: {
        Type: 'Choice',
        Choices: [{ Variable: `$.${flag}`, IsPresent: true, Next: special[0] }],
        Default: other[0],
      },
      [special[0]]: special[1],
      [other[0]]: other[1],
    },
  },
});

/** Items with `flaky` call `fail-once` (the first call per key fails with Flaky.Error, no retry). */
const flakyMap = (prefix: string) => {
  const key = `States.Format('${prefix}-{}', $.id)`;
  const flaky = {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: 'fail-once', Payload: { 'key.$': key } },
    ResultSelector: { 'ok.$': '$.Payload.ok' },
    ResultPath: '$.result',
    End: true,
  };
  return {
    StartAt: 'Each',
    States: { Each: { ...oneByOne('flaky', ['Flaky', flaky], ['Fine', recordTask(key)]), End: true } },
  };
};
const flakyItems = { items: [{ id: 'a' }, { id: 'b', flaky: true }, { id: 'c' }] };
const flakyOutput = [{ id: 'a' }, { id: 'b', flaky: true, result: { ok: true } }, { id: 'c' }];

describe('RedriveExecution of Map and Parallel states re-runs only what did not succeed, as on AWS', () => {
  const rt = useRuntimeProcess('redrive');
  const callsFor = (key: string) => callsIn(rt.dataDir).filter((call) => call.key === key);
  /** The execution's kept checkpoint on disk (see the README's "Restart" section). */
  const hasCheckpoint = (executionArn: string) => {
    const [machine, name] = executionArn.split(':').slice(-2).map(encodeURIComponent);
    return existsSync(join(rt.dataDir, 'stepfunctions', 'executions', machine!, `${name!}.checkpoint.jsonl`));
  };
  const redrive = (executionArn: string) => rt.sfn.send(new RedriveExecutionCommand({ executionArn }));
  const failed = async (executionArn: string) => {
    const done = await rt.finished(executionArn);
    expect(done.status, `${done.error}: ${done.cause}`).toBe('FAILED');
    return done;
  };
  const succeeded = async (executionArn: string) => {
    const done = await rt.finished(executionArn);
    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    expect(done.redriveCount).toBe(1);
    return JSON.parse(done.output ?? 'null') as unknown;
  };
  /** The token of the `n`-th (1-based) callback `record` got with `key` (the task waits on it by then). */
  const tokenFor = (key: string, n = 1) =>
    waitFor(`token ${n} of ${key}`, () => {
      const calls = callsFor(key) as { token?: string }[];
      return calls.length >= n ? calls[n - 1]?.token : undefined;
    });
  const historyWith = (executionArn: string, test: (events: HistoryEvent[]) => boolean, what: string) =>
    waitFor(what, async () => {
      const events = await historyOf(rt.sfn, executionArn);
      return test(events) ? events : undefined;
    });
  /**
   * Fails the callback task that got `key` once the state Fine (in another branch) has succeeded, so
   * the failure cannot abort it; the execution ends FAILED. Returns the refused token.
   */
  const refuseAfterFine = async (executionArn: string, key: string) => {
    const token = await tokenFor(key);
    await historyWith(
      executionArn,
      (events) => events.some((event) => event.stateExitedEventDetails?.name === 'Fine'),
      'state Fine to succeed',
    );
    await rt.sfn.send(new SendTaskFailureCommand({ taskToken: token!, error: 'Ask.Refused' }));
    expect((await failed(executionArn)).error).toBe('Ask.Refused');
    return token;
  };

  it('re-runs only the failed and the not-started iterations of a Map; the others keep their output', async () => {
    const execution = await rt.run(await rt.create(flakyMap('map')), flakyItems);
    const done = await failed(execution);
    expect(done.error).toBe('Flaky.Error');
    expect(iterationIndexes(await historyOf(rt.sfn, execution))).toEqual([0, 1]);
    expect(hasCheckpoint(execution)).toBe(true);

    await redrive(execution);
    expect(await succeeded(execution)).toEqual(flakyOutput);
    expect(hasCheckpoint(execution)).toBe(false);
    const events = sinceRedrive(await historyOf(rt.sfn, execution));
    expect(iterationIndexes(events)).toEqual([1, 2]);
    expect(ofType(events, 'MapStateStarted')).toHaveLength(1);
    expect(ofType(events, 'MapIterationSucceeded')).toHaveLength(2);
    expect(callsFor('map-a')).toHaveLength(1);
    expect(callsFor('map-b')).toHaveLength(2);
    expect(callsFor('map-c')).toHaveLength(1);
    // The failed iteration continues in the state it failed in.
    expect(enteredStates(events)).toEqual(['Each', 'Flaky', 'Route', 'Fine']);
  });

  it('re-runs only the failed branch of a Parallel state; the succeeded one keeps its output', async () => {
    const execution = await rt.run(
      await rt.create({
        StartAt: 'Fan',
        States: {
          Fan: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Fine', States: { Fine: recordTask('$.fine') } },
              { StartAt: 'Ask', States: { Ask: callbackTask('$.ask') } },
            ],
            End: true,
          },
        },
      }),
      { fine: 'parallel-fine', ask: 'parallel-ask' },
    );
    const firstToken = await refuseAfterFine(execution, 'parallel-ask');

    await redrive(execution);
    const secondToken = await tokenFor('parallel-ask', 2);
    expect(secondToken).not.toBe(firstToken);
    await rt.sfn.send(new SendTaskSuccessCommand({ taskToken: secondToken!, output: '"yes"' }));
    const input = { fine: 'parallel-fine', ask: 'parallel-ask' };
    expect(await succeeded(execution)).toEqual([input, { ...input, answer: 'yes' }]);
    const events = sinceRedrive(await historyOf(rt.sfn, execution));
    expect(enteredStates(events)).toEqual(['Fan', 'Ask']);
    expect(ofType(events, 'ParallelStateStarted')).toHaveLength(1);
    expect(callsFor('parallel-fine')).toHaveLength(1);
  });

  it('re-runs only the failed iteration of a Map nested in a Parallel branch, also across a SIGKILL', async () => {
    const execution = await rt.run(
      await rt.create({
        StartAt: 'Fan',
        States: {
          Fan: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Fine', States: { Fine: recordTask('$.key') } },
              {
                StartAt: 'Each',
                States: {
                  Each: {
                    ...oneByOne('ask', ['Ask', callbackTask('$.key')], ['Item', recordTask('$.key')]),
                    End: true,
                  },
                },
              },
            ],
            End: true,
          },
        },
      }),
      {
        key: 'nested-fine',
        items: [{ key: 'nested-x' }, { key: 'nested-y', ask: true }, { key: 'nested-z' }],
      },
    );
    const firstToken = await refuseAfterFine(execution, 'nested-y');

    await redrive(execution);
    const secondToken = await tokenFor('nested-y', 2);
    expect(secondToken).not.toBe(firstToken);
    // The redriven iteration waits on its new token across a restart (once its hand-out is saved).
    await historyWith(
      execution,
      (events) => ofType(events, 'TaskSubmitted').length === 2,
      'the second token to be handed out',
    );
    await rt.restart();
    await rt.sfn.send(new SendTaskSuccessCommand({ taskToken: secondToken!, output: '"yes"' }));
    expect(await succeeded(execution)).toEqual([
      { key: 'nested-fine', items: expect.any(Array) as unknown },
      [{ key: 'nested-x' }, { key: 'nested-y', ask: true, answer: 'yes' }, { key: 'nested-z' }],
    ]);
    const events = sinceRedrive(await historyOf(rt.sfn, execution));
    expect(enteredStates(events)).toEqual(['Fan', 'Each', 'Ask', 'Route', 'Item']);
    expect(iterationIndexes(events)).toEqual([1, 2]);
    expect(ofType(events, 'MapStateStarted')).toHaveLength(1);
    expect(ofType(events, 'TaskScheduled')).toHaveLength(2);
    for (const key of ['nested-fine', 'nested-x', 'nested-z']) expect(callsFor(key), key).toHaveLength(1);
    expect(callsFor('nested-y')).toHaveLength(2);
  }, 90_000);

  it('after a SIGKILL between the failure and the redrive, still re-runs only the failed iteration', async () => {
    const execution = await rt.run(await rt.create(flakyMap('restart')), flakyItems);
    await failed(execution);
    await rt.restart();

    await redrive(execution);
    expect(await succeeded(execution)).toEqual(flakyOutput);
    expect(iterationIndexes(sinceRedrive(await historyOf(rt.sfn, execution)))).toEqual([1, 2]);
    expect(callsFor('restart-a')).toHaveLength(1);
    expect(callsFor('restart-b')).toHaveLength(2);
  }, 90_000);

  it('re-runs the iterations a StopExecution aborted, not the one that had succeeded', async () => {
    const execution = await rt.run(
      await rt.create({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: { StartAt: 'Ask', States: { Ask: callbackTask('$.key') } },
            End: true,
          },
        },
      }),
      { items: ['stop-0', 'stop-1', 'stop-2'].map((key) => ({ key })) },
    );
    const firstTokens = await Promise.all(['stop-0', 'stop-1', 'stop-2'].map((key) => tokenFor(key)));
    await rt.sfn.send(new SendTaskSuccessCommand({ taskToken: firstTokens[0]!, output: '"first"' }));
    await historyWith(
      execution,
      (events) => ofType(events, 'MapIterationSucceeded').length === 1,
      'iteration 0 to succeed',
    );
    await rt.sfn.send(new StopExecutionCommand({ executionArn: execution }));
    expect((await rt.finished(execution)).status).toBe('ABORTED');

    await redrive(execution);
    for (const key of ['stop-1', 'stop-2']) {
      const token = await tokenFor(key, 2);
      expect(firstTokens).not.toContain(token);
      await rt.sfn.send(new SendTaskSuccessCommand({ taskToken: token!, output: JSON.stringify(key) }));
    }
    expect(await succeeded(execution)).toEqual([
      { key: 'stop-0', answer: 'first' },
      { key: 'stop-1', answer: 'stop-1' },
      { key: 'stop-2', answer: 'stop-2' },
    ]);
    const events = sinceRedrive(await historyOf(rt.sfn, execution));
    expect(iterationIndexes(events).sort()).toEqual([1, 2]);
    expect(callsFor('stop-0')).toHaveLength(1);
  });

  it('shows the real RetryCount to a Map and a Parallel state own Output, Assign and ResultSelector', async () => {
    const retry = [{ ErrorEquals: ['Flaky.Error'], IntervalSeconds: 0, MaxAttempts: 1 }];
    const flaky = (key: string, language: 'JSONata' | 'JSONPath') => ({
      StartAt: 'Flaky',
      States: {
        Flaky:
          language === 'JSONata'
            ? {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Arguments: { FunctionName: 'fail-once', Payload: { key } },
                Output: '{% $states.result.Payload %}',
                End: true,
              }
            : {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Parameters: { FunctionName: 'fail-once', Payload: { key } },
                OutputPath: '$.Payload',
                End: true,
              },
      },
    });
    const jsonata = await rt.finished(
      await rt.run(
        await rt.create({
          QueryLanguage: 'JSONata',
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              Items: ['one'],
              ItemProcessor: flaky('retry-count-map', 'JSONata'),
              Retry: retry,
              Output: {
                result: '{% $states.result %}',
                retryCount: '{% $states.context.State.RetryCount %}',
              },
              Assign: { assigned: '{% $states.context.State.RetryCount %}' },
              Next: 'Report',
            },
            Report: {
              Type: 'Pass',
              Output: { output: '{% $states.input %}', assigned: '{% $assigned %}' },
              End: true,
            },
          },
        }),
      ),
    );
    expect(jsonata.status, `${jsonata.error}: ${jsonata.cause}`).toBe('SUCCEEDED');
    expect(JSON.parse(jsonata.output!)).toEqual({
      output: { result: [{ ok: true }], retryCount: 1 },
      assigned: 1,
    });

    const jsonPath = await rt.finished(
      await rt.run(
        await rt.create({
          StartAt: 'Fan',
          States: {
            Fan: {
              Type: 'Parallel',
              Branches: [flaky('retry-count-parallel', 'JSONPath')],
              Retry: retry,
              ResultSelector: { 'result.$': '$', 'retryCount.$': '$$.State.RetryCount' },
              End: true,
            },
          },
        }),
      ),
    );
    expect(jsonPath.status, `${jsonPath.error}: ${jsonPath.cause}`).toBe('SUCCEEDED');
    expect(JSON.parse(jsonPath.output!)).toEqual({ result: [{ ok: true }], retryCount: 1 });
  });

  it('keeps the variables of the top level and of the iterations on a redrive', async () => {
    const execution = await rt.run(
      await rt.create({
        QueryLanguage: 'JSONata',
        StartAt: 'Greet',
        States: {
          Greet: { Type: 'Pass', Assign: { greeting: 'hello' }, Next: 'Each' },
          Each: {
            Type: 'Map',
            Items: ['p', 'q'],
            MaxConcurrency: 1,
            ItemProcessor: {
              StartAt: 'Remember',
              States: {
                Remember: { Type: 'Pass', Assign: { item: '{% $states.input %}' }, Next: 'Flaky' },
                Flaky: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke',
                  Arguments: {
                    FunctionName: '{% $item = "q" ? "fail-once" : "record" %}',
                    Payload: { key: "{% 'vars-' & $item %}" },
                  },
                  Output: "{% $greeting & ' ' & $item %}",
                  End: true,
                },
              },
            },
            Next: 'Report',
          },
          Report: {
            Type: 'Pass',
            Output: { items: '{% $states.input %}', greeting: '{% $greeting %}' },
            End: true,
          },
        },
      }),
    );
    await failed(execution);
    await redrive(execution);
    expect(await succeeded(execution)).toEqual({ items: ['hello p', 'hello q'], greeting: 'hello' });
    // The iteration continued in its failed state, with the variable its first state had assigned.
    expect(enteredStates(sinceRedrive(await historyOf(rt.sfn, execution)))).toEqual([
      'Each',
      'Flaky',
      'Report',
    ]);
    expect(callsFor('vars-p')).toHaveLength(1);
    expect(callsFor('vars-q')).toHaveLength(2);
  });
});
