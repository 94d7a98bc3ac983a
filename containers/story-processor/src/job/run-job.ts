import { JOB_ERRORS, type JobMessage, type JobSummary } from '#contracts/messages.ts';
import { METRICS, KIND_DIMENSION, REPORT_DIMENSION } from '#contracts/metrics.ts';
import { replyBy } from '#contracts/reply-policy.ts';
import { leaseIdOf } from '#contracts/identifiers.ts';
import type {
  CallbackOutcome,
  ForgeConnector,
  WorkerLeaseStore,
  Mailer,
  ReplyComposer,
  TaskCallbacks,
  WorkerReport,
  WorkQueue,
} from '../ports.ts';
import { runStoryPipeline, type PipelineDeps, type PipelineOutcome } from '../pipeline/story-pipeline.ts';
import { redact } from '../text.ts';
import type { JobControl } from './job-control.ts';
import { startKeepAlive } from './keep-alive.ts';
import { pickUpJob } from './pickup.ts';
import { watchInterrupts } from './interrupt-watcher.ts';
import type { MessageHold } from './message-hold.ts';
import { createDelivery } from './delivery.ts';
import { failureReply, successReply } from './reply-text.ts';
import { failureCause, interruptCause, summaryOutput } from './report-text.ts';

export interface JobRunnerDeps extends PipelineDeps {
  queue: WorkQueue;
  callbacks: TaskCallbacks;
  leases: WorkerLeaseStore;
  mailer: Mailer;
  composeReply: ReplyComposer;
  /** Pull requests for projects whose repository names a forge. */
  forges?: ForgeConnector;
}

export interface JobRunnerSettings {
  workerId: string;
  /** Default: a third of the shortest of heartbeatSeconds, leaseSeconds and the visibility extension. */
  keepAliveIntervalMs?: number;
  visibilitySeconds: number;
  interruptWaitSeconds: number;
}

export type JobRunResult =
  | {
      kind: 'succeeded' | 'failed' | 'interrupted' | 'abandoned';
      callbackAt?: number;
      interruptLatencyMs?: number;
    }
  /** Shutdown: the message was made visible again for another worker to resume from the checkpoint. */
  | { kind: 'handed-over' }
  /** The message was for a job already reported: deleted. */
  | { kind: 'duplicate' }
  /** Another live worker runs this job: the message was put back. */
  | { kind: 'held-elsewhere' }
  /** The callback could not be delivered: the message stays, to be retried after it becomes visible. */
  | { kind: 'callback-failed' };

/**
 * One job from pickup to report: recognise a duplicate, claim the lease, answer the queue token and
 * take the run token, keep the job alive, listen for interrupts, run the pipeline, report through the
 * run token, reply to the sender, and only then delete the message.
 */
export async function runJob(
  message: JobMessage,
  hold: MessageHold,
  control: JobControl,
  deps: JobRunnerDeps,
  settings: JobRunnerSettings,
): Promise<JobRunResult> {
  const { job } = message;
  // The queue token until the workflow's RunJob state hands out the run token (see pickup.ts).
  let taskToken = message.taskToken;
  const { clock, log, metrics } = deps;
  const leaseId = leaseIdOf(job.projectId, job.userId);
  const context = { jobId: job.jobId, projectId: job.projectId, userId: job.userId };
  const delivery = createDelivery(job, {
    ...(deps.forges ? { forges: deps.forges } : {}),
    records: deps.records,
    log,
    secrets: deps.secrets,
    acknowledge: (text) => sendReply(text, `${job.jobId}.ack@intake`),
  });

  const record = await deps.records.load(job.projectId, job.jobId);
  if (record.report) {
    log.info('job already reported; dropping the redelivered message', {
      ...context,
      report: record.report.kind,
    });
    await hold.delete();
    return { kind: 'duplicate' };
  }
  const { leaseSeconds, heartbeatSeconds } = job.settings;
  const claim = await deps.leases.claim({
    leaseId,
    jobId: job.jobId,
    workerId: settings.workerId,
    expiresAt: clock.now().getTime() + leaseSeconds * 1000,
    now: clock.now().getTime(),
  });
  if (claim.kind === 'held-elsewhere') {
    const seconds = Math.min(
      900,
      Math.max(5, Math.ceil((claim.lease.expiresAt - clock.now().getTime()) / 1000) + 5),
    );
    log.info('job runs on another worker; putting the message back', {
      ...context,
      holder: claim.lease.workerId,
    });
    await hold.release(seconds);
    return { kind: 'held-elsewhere' };
  }
  if (claim.kind === 'not-ours') {
    return report({
      kind: 'failed',
      reason: 'The active-job lease is no longer held by this job, so it was not run.',
      detail: '',
      position: null,
      storiesTotal: 0,
    });
  }
  const pickup = await pickUpJob({
    queueToken: message.taskToken,
    leaseId,
    jobId: job.jobId,
    workerId: settings.workerId,
    lease: claim.lease,
    waitMs: heartbeatSeconds * 1000,
    callbacks: deps.callbacks,
    leases: deps.leases,
    clock,
  });
  if (pickup.kind === 'gone') {
    log.warn('the workflow is done with the job; dropping the message', {
      ...context,
      detail: pickup.detail,
    });
    await finish('abandoned', pickup.detail);
    return { kind: 'abandoned' };
  }
  taskToken = pickup.runToken;
  if (claim.lease.interruptRequestedBy) {
    control.requestStop({
      kind: 'interrupt',
      byJobId: claim.lease.interruptRequestedBy,
      reason: 'A newer email for the same project and user arrived.',
      noticedAt: clock.now().getTime(),
    });
  }

  await deps.records.markRunning(job.projectId, job.jobId, {
    workerId: settings.workerId,
    startedAt: clock.now().toISOString(),
  });
  log.info('job started', {
    ...context,
    resumed: pickup.resumed || Boolean(record.checkpoint?.completed.length),
  });
  const intervalMs =
    settings.keepAliveIntervalMs ??
    (Math.min(heartbeatSeconds, leaseSeconds, settings.visibilitySeconds) * 1000) / 3;
  const keepAlive = startKeepAlive({
    taskToken,
    leaseId,
    jobId: job.jobId,
    workerId: settings.workerId,
    leaseSeconds,
    intervalMs,
    hold,
    control,
    callbacks: deps.callbacks,
    leases: deps.leases,
    clock,
    log,
    metrics,
  });
  const watcher = watchInterrupts({
    queue: deps.queue,
    queueUrl: job.interruptQueueUrl,
    jobId: job.jobId,
    control,
    clock,
    log,
    waitSeconds: settings.interruptWaitSeconds,
  });

  let outcome: PipelineOutcome;
  try {
    outcome = await runStoryPipeline(job, control, deps, record.checkpoint, delivery.listener);
  } catch (error) {
    const kind = error instanceof Error ? error.name : 'Error';
    metrics.add(METRICS.errorsByKind, 1, { [KIND_DIMENSION]: kind });
    log.error('job failed unexpectedly', { ...context, error: String(error) });
    const text = redact(error instanceof Error ? error.message : String(error), deps.secrets);
    outcome = {
      kind: 'failed',
      reason: `The job stopped on an unexpected error (${kind}): ${text}`,
      detail: '',
      position: null,
      storiesTotal: 0,
    };
  } finally {
    await Promise.all([keepAlive.stop(), watcher.stop()]);
  }
  return report(outcome);

  async function report(outcome: PipelineOutcome): Promise<JobRunResult> {
    if (outcome.kind === 'stopped' && outcome.stop.kind === 'shutdown') {
      await deps.leases
        .handOver({ leaseId, jobId: job.jobId, workerId: settings.workerId })
        .catch((error: unknown) => log.warn('lease hand-over failed', { ...context, error: String(error) }));
      await hold.release(0);
      log.info('job handed over at shutdown', context);
      return { kind: 'handed-over' };
    }
    if (outcome.kind === 'stopped' && outcome.stop.kind === 'task-gone') {
      log.warn('task closed by the workflow; job stopped without a report', {
        ...context,
        detail: outcome.stop.detail,
      });
      await finish('abandoned', outcome.stop.detail);
      return { kind: 'abandoned' };
    }

    let delivered: CallbackOutcome;
    let kind: 'succeeded' | 'failed' | 'interrupted';
    let detail: string;
    let summary: JobSummary | undefined;
    let interruptLatencyMs: number | undefined;
    try {
      if (outcome.kind === 'completed') {
        kind = 'succeeded';
        detail = `${outcome.summary.commits.length} commits on ${outcome.summary.branch}`;
        const pullRequest = delivery.pullRequest();
        const reported = pullRequest
          ? { ...outcome.summary, pullRequest: { number: pullRequest.number, url: pullRequest.url } }
          : outcome.summary;
        summary = reported;
        delivered = await withRetries(() => deps.callbacks.succeed(taskToken, summaryOutput(reported)));
      } else if (outcome.kind === 'failed') {
        kind = 'failed';
        detail = failureCause(outcome.reason, outcome.detail);
        delivered = await withRetries(() => deps.callbacks.fail(taskToken, JOB_ERRORS.failed, detail));
      } else if (outcome.stop.kind === 'interrupt') {
        const stop = outcome.stop;
        kind = 'interrupted';
        detail = interruptCause({
          ...stop,
          position: outcome.position,
          storiesTotal: outcome.storiesTotal,
          committed: outcome.committed,
        });
        delivered = await withRetries(() => deps.callbacks.fail(taskToken, JOB_ERRORS.interrupted, detail));
        interruptLatencyMs = clock.now().getTime() - (stop.sentAt ?? stop.noticedAt);
        metrics.add(METRICS.interruptLatencyMs, interruptLatencyMs);
      } else {
        kind = 'failed';
        detail =
          'The worker lost the active-job lease (the workflow released the lease), so the job was stopped.';
        delivered = await withRetries(() => deps.callbacks.fail(taskToken, JOB_ERRORS.failed, detail));
      }
    } catch (error) {
      metrics.add(METRICS.errorsByKind, 1, { [KIND_DIMENSION]: 'Callback' });
      log.error('could not report the job; leaving the message for a retry', {
        ...context,
        error: String(error),
      });
      return { kind: 'callback-failed' };
    }
    const callbackAt = clock.now().getTime();
    if (delivered === 'task-gone') {
      await finish('abandoned', `callback refused, the task is closed (would have reported ${kind})`);
      return { kind: 'abandoned' };
    }
    await delivery.finish(kind, detail);
    const reply = replyBy('worker', { kind: 'worker-reported', outcome: kind });
    if (reply === 'done' && summary)
      await sendReply([successReply(summary), '', ...delivery.notes()].join('\n'));
    if (reply === 'failed')
      await sendReply([failureReply(job.jobId, detail), '', ...delivery.notes()].join('\n'));
    await finish(kind, detail, interruptLatencyMs);
    log.info('job reported', { ...context, outcome: kind, interruptLatencyMs });
    return { kind, callbackAt, ...(interruptLatencyMs !== undefined ? { interruptLatencyMs } : {}) };
  }

  async function finish(
    kind: WorkerReport['kind'],
    detail: string,
    interruptLatencyMs?: number,
  ): Promise<void> {
    metrics.add(METRICS.jobsReported, 1, { [REPORT_DIMENSION]: kind });
    const workerReport: WorkerReport = {
      kind,
      at: clock.now().toISOString(),
      workerId: settings.workerId,
      detail: detail.slice(0, 4096),
      ...(interruptLatencyMs !== undefined ? { interruptLatencyMs } : {}),
    };
    await deps.records
      .markReported(job.projectId, job.jobId, workerReport)
      .catch((error: unknown) =>
        log.warn('could not record the report', { ...context, error: String(error) }),
      );
    await hold
      .delete()
      .catch((error: unknown) =>
        log.warn('could not delete the job message', { ...context, error: String(error) }),
      );
  }

  async function sendReply(text: string, messageId = `${job.jobId}.reply@intake`): Promise<void> {
    try {
      const raw = await deps.composeReply({
        domain: job.replyFrom.slice(job.replyFrom.lastIndexOf('@') + 1),
        projectId: job.projectId,
        userId: job.userId,
        threadId: job.threadId,
        to: job.sender,
        subject: job.subject,
        inReplyTo: job.messageId,
        text,
        messageId,
      });
      await deps.mailer.send({ from: job.replyFrom, to: job.sender, raw });
    } catch (error) {
      metrics.add(METRICS.errorsByKind, 1, { [KIND_DIMENSION]: 'Reply' });
      log.warn('could not send the reply', { ...context, error: String(error) });
    }
  }

  async function withRetries(call: () => Promise<CallbackOutcome>): Promise<CallbackOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call();
      } catch (error) {
        if (attempt >= 4) throw error;
        await clock.sleep(250 * 2 ** attempt);
      }
    }
  }
}
