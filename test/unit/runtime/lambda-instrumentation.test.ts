import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METRICS, OUTCOME_DIMENSION } from '#contracts/metrics.ts';
import { withLogging, type HandlerContext } from '#runtime/handler-context.ts';
import { powertoolsLambdaMetrics } from '#runtime/lambda-metrics.ts';

/** Powertools writes one JSON document per line (errors to stderr); this keeps them, in order. */
let lines: string[] = [];
beforeEach(() => {
  lines = [];
  const keep = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  vi.spyOn(process.stderr, 'write').mockImplementation(keep);
});
afterEach(() => vi.restoreAllMocks());
const documents = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

const context = { config: {}, aws: {}, logLevel: 'DEBUG' } as unknown as HandlerContext;

describe('Lambda metrics', () => {
  it('go out as EMF in the contract: namespace, service and the metric’s own dimension, unit', () => {
    powertoolsLambdaMetrics().emit(METRICS.jobsCompleted, 1, { [OUTCOME_DIMENSION]: 'succeeded' });
    const [emf] = documents();
    expect(emf).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Intake',
            Dimensions: [['service', 'Outcome']],
            Metrics: [{ Name: 'JobsCompleted', Unit: 'Count' }],
          },
        ],
      },
      service: 'intake',
      Outcome: 'succeeded',
      JobsCompleted: 1,
    });
  });
});

describe('Lambda logging', () => {
  const state = { jobId: 'email-abc', executionArn: 'arn:aws:states:eu-west-1:1:execution:m:email-abc' };
  const event = {
    outcome: 'failed',
    state: { ...state, email: { sender: 'ann@example.com', subject: 'Secret plan' } },
  };

  it('logs structured lines keyed by handler, job id and execution, never the event itself', async () => {
    const handler = withLogging('finish-job', context, () => async () => ({ ok: true }));
    await handler(event);
    const [line] = documents();
    expect(line).toMatchObject({ level: 'DEBUG', message: 'event handled', handler: 'finish-job', ...state });
    expect(lines.join('\n')).not.toContain('ann@example.com');
    expect(lines.join('\n')).not.toContain('Secret plan');
  });

  it('logs a failure with its error before Lambda sees it, and forgets the ids after the event', async () => {
    const handler = withLogging('record-execution-end', context, () => async (input) => {
      if (input) throw new Error('table unavailable');
      return undefined;
    });
    const ended = { detail: { name: 'email-def', executionArn: 'arn:x:email-def', status: 'FAILED' } };
    await expect(handler(ended)).rejects.toThrow('table unavailable');
    await handler(undefined);
    const [failure, next] = documents();
    expect(failure).toMatchObject({
      level: 'ERROR',
      message: 'event failed',
      jobId: 'email-def',
      executionArn: 'arn:x:email-def',
      error: { message: 'table unavailable' },
    });
    expect(next).toMatchObject({ message: 'event handled', handler: 'record-execution-end' });
    expect(next).not.toHaveProperty('jobId');
  });
});
