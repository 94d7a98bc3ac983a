import type { Clock } from '../contracts/clock.ts';
import { leaseIdOf } from '../contracts/identifiers.ts';
import type { Job } from '../contracts/messages.ts';
import { NOT_CLAIMED, type ClaimResult, type WorkflowState } from '../contracts/workflow-state.ts';
import { InvalidStateError } from './errors.ts';
import type { JobRecords, QueueProvisioner, LeaseStore, LeaseWaiters, TaskWaker } from './ports.ts';

export interface ClaimJobDeps {
  leases: LeaseStore;
  queues: QueueProvisioner;
  jobs: JobRecords;
  clock: Clock;
}

export interface WaitForLeaseDeps extends ClaimJobDeps {
  waiters: LeaseWaiters;
  waker: TaskWaker;
}

function admitted(state: WorkflowState) {
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
  return {
    email: { ...email, projectId: email.projectId, userId: email.userId, sender: email.sender },
    instructionKey: email.instructionKey,
    replyFrom: email.replyFrom,
    settings,
  };
}

/**
 * WaitForLease: parks this execution's task token with the lease (in arrival order), then claims. A
 * claim that succeeds answers the token at once; a busy lease leaves the task waiting until the step
 * that releases the lease wakes the oldest waiter (which then claims again) or the wait times out
 * (the workflow claims again then). Parking before claiming means a release can never slip between
 * a failed claim and the registration unseen.
 */
export async function waitForLease(
  state: WorkflowState,
  taskToken: string,
  deps: WaitForLeaseDeps,
): Promise<{ parked: boolean }> {
  const { email } = admitted(state);
  const waiter = { leaseId: leaseIdOf(email.projectId, email.userId), jobId: state.jobId, token: taskToken };
  await deps.waiters.park(waiter, deps.clock.now());
  const claim = await claimJob(state, deps);
  if (!claim.claimed) return { parked: true };
  await deps.waiters.leave(waiter);
  await deps.waker.wake(taskToken, claim);
  return { parked: false };
}

/**
 * Claims the project-user lease for this email's job. A busy lease is an answer (the workflow then
 * interrupts the holder and waits). The check and the claim are one conditional write, so two
 * emails can never both see a free lease.
 */
export async function claimJob(state: WorkflowState, deps: ClaimJobDeps): Promise<ClaimResult> {
  const { email, instructionKey, replyFrom, settings } = admitted(state);
  const queues = await deps.queues.ensureProjectQueues(email.projectId, email.userId);
  const now = deps.clock.now();
  const attempt = await deps.leases.claim({
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
    return {
      ...NOT_CLAIMED,
      holder: {
        jobId: attempt.holder.jobId,
        interruptQueueUrl: attempt.holder.interruptQueueUrl,
        expiresAtIso: attempt.holder.expiresAtIso,
      },
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
    instructionKey,
    attachments: email.attachments,
    sender: email.sender,
    subject: email.subject,
    replyFrom,
    ...queues,
    settings,
  };
  await deps.jobs.record(email.projectId, state.jobId, 'queued', { executionArn: state.executionArn }, now);
  return {
    claimed: true,
    holder: null,
    job,
    // One group per project-user: its jobs are delivered in order, one at a time.
    messageGroupId: leaseIdOf(email.projectId, email.userId).replace('#', '.'),
    slotId: leaseIdOf(email.projectId, email.userId),
    queueWaitSeconds: settings.queueWaitSeconds,
    heartbeatSeconds: settings.heartbeatSeconds,
    timeoutSeconds: settings.jobTimeoutSeconds,
  };
}
