import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASL_FUNCTION_PLACEHOLDERS, ASL_TABLE_PLACEHOLDERS } from '#contracts/functions.ts';
import { localDefinitionSubstitutions } from '#local/lambda-functions.ts';
import { validateDefinition } from '#local/stepfunctions/validate-definition.ts';

const text = readFileSync(
  new URL('../../../statemachines/email-processor.asl.json', import.meta.url),
  'utf8',
);

interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals?: string[]; Next: string }[];
  Resource?: string;
}

describe('statemachines/email-processor.asl.json', () => {
  const definition = JSON.parse(text) as { StartAt: string; States: Record<string, State> };

  it('is valid ASL after substitution', () => {
    const substituted = Object.entries(
      localDefinitionSubstitutions('intake', { activeJobsTable: 'intake-active-jobs' }),
    ).reduce((current, [name, value]) => current.replaceAll('${' + name + '}', value), text);
    expect(substituted).not.toContain('${');
    expect(validateDefinition(JSON.parse(substituted))).toEqual({ valid: true, errors: [] });
  });

  it('names only the placeholders the deployments substitute', () => {
    const placeholders = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]));
    expect([...placeholders].sort()).toEqual(
      [...Object.keys(ASL_FUNCTION_PLACEHOLDERS), ...Object.keys(ASL_TABLE_PLACEHOLDERS)].sort(),
    );
  });

  it('reaches every state, and every failure path ends in a named state', () => {
    const reachable = new Set<string>();
    const visit = (name: string) => {
      if (reachable.has(name)) return;
      reachable.add(name);
      const state = definition.States[name];
      expect(state, `state ${name}`).toBeDefined();
      for (const next of [
        state?.Next,
        state?.Default,
        ...(state?.Choices ?? []).map((c) => c.Next),
        ...(state?.Catch ?? []).map((c) => c.Next),
      ]) {
        if (next) visit(next);
      }
    };
    visit(definition.StartAt);
    expect([...reachable].sort()).toEqual(Object.keys(definition.States).sort());
  });

  it('waits in the queue up to the queue-wait limit without a heartbeat, then runs with a heartbeat', () => {
    const queueJob = definition.States.QueueJob as State & Record<string, unknown>;
    expect(queueJob.Resource).toBe('arn:aws:states:::sqs:sendMessage.waitForTaskToken');
    expect(queueJob.HeartbeatSecondsPath).toBeUndefined();
    expect(queueJob.HeartbeatSeconds).toBeUndefined();
    expect(queueJob.TimeoutSecondsPath).toBe('$.claim.queueWaitSeconds');
    expect(queueJob.Next).toBe('RunJob');
    expect(JSON.stringify(queueJob)).toContain('$$.Task.Token');

    const runJob = definition.States.RunJob as State & Record<string, unknown>;
    expect(runJob.Resource).toBe('arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken');
    expect(runJob.HeartbeatSecondsPath).toBe('$.claim.heartbeatSeconds');
    expect(runJob.TimeoutSecondsPath).toBe('$.claim.timeoutSeconds');
    expect(JSON.stringify(runJob)).toContain('$$.Task.Token');
    // Both waits end in the same places: interrupted, timed out (to the DLQ), failed.
    expect(runJob.Catch).toEqual(queueJob.Catch);
    expect(runJob.Catch?.map((c) => c.Next)).toEqual([
      'ReleaseInterruptedJob',
      'DeadLetterJob',
      'RecordJobFailure',
    ]);
  });

  it('dead-letters a timed-out job itself, and reaches HandleTimeout whether or not the send worked', () => {
    const deadLetter = definition.States.DeadLetterJob as State & Record<string, unknown>;
    expect(deadLetter.Resource).toBe('arn:aws:states:::sqs:sendMessage');
    expect(JSON.stringify(deadLetter)).toContain('$.claim.job.deadLetterQueueUrl');
    expect(deadLetter.Next).toBe('HandleTimeout');
    expect(deadLetter.Catch?.map((c) => [c.ErrorEquals, c.Next])).toEqual([
      [['States.ALL'], 'HandleTimeout'],
    ]);
  });
});
