import { slotIdOf } from '#contracts/identifiers';
import { FINAL_OUTCOMES, type ActiveJobItem, type JobOutcome } from '#contracts/tables';
import type { Notification, SenderNotifier } from '#workflow/notifications';
import type {
  ClaimAttempt,
  FifoSender,
  InterruptionLog,
  InterruptionRecord,
  JobRecordFields,
  JobRecords,
  ProjectQueueUrls,
  QueueProvisioner,
  SlotClaim,
  SlotStore,
} from '#workflow/ports';

/** In-memory fakes of the workflow's ports, with the same semantics as the DynamoDB adapters. */
export class MemorySlotStore implements SlotStore {
  readonly items = new Map<string, ActiveJobItem>();

  async claim(claim: SlotClaim): Promise<ClaimAttempt> {
    const pk = slotIdOf(claim.projectId, claim.userId);
    const current = this.items.get(pk);
    const nowSeconds = Math.floor(claim.now.getTime() / 1000);
    if (current && current.expiresAt >= nowSeconds && current.jobId !== claim.jobId) {
      return { claimed: false, holder: current };
    }
    const expires = new Date(claim.now.getTime() + claim.leaseSeconds * 1000);
    const item: ActiveJobItem = {
      pk,
      projectId: claim.projectId,
      userId: claim.userId,
      jobId: claim.jobId,
      threadId: claim.threadId,
      executionArn: claim.executionArn,
      interruptQueueUrl: claim.interruptQueueUrl,
      claimedAt: claim.now.toISOString(),
      expiresAt: Math.floor(expires.getTime() / 1000),
      expiresAtIso: expires.toISOString(),
      ttl: 0,
    };
    this.items.set(pk, item);
    return { claimed: true, item };
  }

  async requestInterrupt(slotId: string, holderJobId: string, byJobId: string): Promise<boolean> {
    const item = this.items.get(slotId);
    if (item?.jobId !== holderJobId) return false;
    item.interruptRequestedBy = byJobId;
    return true;
  }

  async release(slotId: string, jobId: string): Promise<boolean> {
    if (this.items.get(slotId)?.jobId !== jobId) return false;
    this.items.delete(slotId);
    return true;
  }
}

export class MemoryJobRecords implements JobRecords {
  readonly items = new Map<string, { outcome?: JobOutcome } & JobRecordFields>();

  async record(
    projectId: string,
    jobId: string,
    outcome: JobOutcome,
    fields: JobRecordFields,
  ): Promise<void> {
    const key = `${projectId}/${jobId}`;
    this.items.set(key, { ...this.items.get(key), ...fields, outcome });
  }

  async recordIfOpen(
    projectId: string,
    jobId: string,
    outcome: JobOutcome,
    fields: JobRecordFields,
  ): Promise<boolean> {
    const current = this.items.get(`${projectId}/${jobId}`)?.outcome;
    if (current && FINAL_OUTCOMES.includes(current)) return false;
    await this.record(projectId, jobId, outcome, fields);
    return true;
  }

  async annotate(projectId: string, jobId: string, fields: JobRecordFields): Promise<void> {
    const key = `${projectId}/${jobId}`;
    this.items.set(key, { ...this.items.get(key), ...fields });
  }
}

export class MemoryInterruptionLog implements InterruptionLog {
  readonly entries: InterruptionRecord[] = [];
  async record(entry: InterruptionRecord): Promise<void> {
    this.entries.push(entry);
  }
}

export class FakeQueues implements QueueProvisioner {
  readonly calls: string[] = [];
  async ensureProjectQueues(projectId: string, userId: string): Promise<ProjectQueueUrls> {
    this.calls.push(`${projectId}/${userId}`);
    const base = `http://127.0.0.1:4566/000000000000/intake`;
    return {
      inputQueueUrl: `${base}-input-${projectId}-${userId}.fifo`,
      deadLetterQueueUrl: `${base}-dlq-${projectId}-${userId}.fifo`,
      interruptQueueUrl: `${base}-interrupt-${projectId}-${userId}.fifo`,
    };
  }
}

export class RecordingSender implements FifoSender {
  readonly sent: { queueUrl: string; body: string; groupId: string; deduplicationId: string }[] = [];
  async send(queueUrl: string, body: string, groupId: string, deduplicationId: string): Promise<string> {
    this.sent.push({ queueUrl, body, groupId, deduplicationId });
    return `msg-${this.sent.length}`;
  }
}

export class RecordingNotifier implements SenderNotifier {
  readonly sent: Notification[] = [];
  async notify(notification: Notification): Promise<void> {
    this.sent.push(notification);
  }
}
