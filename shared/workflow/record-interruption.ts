import type { Clock } from '../contracts/clock.ts';
import { leaseIdOf } from '../contracts/identifiers.ts';
import type { WorkflowState } from '../contracts/workflow-state.ts';
import { InvalidStateError } from './errors.ts';
import type { InterruptionLog, JobRecords, LeaseStore } from './ports.ts';

export interface RecordInterruptionDeps {
  leases: LeaseStore;
  interruptions: InterruptionLog;
  jobs: JobRecords;
  clock: Clock;
  /** How long audit records are kept before TTL removes them. */
  retentionDays: number;
}

export interface InterruptionInput {
  state: WorkflowState & { interruptError?: { Error: string; Cause?: string | null } };
}

/**
 * Flags the interrupt on the holder's lease (a worker that missed the queue message, or has not
 * picked the job up yet, learns it there) and writes the audit record: who interrupted what, when, why.
 */
export async function recordInterruption(
  { state }: InterruptionInput,
  deps: RecordInterruptionDeps,
): Promise<{ flagged: boolean; delivered: boolean }> {
  const holder = state.claim?.holder;
  const email = state.email;
  if (!holder || !email?.projectId || !email.userId) {
    throw new InvalidStateError('RecordInterruption needs the lease holder and the email project and user');
  }
  const now = deps.clock.now();
  const flagged = await deps.leases.requestInterrupt(
    leaseIdOf(email.projectId, email.userId),
    holder.jobId,
    state.jobId,
  );
  const delivered = state.interruptError === undefined;
  await deps.interruptions.record({
    projectId: email.projectId,
    userId: email.userId,
    targetJobId: holder.jobId,
    byJobId: state.jobId,
    reason: delivered
      ? 'A newer email for the same project and user arrived.'
      : `A newer email arrived; the interrupt message could not be sent (${state.interruptError?.Error}), the lease flag stands in for it.`,
    delivered,
    at: now,
    expiresAt: new Date(now.getTime() + deps.retentionDays * 86_400_000),
  });
  await deps.jobs.annotate(email.projectId, holder.jobId, { interruptedBy: state.jobId }, now);
  return { flagged, delivered };
}
