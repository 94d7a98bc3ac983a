import { slotIdOf } from '#contracts/identifiers';
import type { Job } from '#contracts/messages';
import type { ClaimResult, WorkflowState } from '#contracts/workflow-state';
import { InvalidStateError, SlotBusyError } from './errors.ts';
import type { JobRecords, QueueProvisioner, SlotStore } from './ports.ts';

export interface ClaimJobDeps {
  slots: SlotStore;
  queues: QueueProvisioner;
  jobs: JobRecords;
  now: () => Date;
}

/**
 * Claims the project-user slot for this email's job. In `try` mode a busy slot is an answer (the
 * workflow then interrupts the holder); in `wait` mode it is a `Slot.Busy` error that the state
 * machine retries with backoff. The check and the claim are one conditional write, so two emails
 * can never both see a free slot.
 */
export async function claimJob(
  state: WorkflowState,
  mode: 'try' | 'wait',
  deps: ClaimJobDeps,
): Promise<ClaimResult> {
  const { email, settings } = state;
  if (
    !email?.projectId ||
    !email.userId ||
    !email.instructionKey ||
    !email.replyFrom ||
    !email.sender ||
    !settings
  ) {
    throw new InvalidStateError(
      'ClaimJob needs an admitted email with its project, user, sender and settings',
    );
  }
  const queues = await deps.queues.ensureProjectQueues(email.projectId, email.userId);
  const now = deps.now();
  const attempt = await deps.slots.claim({
    projectId: email.projectId,
    userId: email.userId,
    jobId: state.jobId,
    threadId: email.threadId,
    executionArn: state.executionArn,
    interruptQueueUrl: queues.interruptQueueUrl,
    now,
    // The job may wait in its queue this long before a worker claims the lease for its own term.
    leaseSeconds: settings.queueWaitSeconds + settings.leaseSeconds,
  });
  if (!attempt.claimed) {
    if (mode === 'wait') {
      throw new SlotBusyError(
        `Slot ${slotIdOf(email.projectId, email.userId)} is held by job ${attempt.holder.jobId} until ${attempt.holder.expiresAtIso}`,
      );
    }
    return {
      claimed: false,
      holder: {
        jobId: attempt.holder.jobId,
        interruptQueueUrl: attempt.holder.interruptQueueUrl,
        expiresAtIso: attempt.holder.expiresAtIso,
      },
      job: null,
      messageGroupId: null,
      slotId: null,
      queueWaitSeconds: null,
      heartbeatSeconds: null,
      timeoutSeconds: null,
    };
  }
  const job: Job = {
    jobId: state.jobId,
    executionArn: state.executionArn,
    threadId: email.threadId,
    projectId: email.projectId,
    userId: email.userId,
    messageId: email.messageId,
    bucket: state.bucket,
    emailKey: state.key,
    instructionKey: email.instructionKey,
    attachments: email.attachments,
    sender: email.sender,
    subject: email.subject,
    replyFrom: email.replyFrom,
    ...queues,
    settings,
  };
  await deps.jobs.record(email.projectId, state.jobId, 'queued', { executionArn: state.executionArn }, now);
  return {
    claimed: true,
    holder: null,
    job,
    // One group per project-user: its jobs are delivered in order, one at a time.
    messageGroupId: slotIdOf(email.projectId, email.userId).replace('#', '.'),
    slotId: slotIdOf(email.projectId, email.userId),
    queueWaitSeconds: settings.queueWaitSeconds,
    heartbeatSeconds: settings.heartbeatSeconds,
    timeoutSeconds: settings.jobTimeoutSeconds,
  };
}
