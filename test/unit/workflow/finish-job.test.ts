import { describe, expect, it } from 'vitest';
import { finishJob } from '#workflow/finish-job.ts';
import { RecordingNotifier, leaseReleaseOver } from '../../helpers/workflow-fakes.ts';
import { admittedState } from '../../helpers/workflow-states.ts';
import { claimedJob, TEST_NOW } from '../../helpers/claimed-job.ts';
import type { WorkflowState } from '#contracts/workflow-state.ts';

const now = TEST_NOW;

async function claimed(jobId: string) {
  const { leases, jobs, state } = await claimedJob(jobId);
  const notifier = new RecordingNotifier();
  return {
    leases,
    jobs,
    notifier,
    state,
    deps: { ...leaseReleaseOver(leases), jobs, notifier, clock: { now: () => now } },
  };
}

describe('finishJob', () => {
  it('releases the lease and records success without writing to the sender', async () => {
    const { deps, state, leases, jobs, notifier } = await claimed('job-a');
    const result = await finishJob('succeeded', { ...state, result: { commits: ['abc'] } }, deps);
    expect(result).toEqual({
      jobId: 'job-a',
      outcome: 'succeeded',
      reason: null,
      released: true,
      summary: { commits: ['abc'] },
    });
    expect(leases.items.size).toBe(0);
    expect(jobs.items.get('amelia/job-a')).toMatchObject({
      outcome: 'succeeded',
      summary: { commits: ['abc'] },
    });
    expect(notifier.sent).toEqual([]);
  });

  it('does not release a lease that another job holds now', async () => {
    const { deps, state, leases } = await claimed('job-a');
    leases.items.get('amelia#scott')!.jobId = 'job-b';
    expect((await finishJob('succeeded', state, deps)).released).toBe(false);
    expect(leases.items.get('amelia#scott')?.jobId).toBe('job-b');
  });

  it('records an interruption and tells the sender where the job stopped', async () => {
    const { deps, state, notifier } = await claimed('job-a');
    const result = await finishJob(
      'interrupted',
      { ...state, error: { Error: 'Job.Interrupted', Cause: 'story 2 of 3, generate' } },
      deps,
    );
    expect(result.outcome).toBe('interrupted');
    expect(notifier.sent[0]).toMatchObject({
      kind: 'interrupted',
      detail: 'story 2 of 3, generate',
      to: 'scott@example.com',
    });
  });

  it('leaves the reply to the worker when the worker reported Job.Failed', async () => {
    const { deps, state, notifier, jobs } = await claimed('job-a');
    await finishJob(
      'failed',
      { ...state, error: { Error: 'Job.Failed', Cause: 'validation failed: npm test' } },
      deps,
    );
    expect(jobs.items.get('amelia/job-a')).toMatchObject({
      outcome: 'failed',
      cause: 'validation failed: npm test',
    });
    expect(notifier.sent).toEqual([]);
  });

  it('tells the sender when a step of the workflow failed', async () => {
    const { deps, state, notifier } = await claimed('job-a');
    await finishJob('failed', { ...state, error: { Error: 'Lambda.Unknown', Cause: 'boom' } }, deps);
    expect(notifier.sent[0]?.kind).toBe('failed');
  });

  it('records a rejection under the unrouted project and replies only when safe', async () => {
    const { deps, jobs, notifier } = await claimed('job-x');
    const rejected: WorkflowState = {
      ...admittedState('job-r'),
      admission: { decision: 'rejected', reason: 'unknown-project', replySafe: true },
      email: { ...admittedState('job-r').email!, projectId: undefined, userId: undefined },
    };
    const result = await finishJob('not-accepted', rejected, deps);
    expect(result).toMatchObject({ outcome: 'rejected', reason: 'unknown-project', released: false });
    expect(jobs.items.get('_unrouted/job-r')?.outcome).toBe('rejected');
    expect(notifier.sent).toEqual([]); // no project address to reply from

    const spam: WorkflowState = {
      ...admittedState('job-s'),
      admission: { decision: 'rejected', reason: 'spam', replySafe: false },
    };
    await finishJob('not-accepted', spam, deps);
    expect(notifier.sent).toEqual([]);

    const unauthorised: WorkflowState = {
      ...admittedState('job-u'),
      admission: { decision: 'rejected', reason: 'unauthorised-sender', replySafe: true },
    };
    await finishJob('not-accepted', unauthorised, deps);
    expect(notifier.sent[0]).toMatchObject({ kind: 'rejected', detail: 'unauthorised-sender' });
  });

  it('records ignored auto-replies and never answers them', async () => {
    const { deps, jobs, notifier } = await claimed('job-x');
    const ignored: WorkflowState = {
      ...admittedState('job-i'),
      admission: { decision: 'ignored', reason: 'auto-reply', replySafe: false },
    };
    expect((await finishJob('not-accepted', ignored, deps)).outcome).toBe('ignored');
    expect(jobs.items.get('amelia/job-i')?.outcome).toBe('ignored');
    expect(notifier.sent).toEqual([]);
  });

  it('records slot-unavailable and tells the sender', async () => {
    const { deps, notifier } = await claimed('job-x');
    const state = { ...admittedState('job-w'), error: { Error: 'Slot.Busy', Cause: 'held by job-x' } };
    expect((await finishJob('slot-unavailable', state, deps)).outcome).toBe('slot-unavailable');
    expect(notifier.sent[0]?.kind).toBe('slot-unavailable');
  });

  it('records a parse failure with only the raw object known', async () => {
    const { deps, jobs } = await claimed('job-x');
    const state: WorkflowState = {
      jobId: 'job-p',
      executionArn: 'arn:x',
      bucket: 'intake-mail',
      key: 'emails/p',
      error: { Error: 'S3.NoSuchKey', Cause: 'gone' },
    };
    expect((await finishJob('failed', state, deps)).outcome).toBe('failed');
    expect(jobs.items.get('_unrouted/job-p')).toMatchObject({ outcome: 'failed', emailKey: 'emails/p' });
  });
});
