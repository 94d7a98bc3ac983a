import { describe, expect, it } from 'vitest';
import { claimJob } from '#workflow/claim-job.ts';
import { FakeQueues, MemoryJobRecords, MemoryLeaseStore } from '../../helpers/workflow-fakes.ts';
import { admittedState } from '../../helpers/workflow-states.ts';

const setup = (now = new Date('2026-11-22T10:00:00Z')) => {
  const deps = {
    leases: new MemoryLeaseStore(),
    queues: new FakeQueues(),
    jobs: new MemoryJobRecords(),
    clock: { now: () => now },
  };
  return deps;
};

describe('claimJob', () => {
  it('claims a free lease and builds the job for the worker', async () => {
    const deps = setup();
    const result = await claimJob(admittedState('job-a'), deps);
    expect(result.claimed).toBe(true);
    expect(result.job).toMatchObject({
      jobId: 'job-a',
      projectId: 'amelia',
      userId: 'scott',
      inputQueueUrl: expect.stringContaining('input-amelia-scott.fifo'),
      interruptQueueUrl: expect.stringContaining('interrupt-amelia-scott.fifo'),
    });
    expect(result.messageGroupId).toBe('amelia.scott');
    expect(result.heartbeatSeconds).toBe(30);
    expect(result.timeoutSeconds).toBe(600);
    expect(deps.leases.items.get('amelia#scott')?.jobId).toBe('job-a');
    expect(deps.jobs.items.get('amelia/job-a')?.outcome).toBe('queued');
  });

  it('answers with the holder when the lease is busy', async () => {
    const deps = setup();
    await claimJob(admittedState('job-a'), deps);
    const busy = await claimJob(admittedState('job-b'), deps);
    expect(busy).toMatchObject({ claimed: false, holder: { jobId: 'job-a' }, job: null });
  });

  it('is idempotent for the job that holds the lease, and takes over an expired lease', async () => {
    const deps = setup();
    await claimJob(admittedState('job-a'), deps);
    expect((await claimJob(admittedState('job-a'), deps)).claimed).toBe(true);
    // A queued job's lease covers its queue wait (900 s) and one lease term (120 s): 10:17:00.
    const stillQueued = { ...deps, clock: { now: () => new Date('2026-11-22T10:16:59Z') } };
    expect((await claimJob(admittedState('job-b'), stillQueued)).claimed).toBe(false);
    const later = { ...deps, clock: { now: () => new Date('2026-11-22T10:17:01Z') } };
    expect((await claimJob(admittedState('job-b'), later)).claimed).toBe(true);
  });

  it('refuses a state without an admitted email', async () => {
    const deps = setup();
    await expect(claimJob({ ...admittedState(), email: undefined }, deps)).rejects.toMatchObject({
      name: 'Workflow.InvalidState',
    });
  });
});
