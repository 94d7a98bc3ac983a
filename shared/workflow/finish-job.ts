import type { Clock } from '../contracts/clock.ts';
import { replyBy, type JobEvent, type RepliesOf } from '../contracts/reply-policy.ts';
import { UNROUTED_PROJECT, type JobOutcome } from '../contracts/tables.ts';
import type { WorkflowState } from '../contracts/workflow-state.ts';
import type { Notification, SenderNotifier } from './notifications.ts';
import type { JobRecords } from './ports.ts';
import { releaseIfClaimed, type LeaseReleaseDeps } from './release-lease.ts';

export type FinishKind = 'not-accepted' | 'succeeded' | 'interrupted' | 'failed' | 'slot-unavailable';

export interface FinishJobDeps extends LeaseReleaseDeps {
  jobs: JobRecords;
  notifier: SenderNotifier;
  clock: Clock;
}

/** Also the execution's output when the job succeeded (state ReleaseJob). */
export interface FinishResult {
  jobId: string;
  outcome: JobOutcome;
  reason: string | null;
  released: boolean;
  summary?: unknown;
}

const CAUSE_LIMIT = 4000;

/**
 * Ends a job: releases the lease (only if this job still holds it), records the one final outcome,
 * and tells the sender when the reply policy (contracts/reply-policy.ts) says this step answers.
 */
export async function finishJob(
  kind: FinishKind,
  state: WorkflowState,
  deps: FinishJobDeps,
): Promise<FinishResult> {
  const now = deps.clock.now();
  const email = state.email;
  const projectId = email?.projectId ?? UNROUTED_PROJECT;
  const released = await releaseIfClaimed(state, deps);

  const outcome = outcomeOf(kind, state);
  const reason = kind === 'not-accepted' ? (state.admission?.reason ?? null) : (state.error?.Error ?? null);
  await deps.jobs.record(
    projectId,
    state.jobId,
    outcome,
    {
      executionArn: state.executionArn,
      bucket: state.bucket,
      emailKey: state.key,
      reason: reason ?? undefined,
      detail: state.admission?.detail,
      error: state.error?.Error,
      cause: state.error?.Cause ? state.error.Cause.slice(0, CAUSE_LIMIT) : undefined,
      summary: kind === 'succeeded' ? state.result : undefined,
    },
    now,
  );

  const notification = notificationFor(kind, state);
  if (notification) await deps.notifier.notify(notification);
  return {
    jobId: state.jobId,
    outcome,
    reason,
    released,
    ...(kind === 'succeeded' ? { summary: state.result } : {}),
  };
}

function outcomeOf(kind: FinishKind, state: WorkflowState): JobOutcome {
  switch (kind) {
    case 'not-accepted':
      if (state.admission?.decision === 'ignored') return 'ignored';
      return state.admission?.reason === 'rate-limited' ? 'rate-limited' : 'rejected';
    case 'succeeded':
      return 'succeeded';
    case 'interrupted':
      return 'interrupted';
    case 'slot-unavailable':
      return 'slot-unavailable';
    case 'failed':
      return 'failed';
  }
}

/** What finish-job sees, in the reply policy's terms. */
function eventOf(kind: FinishKind, state: WorkflowState): JobEvent {
  if (kind === 'not-accepted')
    return {
      kind: 'not-accepted',
      ...(state.admission ? { decision: state.admission.decision } : {}),
      replySafe: state.admission?.replySafe ?? false,
    };
  return {
    kind: 'job-ended',
    outcome: kind,
    ...(state.error?.Error ? { error: state.error.Error } : {}),
    admitted: state.admission?.decision === 'accepted',
  };
}

function notificationFor(kind: FinishKind, state: WorkflowState): Notification | undefined {
  const email = state.email;
  // Nobody to answer, or no project address to answer from.
  if (!email?.sender || !email.projectId || !email.userId) return undefined;
  const reply = replyBy('finish-job', eventOf(kind, state));
  if (!reply) return undefined;
  return {
    kind: reply,
    to: email.sender,
    projectId: email.projectId,
    userId: email.userId,
    threadId: email.threadId,
    subject: email.subject,
    inReplyTo: email.messageId,
    references: [...email.references, email.messageId],
    detail: detailOf(reply, state),
  };
}

function detailOf(reply: RepliesOf['finish-job'], state: WorkflowState): string {
  switch (reply) {
    case 'rejected':
      return state.admission?.reason ?? 'rejected';
    case 'interrupted':
      return state.error?.Cause ?? 'before it started';
    case 'slot-unavailable':
      return state.error?.Cause ?? '';
    case 'failed':
      return `${state.error?.Error ?? 'Error'}: the system could not finish this email; it has been recorded.`;
  }
}
