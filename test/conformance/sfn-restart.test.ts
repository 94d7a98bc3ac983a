import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/cli-process.ts';
import { waitFor } from '../helpers/wait.ts';
import type { NodeProcess } from '../helpers/node-process.ts';
import { callsIn, historyOf, sfnClient, startRuntimeProcess } from './sfn-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/conformance';
const WAIT_SECONDS = 6;
const BACKOFF_SECONDS = 6;

const callbackMachine = {
  StartAt: 'Handoff',
  States: {
    Handoff: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'record', Payload: { key: 'callback', 'token.$': '$$.Task.Token' } },
      HeartbeatSeconds: 300,
      TimeoutSeconds: 900,
      ResultPath: '$.result',
      End: true,
    },
  },
};
const waitMachine = (result: string) => ({
  StartAt: 'Pause',
  States: {
    Pause: { Type: 'Wait', Seconds: WAIT_SECONDS, Next: 'Answer' },
    Answer: { Type: 'Pass', Result: result, End: true },
  },
});
const retryMachine = {
  StartAt: 'Flaky',
  States: {
    Flaky: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'fail-once', Payload: { key: 'retry' } },
      ResultSelector: { 'ok.$': '$.Payload.ok', 'retryCount.$': '$$.State.RetryCount' },
      Retry: [
        { ErrorEquals: ['Flaky.Error'], IntervalSeconds: BACKOFF_SECONDS, BackoffRate: 1, MaxAttempts: 2 },
      ],
      End: true,
    },
  },
};

const ofType = (events: HistoryEvent[], type: string) => events.filter((event) => event.type === type);
const at = (event: HistoryEvent | undefined) => event?.timestamp?.getTime() ?? Number.NaN;

describe('the local Step Functions runtime killed with SIGKILL resumes every execution in place', () => {
  let dataDir: string;
  let port: number;
  let runtime: NodeProcess;
  let sfn: SFNClient;
  const arns: Record<'callback' | 'wait' | 'retry', string> = { callback: '', wait: '', retry: '' };
  const before: Record<'callback' | 'wait' | 'retry', HistoryEvent[]> = { callback: [], wait: [], retry: [] };
  let oldToken = '';

  const create = async (name: string, definition: object) =>
    (
      await sfn.send(
        new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }),
      )
    ).stateMachineArn!;
  const start = async (stateMachineArn: string) =>
    (await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{"n":1}' }))).executionArn!;
  const historyWith = (arn: string, type: string) =>
    waitFor(`${type} in ${arn}`, async () => {
      const events = await historyOf(sfn, arn);
      return events.some((event) => event.type === type) ? events : undefined;
    });
  const finished = (arn: string) =>
    waitFor(
      `${arn} to finish`,
      async () => {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        return described.status === 'RUNNING' ? undefined : described;
      },
      { timeoutMs: 30_000 },
    );

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sfn-restart-'));
    port = await freePort();
    runtime = await startRuntimeProcess(dataDir, port);
    sfn = sfnClient(port);

    const waitArn = await create('wait-v1', waitMachine('v1'));
    arns.callback = await start(await create('callback', callbackMachine));
    arns.wait = await start(waitArn);
    arns.retry = await start(await create('retry', retryMachine));
    // The execution keeps the definition it started with.
    await sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: waitArn,
        definition: JSON.stringify(waitMachine('v2')),
      }),
    );

    before.callback = await historyWith(arns.callback, 'TaskSubmitted');
    before.wait = await historyWith(arns.wait, 'WaitStateEntered');
    before.retry = await historyWith(arns.retry, 'TaskFailed');
    await runtime.kill();

    const scheduled = ofType(before.callback, 'TaskScheduled')[0]?.taskScheduledEventDetails?.parameters;
    oldToken = (JSON.parse(scheduled ?? '{}') as { Payload: { token: string } }).Payload.token;
    sfn.destroy();
    runtime = await startRuntimeProcess(dataDir, port);
    sfn = sfnClient(port);
  }, 120_000);

  afterAll(async () => {
    sfn?.destroy();
    await runtime?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a task-token wait keeps its token: heartbeat and success on the old token finish it, one send', async () => {
    expect(ofType(before.callback, 'TaskSucceeded')).toHaveLength(0);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: oldToken }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '{"done":true}' }));
    const done = await finished(arns.callback);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ n: 1, result: { done: true } });
    expect(callsIn(dataDir).filter((call) => call.key === 'callback')).toHaveLength(1);

    const events = await historyOf(sfn, arns.callback);
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('a Wait state keeps its wall-clock deadline and the definition version it started with', async () => {
    expect(ofType(before.wait, 'WaitStateExited')).toHaveLength(0);
    const done = await finished(arns.wait);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toBe('"v1"');
    const events = await historyOf(sfn, arns.wait);
    expect(ofType(events, 'WaitStateEntered')).toHaveLength(1);
    expect(ofType(events, 'ExecutionRedriven')).toHaveLength(0);
    const waited = at(ofType(events, 'WaitStateExited')[0]) - at(ofType(events, 'WaitStateEntered')[0]);
    expect(waited).toBeGreaterThanOrEqual(WAIT_SECONDS * 1000 - 1);
  });

  it('a retry backoff keeps its due time and its RetryCount; the failed attempt is not repeated', async () => {
    expect(ofType(before.retry, 'TaskScheduled')).toHaveLength(1);
    const done = await finished(arns.retry);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ ok: true, retryCount: 1 });
    expect(callsIn(dataDir).filter((call) => call.key === 'retry')).toHaveLength(2);
    const events = await historyOf(sfn, arns.retry);
    expect(ofType(events, 'TaskStateEntered')).toHaveLength(1);
    const [, retried] = ofType(events, 'TaskScheduled');
    expect(at(retried) - at(ofType(events, 'TaskFailed')[0])).toBeGreaterThanOrEqual(
      BACKOFF_SECONDS * 1000 - 1,
    );
  });

  it('no execution is re-driven by a plain restart', async () => {
    for (const arn of Object.values(arns)) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      expect(described.redriveCount ?? 0).toBe(0);
    }
  });
});
