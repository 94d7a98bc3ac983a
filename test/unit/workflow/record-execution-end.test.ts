import { describe, expect, it } from 'vitest';
import { recordExecutionEnd } from '#workflow/record-execution-end.ts';
import { MemoryJobRecords, MemoryLeaseStore, leaseReleaseOver } from '../../helpers/workflow-fakes.ts';
import { claimedJob, TEST_NOW } from '../../helpers/claimed-job.ts';

const now = TEST_NOW;

async function claimedState(jobId: string) {
  const { leases, jobs, state } = await claimedJob(jobId);
  return { leases, jobs, states: { lastState: async () => state } };
}

describe('recordExecutionEnd', () => {
  it('releases the lease of a stopped execution and records it as aborted', async () => {
    const { leases, jobs, states } = await claimedState('job-a');
    const result = await recordExecutionEnd(
      { executionArn: 'arn:job-a', name: 'job-a', status: 'ABORTED', error: 'Operator.Stop' },
      { states, ...leaseReleaseOver(leases), jobs, clock: { now: () => now } },
    );
    expect(result).toEqual({ recorded: true, released: true, outcome: 'aborted' });
    expect(leases.items.size).toBe(0);
    expect(jobs.items.get('amelia/job-a')).toMatchObject({ outcome: 'aborted', error: 'Operator.Stop' });
  });

  it('leaves an outcome the workflow recorded alone', async () => {
    const { leases, jobs, states } = await claimedState('job-b');
    await jobs.record('amelia', 'job-b', 'failed', { error: 'Job.Failed' }, now);
    const result = await recordExecutionEnd(
      { executionArn: 'arn:job-b', name: 'job-b', status: 'FAILED', error: 'Job.Failed' },
      { states, ...leaseReleaseOver(leases), jobs, clock: { now: () => now } },
    );
    expect(result.recorded).toBe(false);
    expect(jobs.items.get('amelia/job-b')).toMatchObject({ outcome: 'failed', error: 'Job.Failed' });
  });

  it('records an execution that never parsed its email under the unrouted project', async () => {
    const jobs = new MemoryJobRecords();
    const result = await recordExecutionEnd(
      { executionArn: 'arn:job-c', name: 'job-c', status: 'TIMED_OUT' },
      {
        states: { lastState: async () => undefined },
        ...leaseReleaseOver(new MemoryLeaseStore()),
        jobs,
        clock: { now: () => now },
      },
    );
    expect(result).toEqual({ recorded: true, released: false, outcome: 'timed-out' });
    expect(jobs.items.get('_unrouted/job-c')).toMatchObject({
      outcome: 'timed-out',
      error: 'Execution.TIMED_OUT',
    });
  });
});
