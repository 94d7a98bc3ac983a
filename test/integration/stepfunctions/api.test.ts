import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  InvalidDefinition,
  InvalidName,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionChange } from '#local/stepfunctions/index.ts';
import { callbackOpenEnded, passOnly } from './definitions.ts';
import { fakeClient, startHarness, tokenForMessage, waitForCompletion } from './harness.ts';
import type { Harness } from './harness.ts';

describe('Step Functions API', () => {
  let h: Harness;
  const sqs = fakeClient();
  let waitingArn: string;

  beforeAll(async () => {
    h = await startHarness({ clients: { sqs } });
    waitingArn = h.register(callbackOpenEnded);
  });
  afterAll(() => h.stop());

  it('creates state machines idempotently and rejects a changed or invalid definition', async () => {
    const definition = JSON.stringify(passOnly);
    const first = await h.sfn.send(
      new CreateStateMachineCommand({
        name: 'api-pass',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/x',
      }),
    );
    expect(first.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:api-pass');
    expect(first.creationDate).toBeInstanceOf(Date);
    const again = await h.sfn.send(
      new CreateStateMachineCommand({
        name: 'api-pass',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/x',
      }),
    );
    expect(again.stateMachineArn).toBe(first.stateMachineArn);

    await expect(
      h.sfn.send(
        new CreateStateMachineCommand({
          name: 'api-pass',
          definition: JSON.stringify(callbackOpenEnded),
          roleArn: 'r',
        }),
      ),
    ).rejects.toBeInstanceOf(StateMachineAlreadyExists);
    await expect(
      h.sfn.send(
        new CreateStateMachineCommand({
          name: 'api-bad',
          definition: '{"StartAt":"X","States":{}}',
          roleArn: 'r',
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidDefinition);

    const described = await h.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: first.stateMachineArn }),
    );
    expect(described).toMatchObject({ name: 'api-pass', definition, type: 'STANDARD', status: 'ACTIVE' });
  });

  it('StartExecution is idempotent by name while running with the same input', async () => {
    const input = JSON.stringify({ job: 'same' });
    const first = await h.sfn.send(
      new StartExecutionCommand({ stateMachineArn: waitingArn, name: 'msg-abc', input }),
    );
    const second = await h.sfn.send(
      new StartExecutionCommand({ stateMachineArn: waitingArn, name: 'msg-abc', input }),
    );
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(first.executionArn).toBe(
      'arn:aws:states:us-east-1:000000000000:execution:' + waitingArn.split(':').at(-1) + ':msg-abc',
    );

    await expect(
      h.sfn.send(
        new StartExecutionCommand({ stateMachineArn: waitingArn, name: 'msg-abc', input: '{"job":"other"}' }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    const token = await tokenForMessage(sqs, '"same"');
    await h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await waitForCompletion(h.sfn, first.executionArn!);
    // Finished: the same name is now taken whatever the input.
    await expect(
      h.sfn.send(new StartExecutionCommand({ stateMachineArn: waitingArn, name: 'msg-abc', input })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('rejects invalid execution names', async () => {
    for (const name of ['', 'has space', 'x'.repeat(81), 'a:b']) {
      await expect(
        h.sfn.send(new StartExecutionCommand({ stateMachineArn: waitingArn, name })),
      ).rejects.toBeInstanceOf(InvalidName);
    }
  });

  it('StopExecution aborts, records the states in progress and closes the task token', async () => {
    const { executionArn } = await h.sfn.send(
      new StartExecutionCommand({ stateMachineArn: waitingArn, name: 'to-stop', input: '{"job":"stop"}' }),
    );
    const token = await tokenForMessage(sqs, '"stop"');

    const { stopDate } = await h.sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Email.Superseded', cause: 'a reply arrived' }),
    );
    expect(stopDate).toBeInstanceOf(Date);
    const described = await h.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      status: 'ABORTED',
      error: 'Email.Superseded',
      cause: 'a reply arrived',
    });
    const { events = [] } = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.slice(-2).map((event) => event.type)).toEqual(['TaskStateAborted', 'ExecutionAborted']);
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual({
      error: 'Email.Superseded',
      cause: 'a reply arrived',
    });

    await expect(
      h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('lists executions newest first with a status filter and paging', async () => {
    const arn = h.register(passOnly);
    const names = ['e1', 'e2', 'e3', 'e4', 'e5'];
    for (const name of names) {
      const { executionArn } = await h.sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name, input: '{"value":1}' }),
      );
      await waitForCompletion(h.sfn, executionArn!);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await h.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: arn,
          statusFilter: 'SUCCEEDED',
          maxResults: 2,
          nextToken,
        }),
      );
      expect(page.executions!.length).toBeLessThanOrEqual(2);
      seen.push(...page.executions!.map((execution) => execution.name!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen).toEqual([...names].reverse());

    const running = await h.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }),
    );
    expect(running.executions).toEqual([]);
  });

  it('returns history in the AWS shape, with reverseOrder and paging, and notifies subscribers', async () => {
    const arn = h.register(passOnly);
    const changes: ExecutionChange[] = [];
    const unsubscribe = h.service.onExecutionEvent((change) => changes.push(change));
    const { executionArn } = await h.sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"value":7}' }),
    );
    await waitForCompletion(h.sfn, executionArn!);
    unsubscribe();

    const { events = [] } = await h.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.map((event) => [event.id, event.previousEventId, event.type])).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'PassStateEntered'],
      [3, 2, 'PassStateExited'],
      [4, 3, 'SucceedStateEntered'],
      [5, 4, 'SucceedStateExited'],
      [6, 5, 'ExecutionSucceeded'],
    ]);
    expect(events[0]!.timestamp).toBeInstanceOf(Date);
    expect(events[0]!.executionStartedEventDetails).toMatchObject({ input: '{"value":7}' });
    expect(events[1]!.stateEnteredEventDetails).toEqual({
      name: 'Shape',
      input: '{"value":7}',
      inputDetails: { truncated: false },
    });
    expect(events[2]!.stateExitedEventDetails).toEqual({
      name: 'Shape',
      output: '{"value":7}',
      outputDetails: { truncated: false },
    });
    expect(events[5]!.executionSucceededEventDetails).toMatchObject({ output: '{"value":7}' });

    const firstPage = await h.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 4 }),
    );
    expect(firstPage.events!.map((event) => event.id)).toEqual([6, 5, 4, 3]);
    const secondPage = await h.sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 4,
        nextToken: firstPage.nextToken,
      }),
    );
    expect(secondPage.events!.map((event) => event.id)).toEqual([2, 1]);
    expect(secondPage.nextToken).toBeUndefined();

    const historyChanges = changes.filter(
      (change) => change.kind === 'history' && change.executionArn === executionArn,
    );
    expect(historyChanges).toHaveLength(6);
    const statuses = changes.flatMap((change) => (change.kind === 'status' ? [change.execution.status] : []));
    expect(statuses).toEqual(['RUNNING', 'SUCCEEDED']);
  });
});
