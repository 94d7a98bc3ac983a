import { slotIdOf } from '#contracts/identifiers';
import type { ActiveJobItem } from '#contracts/tables';
import type { SlotClaim } from './ports.ts';

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** TTL removes a lease item a day after it lapsed; the claim condition never waits for that. */
const TTL_GRACE_SECONDS = 86_400;

/** The active-jobs item a claim writes: the lease runs `leaseSeconds` from the claim. */
export function leaseItemFor(claim: SlotClaim): ActiveJobItem {
  const expires = new Date(claim.now.getTime() + claim.leaseSeconds * 1000);
  return {
    pk: slotIdOf(claim.projectId, claim.userId),
    projectId: claim.projectId,
    userId: claim.userId,
    jobId: claim.jobId,
    threadId: claim.threadId,
    executionArn: claim.executionArn,
    interruptQueueUrl: claim.interruptQueueUrl,
    claimedAt: claim.now.toISOString(),
    expiresAt: epochSeconds(expires),
    expiresAtIso: expires.toISOString(),
    ttl: epochSeconds(expires) + TTL_GRACE_SECONDS,
  };
}
