import { describe, expect, it } from 'vitest';
import type { JobMessage } from '#contracts/messages.ts';
import {
  Scheduler,
  type JobFinished,
  type SchedulerSettings,
} from '../../../containers/story-processor/src/scheduler/scheduler.ts';
import type { WorkerLeaseClaim } from '../../../containers/story-processor/src/ports.ts';
import { waitFor } from '../../helpers/wait.ts';
import { branchLog, createHarness, FakeLeases, makeJob, type Harness } from './fakes.ts';

const settings = (overrides: Partial<SchedulerSettings> = {}): SchedulerSettings => ({
  workerId: 'worker-a',
  queuePrefix: 'intake',
  maxConcurrency: 2,
  pollers: 2,
  pollWaitSeconds: 1,
  discoveryIntervalMs: 200,
  idleMs: 20,
  visibilitySeconds: 300,
  maxVisibilityWindowSeconds: 43_200,
  visibilityMarginSeconds: 120,
  interruptWaitSeconds: 1,
  shutdownGraceMs: 5000,
  busyRetrySeconds: 10,
  keepAliveIntervalMs: 100,
  ...overrides,
});

function collect(): {
  finished: JobFinished[];
  onJobFinished: (f: JobFinished) => void;
  waitFor(n: number): Promise<void>;
} {
  const finished: JobFinished[] = [];
  return {
    finished,
    onJobFinished: (f) => finished.push(f),
    async waitFor(n) {
      const deadline = Date.now() + 20_000;
      while (finished.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${finished.length} of ${n} jobs finished`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** Leases that any job may claim (the fairness test queues several jobs per lease). */
class OpenLeases extends FakeLeases {
  override async claim(input: {
    leaseId: string;
    jobId: string;
    workerId: string;
    expiresAt: number;
    now: number;
  }): Promise<WorkerLeaseClaim> {
    this.seed(input.leaseId, input.jobId);
    return super.claim(input);
  }
}

const sendJob = (h: Harness, job: ReturnType<typeof makeJob>, instruction: string): void => {
  h.blobs.put(job.bucket, job.instructionKey, instruction);
  h.queue.add(job.interruptQueueUrl);
  const message: JobMessage = { version: 1, taskToken: `token-${job.jobId}`, job };
  h.queue.send(job.inputQueueUrl, message);
};

describe('scheduler', () => {
  it('serves queues round-robin so that no project-user starves', async () => {
    const h = await createHarness({ leases: new OpenLeases() });
    const users = ['ann', 'bob', 'cat'];
    for (const userId of users) for (let i = 0; i < 2; i += 1) sendJob(h, makeJob({ userId }), '- quick');
    const done = collect();
    const scheduler = new Scheduler(h.deps, settings({ maxConcurrency: 1, pollers: 1 }), done.onJobFinished);
    await scheduler.start();
    await done.waitFor(6);
    await scheduler.stop();
    const order = done.finished.map((f) => f.leaseId.split('#')[1]);
    expect(new Set(order.slice(0, 3)).size).toBe(3);
    expect(new Set(order.slice(3)).size).toBe(3);
    expect(h.callbacks.calls.filter((c) => c.kind === 'succeed')).toHaveLength(6);
  });

  it('runs at most one job per project-user; the second waits for the first', async () => {
    const h = await createHarness({ leases: new OpenLeases() });
    const first = makeJob({ userId: 'ann' });
    const second = makeJob({ userId: 'ann' });
    sendJob(h, first, '- slow [offline:slow=600000]');
    sendJob(h, second, '- quick');
    const done = collect();
    const scheduler = new Scheduler(
      h.deps,
      settings({ maxConcurrency: 2, pollers: 1, busyRetrySeconds: 1 }),
      done.onJobFinished,
    );
    await scheduler.start();
    await waitFor('the first job to run', () => (scheduler.runningJobs.length > 0 ? true : undefined));
    // The first job holds its project-user until it is interrupted, so the second waits in the queue
    // however long the poller runs; a few more polls prove it is skipped rather than started.
    const receivesBefore = h.queue.receiveCalls;
    await waitFor('three more polls', () => (h.queue.receiveCalls >= receivesBefore + 3 ? true : undefined));
    expect(scheduler.runningJobs).toEqual([first.jobId]);
    expect(h.queue.visible(second.inputQueueUrl)).toBe(1);
    h.queue.send(first.interruptQueueUrl, {
      version: 1,
      kind: 'interrupt',
      targetJobId: first.jobId,
      byJobId: 'job-newer',
      reason: 'test releases the lease',
    });
    await done.waitFor(2);
    await scheduler.stop();
    expect(done.finished.map((f) => f.jobId)).toEqual([first.jobId, second.jobId]);
  });

  it('re-receives its own job message near the visibility cap instead of running it twice', async () => {
    const h = await createHarness();
    const job = makeJob();
    h.leases.seed(`${job.projectId}#${job.userId}`, job.jobId);
    sendJob(h, job, '- long story [offline:slow=3500]');
    const done = collect();
    const scheduler = new Scheduler(
      h.deps,
      settings({
        visibilitySeconds: 1,
        maxVisibilityWindowSeconds: 2,
        visibilityMarginSeconds: 0,
        keepAliveIntervalMs: 200,
      }),
      done.onJobFinished,
    );
    await scheduler.start();
    await done.waitFor(1);
    await scheduler.stop();
    expect(done.finished[0]?.result.kind).toBe('succeeded');
    expect(h.callbacks.calls).toHaveLength(1);
    expect(h.queue.size(job.inputQueueUrl)).toBe(0);
    expect([...h.queue.receives.values()][0]).toBeGreaterThanOrEqual(2);
    expect(await branchLog(h, job)).toHaveLength(1);
  });

  it('hands a job over on stop and another worker resumes it from the checkpoint', async () => {
    const h = await createHarness();
    const job = makeJob();
    h.leases.seed(`${job.projectId}#${job.userId}`, job.jobId);
    sendJob(h, job, '- one [offline:slow=300]\n- two [offline:slow=2000]\n- three [offline:slow=2000]');
    const first = collect();
    const workerA = new Scheduler(h.deps, settings(), first.onJobFinished);
    await workerA.start();
    await waitFor('the first story to be committed', async () =>
      (await branchLog(h, job)).length > 0 ? true : undefined,
    );
    await workerA.stop();

    expect(first.finished[0]?.result.kind).toBe('handed-over');
    expect(h.callbacks.calls).toHaveLength(0);
    expect(h.leases.items.get(`${job.projectId}#${job.userId}`)?.workerId).toBeUndefined();
    expect(h.queue.visible(job.inputQueueUrl)).toBe(1);
    const committedByA = (await branchLog(h, job)).length;
    expect(committedByA).toBeGreaterThanOrEqual(1);
    expect(committedByA).toBeLessThan(3);

    const second = collect();
    const workerB = new Scheduler(h.deps, settings({ workerId: 'worker-b' }), second.onJobFinished);
    await workerB.start();
    await second.waitFor(1);
    await workerB.stop();
    expect(second.finished[0]?.result.kind).toBe('succeeded');
    expect((await branchLog(h, job)).map((c) => c.subject)).toEqual([
      'Story 1/3: one',
      'Story 2/3: two',
      'Story 3/3: three',
    ]);
    expect(h.callbacks.calls).toHaveLength(1);
  });

  it('fails a malformed job message that still carries a task token, and drops it', async () => {
    const h = await createHarness();
    const url = 'http://127.0.0.1:1/000000000000/intake-input-demo-zed.fifo';
    h.queue.send(url, { version: 1, taskToken: 'tok', job: { jobId: 'x' } });
    const scheduler = new Scheduler(h.deps, settings(), undefined);
    await scheduler.start();
    const deadline = Date.now() + 5000;
    while (h.queue.size(url) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await scheduler.stop();
    expect(h.queue.size(url)).toBe(0);
    expect(h.callbacks.calls[0]).toMatchObject({ kind: 'fail', error: 'Job.Failed' });
    expect(h.callbacks.calls[0]?.cause).toContain('malformed');
  });
});
