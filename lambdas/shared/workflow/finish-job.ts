import { JOB_ERRORS } from '#contracts/messages';
import { UNROUTED_PROJECT, type JobOutcome } from '#contracts/tables';
import type { WorkflowState } from '#contracts/workflow-state';
import type { Notification, NotificationKind, SenderNotifier } from './notifications.ts';
import type { JobRecords } from './ports.ts';
import { releaseIfClaimed, type SlotReleaseDeps } from './release-slot.ts';

export type FinishKind = 'not-accepted' | 'succeeded' | 'interrupted' | 'failed' | 'slot-unavailable';

export interface FinishJobDeps extends SlotReleaseDeps {
  jobs: JobRecords;
  notifier: SenderNotifier;
  now: () => Date;
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
 * Ends a job: releases the slot (only if this job still holds it), records the one final outcome,
 * and tells the sender where that is safe and the worker has not already done so.
 */
export async function finishJob(
  kind: FinishKind,
  state: WorkflowState,
  deps: FinishJobDeps,
): Promise<FinishResult> {
  const now = deps.now();
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

function notificationFor(kind: FinishKind, state: WorkflowState): Notification | undefined {
  const email = state.email;
  if (!email?.sender || !email.projectId || !email.userId) return undefined;
  let notificationKind: NotificationKind;
  let detail: string;
  switch (kind) {
    case 'succeeded':
      return undefined; // the worker replies with its summary
    case 'not-accepted':
      if (state.admission?.decision !== 'rejected' || !state.admission.replySafe) return undefined;
      notificationKind = 'rejected';
      detail = state.admission.reason ?? 'rejected';
      break;
    case 'interrupted':
      notificationKind = 'interrupted';
      detail = state.error?.Cause ?? 'before it started';
      break;
    case 'slot-unavailable':
      notificationKind = 'slot-unavailable';
      detail = state.error?.Cause ?? '';
      break;
    case 'failed':
      // The worker already told the sender why its job failed.
      if (state.error?.Error === JOB_ERRORS.failed || state.admission?.decision !== 'accepted')
        return undefined;
      notificationKind = 'failed';
      detail = `${state.error?.Error ?? 'Error'}: the system could not finish this email; it has been recorded.`;
      break;
  }
  return {
    kind: notificationKind,
    to: email.sender,
    projectId: email.projectId,
    userId: email.userId,
    threadId: email.threadId,
    subject: email.subject,
    inReplyTo: email.messageId,
    references: [...email.references, email.messageId],
    detail,
  };
}
