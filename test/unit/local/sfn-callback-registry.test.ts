import { describe, expect, it } from 'vitest';
import { CallbackRegistry } from '#local/stepfunctions/callback-registry.ts';
import type { CallbackOutcome } from '#local/stepfunctions/callback-registry.ts';
import { encodeTaskToken } from '#local/stepfunctions/task-token.ts';

const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:m:e';

describe('task tokens of an execution resuming after a restart', () => {
  it('answers a callback that arrives before the resumed task took its token once the task took it', async () => {
    const registry = new CallbackRegistry((arn) => arn === EXECUTION);
    const token = encodeTaskToken({ executionArn: EXECUTION, stateName: 'Approve' });
    registry.expect(token, EXECUTION);
    const taken: CallbackOutcome[] = [];
    let answered = false;
    const early = registry.settle(token, { kind: 'success', output: { ok: true } }).then(() => {
      answered = true;
    });
    const repeated = registry.settle(token, { kind: 'success', output: { again: true } });
    await Promise.resolve();
    expect(answered).toBe(false);

    registry.register(token, {
      executionArn: EXECUTION,
      settle: (outcome) => taken.push(outcome),
      heartbeat: () => {},
    });
    await early;
    expect(taken).toEqual([{ kind: 'success', output: { ok: true } }]);
    await expect(repeated).rejects.toMatchObject({ code: 'TaskTimedOut' });
  });

  it('answers TaskTimedOut to a waiting callback when the execution ends without the task taking it', async () => {
    const registry = new CallbackRegistry((arn) => arn === EXECUTION);
    const token = encodeTaskToken({ executionArn: EXECUTION, stateName: 'Approve' });
    registry.expect(token, EXECUTION);
    const waiting = registry.heartbeat(token);
    registry.closeExecution(EXECUTION);
    await expect(waiting).rejects.toMatchObject({ code: 'TaskTimedOut' });
  });
});
