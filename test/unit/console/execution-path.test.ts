import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { executionPath } from '#local/console/execution-path.ts';

let nextId = 1;
const event = (type: string, details: Partial<HistoryEvent> = {}): HistoryEvent =>
  ({ id: nextId++, type, timestamp: new Date(0), ...details }) as HistoryEvent;
const entered = (type: string, name: string) =>
  event(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: '{}' } });
const exited = (type: string, name: string) =>
  event(`${type}StateExited`, { stateExitedEventDetails: { name, output: '{"ok":true}' } });

describe('executionPath', () => {
  it('counts a state that failed and then succeeded on retry as succeeded', () => {
    const path = executionPath(
      [
        event('ExecutionStarted'),
        entered('Task', 'Claim'),
        event('TaskScheduled'),
        event('TaskFailed', {
          taskFailedEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke',
            error: 'Slot.Busy',
            cause: 'busy',
          },
        }),
        event('TaskScheduled'),
        event('TaskSucceeded'),
        exited('Task', 'Claim'),
        event('ExecutionSucceeded'),
      ],
      'SUCCEEDED',
    );
    expect(path.visits).toMatchObject([{ name: 'Claim', status: 'succeeded', output: '{"ok":true}' }]);
    expect(path.transitions.map((t) => [t.from, t.to])).toEqual([
      ['__start__', 'Claim'],
      ['Claim', '__end__'],
    ]);
  });

  it('marks a caught error, the Fail state, and the catch transition', () => {
    const path = executionPath(
      [
        entered('Task', 'Queue'),
        event('TaskScheduled'),
        event('TaskFailed', {
          taskFailedEventDetails: {
            resourceType: 'sqs',
            resource: 'sendMessage',
            error: 'Job.Failed',
            cause: 'no',
          },
        }),
        entered('Task', 'Record'),
        exited('Task', 'Record'),
        entered('Fail', 'Failed'),
        event('ExecutionFailed'),
      ],
      'FAILED',
    );
    expect(path.visits.map((v) => [v.name, v.status, v.error])).toEqual([
      ['Queue', 'caught', 'Job.Failed'],
      ['Record', 'succeeded', undefined],
      ['Failed', 'failed', undefined],
    ]);
    expect(path.transitions).toContainEqual({ from: 'Queue', to: 'Record', viaCatch: true });
    expect(path.transitions).toContainEqual({ from: 'Failed', to: '__end__', viaCatch: false });
  });

  it('leaves the current state running, and marks it aborted when the execution is stopped', () => {
    const events = [entered('Task', 'Wait'), event('TaskScheduled'), event('TaskSubmitted')];
    expect(executionPath(events, 'RUNNING').visits[0]?.status).toBe('running');
    expect(executionPath(events, 'ABORTED').visits[0]?.status).toBe('aborted');
    expect(executionPath(events, 'TIMED_OUT').visits[0]?.status).toBe('failed');
  });
});
