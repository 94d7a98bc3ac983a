import { leaseIdOf } from '#contracts/identifiers.ts';
import { METRICS, KIND_DIMENSION } from '#contracts/metrics.ts';
import { JOB_ERRORS, jobMessageSchema, type JobMessage } from '#contracts/messages.ts';
import { inputQueueNamePrefix } from '#contracts/identifiers.ts';
import { JobControl } from '../job/job-control.ts';
import { MessageHold } from '../job/message-hold.ts';
import { runJob, type JobRunnerDeps, type JobRunnerSettings, type JobRunResult } from '../job/run-job.ts';
import type { NewQueueNotices, ReceivedMessage } from '../ports.ts';
import { QueueDiscovery } from './queue-discovery.ts';
import { safeJson } from '../safe-json.ts';

export interface SchedulerSettings extends JobRunnerSettings {
  queuePrefix: string;
  /** Jobs run at once across all project-users (never more than one per project-user). */
  maxConcurrency: number;
  /** Concurrent long polls. */
  pollers: number;
  /** Long-poll wait while there are no more queues than pollers; 1 s otherwise, to move on quickly. */
  pollWaitSeconds: number;
  discoveryIntervalMs: number;
  /** Pause when no queue can be polled (all busy, none known). */
  idleMs: number;
  maxVisibilityWindowSeconds: number;
  visibilityMarginSeconds: number;
  /** After SIGTERM, how long the in-flight step may run on before it is aborted. */
  shutdownGraceMs: number;
  /** Delay before a message for a busy project-user shows up again. */
  busyRetrySeconds: number;
}

export interface JobFinished {
  jobId: string;
  leaseId: string;
  result: JobRunResult;
}

interface RunningJob {
  jobId: string;
  leaseId: string;
  queueUrl: string;
  hold: MessageHold;
  control: JobControl;
  done: Promise<void>;
}

/**
 * Takes work fairly: a round-robin cursor over the discovered input queues, shared by the pollers, so
 * every queue gets its turn; a queue whose project-user already runs a job is skipped (unless that
 * job's message must be re-received near the visibility cap), and no poll starts without a free lease.
 */
export class Scheduler {
  private readonly running = new Map<string, RunningJob>();
  private readonly byQueue = new Map<string, RunningJob>();
  private readonly polling = new Set<string>();
  private readonly stopper = new AbortController();
  private readonly discovery: QueueDiscovery;
  /** Aborted (and replaced) when a notice adds a queue, so idle pollers look at once. */
  private newQueue = new AbortController();
  private reserved = 0;
  private cursor = 0;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly deps: JobRunnerDeps & { notices?: NewQueueNotices },
    private readonly settings: SchedulerSettings,
    private readonly onJobFinished?: (finished: JobFinished) => void,
  ) {
    this.discovery = new QueueDiscovery(deps.queue, inputQueueNamePrefix(settings.queuePrefix), deps.log);
  }

  get runningJobs(): string[] {
    return [...this.running.values()].map((job) => job.jobId);
  }

  refreshQueues(): Promise<readonly string[]> {
    return this.discovery.refresh();
  }

  async start(): Promise<void> {
    await this.discovery.refresh();
    this.loops = Array.from({ length: Math.max(1, this.settings.pollers) }, () => this.pollLoop());
    this.loops.push(this.discoveryLoop());
    if (this.deps.notices) this.loops.push(this.noticeLoop(this.deps.notices));
  }

  /** Stops taking work, asks running jobs to hand over at their next safe point, waits for them. */
  async stop(): Promise<void> {
    if (this.stopper.signal.aborted) return;
    this.stopper.abort();
    await Promise.all(this.loops);
    const timers = [...this.running.values()].map((job) => {
      job.control.requestStop({ kind: 'shutdown' });
      return setTimeout(() => job.control.abortInFlight(), this.settings.shutdownGraceMs);
    });
    await Promise.all([...this.running.values()].map((job) => job.done));
    timers.forEach(clearTimeout);
  }

  private async discoveryLoop(): Promise<void> {
    while (!this.stopper.signal.aborted) {
      try {
        await this.deps.clock.sleep(this.settings.discoveryIntervalMs, this.stopper.signal);
      } catch {
        return;
      }
      await this.discovery.refresh();
    }
  }

  /** A new project-user's input queue is polled as soon as ClaimJob announces it. */
  private async noticeLoop(notices: NewQueueNotices): Promise<void> {
    const { signal } = this.stopper;
    while (!signal.aborted) {
      try {
        const { inputQueueUrls, ignored } = await notices.next(signal);
        for (const url of inputQueueUrls)
          if (!this.discovery.add(url)) this.deps.log.warn('ignored a notice of a foreign queue', { url });
        if (inputQueueUrls.length > 0) {
          this.newQueue.abort();
          this.newQueue = new AbortController();
        }
        if (ignored.length > 0) this.deps.log.warn('dropped malformed new-queue notices', { ignored });
      } catch (error) {
        if (signal.aborted) return;
        this.deps.log.warn('new-queue notices unavailable; relying on queue discovery', {
          error: String(error),
        });
        await this.deps.clock.sleep(this.settings.discoveryIntervalMs, signal).catch(() => undefined);
      }
    }
  }

  private async pollLoop(): Promise<void> {
    const { signal } = this.stopper;
    let emptyReceives = 0;
    while (!signal.aborted) {
      const pick = this.pickQueue();
      const queueCount = this.discovery.queues.length;
      // With more queues than pollers a long poll on one empty queue would starve the others: poll
      // each briefly, and rest only after a whole round found nothing.
      const fewQueues = queueCount <= this.settings.pollers;
      if (!pick || (!fewQueues && emptyReceives >= queueCount)) {
        // A pick that is not polled gives its reservation back, or the pollers starve for good.
        if (pick?.reserved) this.reserved -= 1;
        emptyReceives = 0;
        await this.deps.clock
          .sleep(this.settings.idleMs, AbortSignal.any([signal, this.newQueue.signal]))
          .catch(() => undefined);
        continue;
      }
      this.polling.add(pick.url);
      try {
        // Not aborted on stop: SQS would still hand a message to an abandoned long poll and hide it
        // for the visibility timeout. A poll that returns after stop puts its message straight back.
        const messages = await this.deps.queue.receive(pick.url, {
          maxMessages: 1,
          waitSeconds: fewQueues ? this.settings.pollWaitSeconds : 0,
          visibilitySeconds: this.settings.visibilitySeconds,
        });
        if (pick.reserved) this.reserved -= 1;
        pick.reserved = false;
        emptyReceives = messages.length === 0 ? emptyReceives + 1 : 0;
        for (const message of messages) await this.dispatch(pick.url, message);
      } catch (error) {
        if (pick.reserved) this.reserved -= 1;
        if (!signal.aborted) {
          this.deps.log.warn('receive failed', { queueUrl: pick.url, error: String(error) });
          await this.deps.clock.sleep(this.settings.idleMs, signal).catch(() => undefined);
        }
      } finally {
        this.polling.delete(pick.url);
      }
    }
  }

  private pickQueue(): { url: string; reserved: boolean } | undefined {
    const queues = this.discovery.queues;
    for (let step = 0; step < queues.length; step += 1) {
      const index = (this.cursor + step) % queues.length;
      const url = queues[index] as string;
      if (this.polling.has(url)) continue;
      const busy = this.byQueue.get(url);
      if (busy) {
        if (!busy.hold.needsReacquire) continue;
        this.cursor = index + 1;
        return { url, reserved: false };
      }
      if (this.running.size + this.reserved >= this.settings.maxConcurrency) continue;
      this.cursor = index + 1;
      this.reserved += 1;
      return { url, reserved: true };
    }
    return undefined;
  }

  private async dispatch(queueUrl: string, message: ReceivedMessage): Promise<void> {
    const { queue, log } = this.deps;
    const putBack = (seconds: number): Promise<void> =>
      queue.changeVisibility(queueUrl, message.receiptHandle, seconds).catch((error: unknown) => {
        log.warn('could not put a message back', { error: String(error) });
      });
    const parsed = jobMessageSchema.safeParse(safeJson(message.body));
    if (!parsed.success) return this.dropMalformed(queueUrl, message, parsed.error.message);
    const { job } = parsed.data;
    const leaseId = leaseIdOf(job.projectId, job.userId);
    const existing = this.running.get(leaseId);
    if (existing?.jobId === job.jobId) {
      // Our own job's message came back (the 12-hour cap, or a lost extension): keep holding it.
      existing.hold.adopt(message.receiptHandle, message.receivedAt);
      await existing.hold.extend();
      log.info('re-acquired the message of a running job', { jobId: job.jobId });
      return;
    }
    if (existing || this.stopper.signal.aborted || this.running.size >= this.settings.maxConcurrency) {
      await putBack(existing ? this.settings.busyRetrySeconds : 0);
      return;
    }
    this.launch(parsed.data, queueUrl, leaseId, message);
  }

  private launch(message: JobMessage, queueUrl: string, leaseId: string, received: ReceivedMessage): void {
    const { deps, settings } = this;
    const hold = new MessageHold(
      deps.queue,
      queueUrl,
      received.receiptHandle,
      received.receivedAt,
      {
        visibilitySeconds: settings.visibilitySeconds,
        maxWindowSeconds: settings.maxVisibilityWindowSeconds,
        marginSeconds: settings.visibilityMarginSeconds,
      },
      deps.clock,
      deps.log,
    );
    const control = new JobControl();
    const entry: RunningJob = {
      jobId: message.job.jobId,
      leaseId,
      queueUrl,
      hold,
      control,
      done: Promise.resolve(),
    };
    this.running.set(leaseId, entry);
    this.byQueue.set(queueUrl, entry);
    entry.done = runJob(message, hold, control, deps, settings)
      .catch((error: unknown): JobRunResult => {
        deps.metrics.add(METRICS.errorsByKind, 1, { [KIND_DIMENSION]: 'Worker' });
        deps.log.error('job crashed; its message will be delivered again', {
          jobId: message.job.jobId,
          error: String(error),
        });
        return { kind: 'callback-failed' };
      })
      .then((result) => {
        this.running.delete(leaseId);
        this.byQueue.delete(queueUrl);
        deps.metrics.flush();
        this.onJobFinished?.({ jobId: message.job.jobId, leaseId, result });
      });
  }

  private async dropMalformed(queueUrl: string, message: ReceivedMessage, problem: string): Promise<void> {
    const { deps } = this;
    deps.metrics.add(METRICS.errorsByKind, 1, { [KIND_DIMENSION]: 'MalformedMessage' });
    deps.log.error('malformed job message', {
      queueUrl,
      messageId: message.messageId,
      problem: problem.slice(0, 500),
    });
    const body = safeJson(message.body);
    const token =
      body && typeof body === 'object' && 'taskToken' in body && typeof body.taskToken === 'string'
        ? body.taskToken
        : undefined;
    try {
      if (token)
        await deps.callbacks.fail(
          token,
          JOB_ERRORS.failed,
          `The job message was malformed: ${problem}`.slice(0, 32_000),
        );
      await deps.queue.delete(queueUrl, message.receiptHandle);
    } catch (error) {
      deps.log.warn('could not drop the malformed message', { error: String(error) });
    }
  }
}
