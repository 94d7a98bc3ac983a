import { describe, expect, it } from 'vitest';
import { handleTimeout } from '#workflow/handle-timeout.ts';
import { recordInterruption } from '#workflow/record-interruption.ts';
import {
  MemoryInterruptionLog,
  MemoryJobRecords,
  MemoryLeaseStore,
  RecordingNotifier,
  leaseReleaseOver,
} from '../../helpers/workflow-fakes.ts';
import { admittedState } from '../../helpers/workflow-states.ts';
import { claimedJob, TEST_NOW } from '../../helpers/claimed-job.ts';

const now = TEST_NOW;

describe('handleTimeout', () => {
  it('releases the lease, records the dead-letter message DeadLetterJob sent, and notifies', async () => {
    const claimed = await claimedJob('job-a');
    const { leases, jobs } = claimed;
    const notifier = new RecordingNotifier();
    const state = {
      ...claimed.state,
      pickup: { workerId: 'worker-a', pickedUpAt: now.toISOString() },
      error: { Error: 'States.HeartbeatTimeout', Cause: null },
      deadLetter: { messageId: 'msg-1' },
    };

    const result = await handleTimeout(state, {
      ...leaseReleaseOver(leases),
      jobs,
      notifier,
      clock: { now: () => now },
    });

    expect(result).toEqual({ outcome: 'timed-out', deadLetterMessageId: 'msg-1', released: true });
    expect(leases.items.size).toBe(0);
    expect(jobs.items.get('amelia/job-a')).toMatchObject({
      outcome: 'timed-out',
      cause: 'no heartbeat in time',
      deadLetterMessageId: 'msg-1',
    });
    expect(notifier.sent[0]).toMatchObject({ kind: 'timed-out' });
  });

  it('still records the timeout when the dead-letter send failed, and says why', async () => {
    const claimed = await claimedJob('job-d');
    const state = {
      ...claimed.state,
      error: { Error: 'States.Timeout', Cause: null },
      deadLetterError: { Error: 'SQS.AccessDeniedException', Cause: 'not authorized' },
    };
    const deps = {
      ...claimed,
      ...leaseReleaseOver(claimed.leases),
      notifier: new RecordingNotifier(),
      clock: { now: () => now },
    };

    expect(await handleTimeout(state, deps)).toMatchObject({
      outcome: 'timed-out',
      deadLetterMessageId: null,
    });
    expect(claimed.jobs.items.get('amelia/job-d')).toMatchObject({
      outcome: 'timed-out',
      cause:
        'no worker picked it up within 900 s; not dead-lettered: SQS.AccessDeniedException: not authorized',
    });
  });

  it('says that no worker picked the job up when the queue wait ran out', async () => {
    const claimed = await claimedJob('job-q');
    const deps = {
      ...claimed,
      ...leaseReleaseOver(claimed.leases),
      notifier: new RecordingNotifier(),
      clock: { now: () => now },
    };
    const state = { ...claimed.state, error: { Error: 'States.Timeout', Cause: null } };

    expect(await handleTimeout(state, deps)).toMatchObject({ outcome: 'timed-out', released: true });
    expect(claimed.jobs.items.get('amelia/job-q')).toMatchObject({
      outcome: 'timed-out',
      error: 'States.Timeout',
      cause: 'no worker picked it up within 900 s',
    });
  });

  it('needs the queued job', async () => {
    const deps = {
      ...leaseReleaseOver(new MemoryLeaseStore()),
      jobs: new MemoryJobRecords(),
      notifier: new RecordingNotifier(),
      clock: { now: () => now },
    };
    await expect(handleTimeout(admittedState(), deps)).rejects.toThrow(/queued job/);
  });
});

describe('recordInterruption', () => {
  it('flags the lease, writes the audit record and annotates the interrupted job', async () => {
    const { leases, jobs } = await claimedJob('job-a');
    const busy = (await claimedJob('job-b', { leases, jobs })).state.claim;
    const interruptions = new MemoryInterruptionLog();

    const result = await recordInterruption(
      { state: { ...admittedState('job-b'), claim: busy } },
      { leases, jobs, interruptions, clock: { now: () => now }, retentionDays: 30 },
    );

    expect(result).toEqual({ flagged: true, delivered: true });
    expect(leases.items.get('amelia#scott')?.interruptRequestedBy).toBe('job-b');
    expect(interruptions.entries[0]).toMatchObject({
      targetJobId: 'job-a',
      byJobId: 'job-b',
      delivered: true,
    });
    expect(interruptions.entries[0]!.expiresAt.getTime() - now.getTime()).toBe(30 * 86_400_000);
    expect(jobs.items.get('amelia/job-a')?.interruptedBy).toBe('job-b');
  });

  it('records an undelivered interrupt when the queue send failed', async () => {
    const { leases, jobs } = await claimedJob('job-a');
    const busy = (await claimedJob('job-b', { leases, jobs })).state.claim;
    const interruptions = new MemoryInterruptionLog();
    const state = {
      ...admittedState('job-b'),
      claim: busy,
      interruptError: { Error: 'SQS.Throttled', Cause: 'x' },
    };
    const result = await recordInterruption(
      { state },
      { leases, jobs, interruptions, clock: { now: () => now }, retentionDays: 1 },
    );
    expect(result.delivered).toBe(false);
    expect(interruptions.entries[0]?.reason).toContain('SQS.Throttled');
  });
});
