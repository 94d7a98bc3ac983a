import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait.ts';
import { branchLog, createHarness, makeJob } from './fakes.ts';

const SLOW = '- A story that takes a minute [offline:slow=60000]\n- Another one';

describe('stopping a running job', () => {
  it('aborts the in-flight model call on an interrupt message and reports Job.Interrupted quickly', async () => {
    const h = await createHarness();
    const job = makeJob();
    const running = h.run(job, SLOW);
    await waitFor('the job to start its first story', () =>
      h.records.get(job.projectId, job.jobId)?.progress?.checkpoint.position ? true : undefined,
    );
    h.queue.send(job.interruptQueueUrl, {
      version: 1,
      kind: 'interrupt',
      targetJobId: job.jobId,
      byJobId: 'job-newer',
      reason: 'A newer email arrived.',
    });
    const result = await running;

    expect(result.kind).toBe('interrupted');
    const [call] = h.callbacks.calls;
    expect(call?.error).toBe('Job.Interrupted');
    expect(call?.cause).toContain('Interrupted by job job-newer at story 1 of 2 (generate)');
    expect(call?.cause).toContain('0 stories committed');
    // How fast is measured by `npm run bench -- worker`; here: it stopped the minute-long story.
    expect(result.kind === 'interrupted' && result.interruptLatencyMs).toBeGreaterThanOrEqual(0);
    expect(h.queue.size(job.interruptQueueUrl)).toBe(0);
    expect(h.queue.deleted).toHaveLength(2);
    expect(h.mailer.sent.map((mail) => mail.raw.includes('Got it: 2 stories planned'))).toEqual([true]);
    expect(h.records.get(job.projectId, job.jobId)?.report?.kind).toBe('interrupted');
  });

  it('drops a stale interrupt for another job and keeps going', async () => {
    const h = await createHarness();
    const job = makeJob();
    h.queue.send(job.interruptQueueUrl, {
      version: 1,
      kind: 'interrupt',
      targetJobId: 'job-older',
      byJobId: 'x',
      reason: 'old',
    });
    const result = await h.run(job, '- One [offline:slow=300]\n- Two');
    expect(result.kind).toBe('succeeded');
    expect(h.queue.size(job.interruptQueueUrl)).toBe(0);
  });

  it('stops on the interrupt flag of the lease, seen at a renewal', async () => {
    const h = await createHarness();
    const job = makeJob();
    const running = h.run(job, SLOW, { keepAliveIntervalMs: 50 });
    await waitFor('the job to start its first story', () =>
      h.records.get(job.projectId, job.jobId)?.progress?.checkpoint.position ? true : undefined,
    );
    const lease = h.leases.items.get(`${job.projectId}#${job.userId}`);
    if (lease) lease.interruptRequestedBy = 'job-from-lease';
    const result = await running;
    expect(result.kind).toBe('interrupted');
    expect(h.callbacks.calls[0]?.cause).toContain('Interrupted by job job-from-lease');
  });

  it('stops at once without any report when a heartbeat answers TaskTimedOut', async () => {
    const h = await createHarness();
    h.callbacks.goneAfterHeartbeats = 1; // the pickup heartbeat works, the next one does not
    const job = makeJob();
    const started = Date.now();
    const result = await h.run(job, SLOW, { keepAliveIntervalMs: 50 });

    expect(result.kind).toBe('abandoned');
    expect(Date.now() - started).toBeLessThan(30_000); // well before the minute-long story ends
    expect(h.callbacks.calls).toHaveLength(0);
    expect(await branchLog(h, job)).toHaveLength(0);
    expect(h.queue.deleted).toHaveLength(1);
    expect(h.records.get(job.projectId, job.jobId)?.report?.kind).toBe('abandoned');
    expect(h.mailer.sent.filter((mail) => !mail.raw.includes('Got it:'))).toHaveLength(0);
  });

  it('recognises a redelivered message of a job already reported and deletes it unrun', async () => {
    const h = await createHarness();
    const job = makeJob();
    await h.run(job, '- Only story');
    const result = await h.run(job, '- Only story');
    expect(result.kind).toBe('duplicate');
    expect(h.callbacks.calls).toHaveLength(1);
    expect(await branchLog(h, job)).toHaveLength(1);
  });

  it('puts the message back when another live worker holds the job', async () => {
    const h = await createHarness();
    const job = makeJob();
    h.leases.seed(`${job.projectId}#${job.userId}`, job.jobId, { workerId: 'worker-b' });
    const result = await h.run(job, '- Only story');
    expect(result.kind).toBe('held-elsewhere');
    expect(h.callbacks.calls).toHaveLength(0);
    expect(h.queue.size(job.inputQueueUrl)).toBe(1);
  });
});
