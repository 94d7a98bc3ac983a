import { FINAL_JOB, isFinalOutcome } from '#contracts/jobs-table';
import type { JobOutcome } from '#contracts/tables';
import { MemorySlotStore } from './memory-active-jobs.ts';
import type { Notification, SenderNotifier } from '#workflow/notifications';
import type {
  InterruptionLog,
  InterruptionRecord,
  JobRecordFields,
  JobRecords,
  ProjectQueueUrls,
  QueueProvisioner,
  SlotWaiter,
  SlotWaiters,
  TaskWaker,
} from '#workflow/ports';

/** In-memory fakes of the workflow's ports, with the same semantics as the DynamoDB adapters. */
export { MemorySlotStore };

export class MemorySlotWaiters implements SlotWaiters {
  readonly items = new Map<string, SlotWaiter>();

  async park(waiter: Omit<SlotWaiter, 'arrivedAt'>, now: Date): Promise<void> {
    const key = `${waiter.slotId}/${waiter.jobId}`;
    const arrivedAt = this.items.get(key)?.arrivedAt ?? now.toISOString();
    this.items.set(key, { ...waiter, arrivedAt });
  }

  async waiting(slotId: string): Promise<SlotWaiter[]> {
    return [...this.items.values()]
      .filter((waiter) => waiter.slotId === slotId)
      .sort((a, b) => a.arrivedAt.localeCompare(b.arrivedAt) || a.jobId.localeCompare(b.jobId));
  }

  async leave(waiter: Pick<SlotWaiter, 'slotId' | 'jobId' | 'token'>): Promise<void> {
    const key = `${waiter.slotId}/${waiter.jobId}`;
    if (this.items.get(key)?.token === waiter.token) this.items.delete(key);
  }
}

/** Records every wake-up; tokens in `gone` answer as tasks that no longer wait. */
export class RecordingWaker implements TaskWaker {
  readonly woken: { token: string; output: unknown }[] = [];
  readonly gone = new Set<string>();

  async wake(token: string, output: unknown): Promise<boolean> {
    if (this.gone.has(token)) return false;
    this.woken.push({ token, output });
    return true;
  }
}

/** The release collaborators over a slot store: no waiters unless the test parks some. */
export const slotReleaseOver = (slots: MemorySlotStore) => ({
  slots,
  waiters: new MemorySlotWaiters(),
  waker: new RecordingWaker(),
});

export class MemoryJobRecords implements JobRecords {
  readonly items = new Map<string, { outcome?: JobOutcome; finishedAt?: string } & JobRecordFields>();

  async record(
    projectId: string,
    jobId: string,
    outcome: JobOutcome,
    fields: JobRecordFields,
    now: Date,
  ): Promise<void> {
    const key = `${projectId}/${jobId}`;
    const current = this.items.get(key);
    const finishedAt = current?.finishedAt ?? (isFinalOutcome(outcome) ? now.toISOString() : undefined);
    this.items.set(key, { ...current, ...fields, outcome, ...(finishedAt ? { finishedAt } : {}) });
  }

  async recordIfOpen(
    projectId: string,
    jobId: string,
    outcome: JobOutcome,
    fields: JobRecordFields,
    now: Date,
  ): Promise<boolean> {
    const key = `${projectId}/${jobId}`;
    if (FINAL_JOB.holds(this.items.get(key))) return false;
    this.items.set(key, { ...this.items.get(key), ...fields, outcome, finishedAt: now.toISOString() });
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

export class RecordingNotifier implements SenderNotifier {
  readonly sent: Notification[] = [];
  async notify(notification: Notification): Promise<void> {
    this.sent.push(notification);
  }
}
