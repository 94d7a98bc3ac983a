import type { Clock } from '../contracts/clock.ts';
import { leaseIdOf } from '../contracts/identifiers.ts';
import { replyBy } from '../contracts/reply-policy.ts';
import type { StateError, WorkflowState } from '../contracts/workflow-state.ts';
import { InvalidStateError } from './errors.ts';
import type { SenderNotifier } from './notifications.ts';
import type { JobRecords } from './ports.ts';
import { releaseLease, type LeaseReleaseDeps } from './release-lease.ts';

export interface HandleTimeoutDeps extends LeaseReleaseDeps {
  jobs: JobRecords;
  notifier: SenderNotifier;
  clock: Clock;
}

/**
 * No worker picked the job up within the queue-wait limit, or the worker missed its heartbeat or ran
 * past the job's limit. The state before (DeadLetterJob) put the job with its context on the
 * project's dead-letter queue for a person, or failed to. Release the lease if this job still holds
 * it, record the outcome with the dead-letter message id (or why there is none) and tell the sender
 * (contracts/reply-policy.ts: this step answers a timeout).
 */
export async function handleTimeout(
  state: WorkflowState,
  deps: HandleTimeoutDeps,
): Promise<{ outcome: 'timed-out'; deadLetterMessageId: string | null; released: boolean }> {
  const job = state.claim?.job;
  if (!job) throw new InvalidStateError('HandleTimeout needs the queued job');
  const now = deps.clock.now();
  const released = await releaseLease(leaseIdOf(job.projectId, job.userId), job.jobId, deps);
  const deadLetterMessageId = state.deadLetter?.messageId ?? null;
  const detail = !state.pickup
    ? `no worker picked it up within ${state.claim?.queueWaitSeconds ?? job.settings.queueWaitSeconds} s`
    : state.error?.Error === 'States.HeartbeatTimeout'
      ? 'no heartbeat in time'
      : 'past its time limit';
  await deps.jobs.record(
    job.projectId,
    job.jobId,
    'timed-out',
    {
      error: state.error?.Error,
      cause: [
        state.error?.Cause ? `${detail} (${state.error.Cause})` : detail,
        ...(state.deadLetterError ? [`not dead-lettered: ${deadLetterFailure(state.deadLetterError)}`] : []),
      ].join('; '),
      deadLetterMessageId: deadLetterMessageId ?? undefined,
    },
    now,
  );
  const reply = replyBy('handle-timeout', { kind: 'timed-out' });
  if (reply)
    await deps.notifier.notify({
      kind: reply,
      to: job.sender,
      projectId: job.projectId,
      userId: job.userId,
      threadId: job.threadId,
      subject: job.subject,
      inReplyTo: job.messageId,
      references: [...(state.email?.references ?? []), job.messageId],
      detail,
    });
  return { outcome: 'timed-out', deadLetterMessageId, released };
}

function deadLetterFailure({ Error: error, Cause: cause }: StateError): string {
  return cause ? `${error}: ${cause.slice(0, 500)}` : error;
}
