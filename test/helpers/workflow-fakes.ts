import { FINAL_JOB, isFinalOutcome } from '#contracts/jobs-table.ts';
import type { JobOutcome } from '#contracts/tables.ts';
import {
  ADMISSION_CONDITIONS,
  type AdmissionWindowItem,
  type CountedWindow,
} from '#contracts/admission-windows-table.ts';
import { interruptionItemFor, type InterruptionItem } from '#contracts/interruptions-table.ts';
import {
  byArrival,
  leaseWaiterItemFor,
  leaseWaiterOf,
  WAITER_CONDITIONS,
  type LeaseWaiterItem,
} from '#contracts/slot-waiters-table.ts';
import { MemoryLeaseStore } from './memory-active-jobs.ts';
import type { Notification, SenderNotifier } from '#workflow/notifications.ts';
import type {
  AdmissionWindows,
  InterruptionLog,
  InterruptionRecord,
  JobRecordFields,
  JobRecords,
  ProjectQueueUrls,
  QueueProvisioner,
  LeaseWaiter,
  LeaseWaiters,
  TaskWaker,
} from '#workflow/ports.ts';

/** In-memory fakes of the workflow's ports, with the same semantics as the DynamoDB adapters. */
export { MemoryLeaseStore };

/** The slot-waiters table in a Map of contract items, keyed `${pk}/${sk}`. */
export class MemoryLeaseWaiters implements LeaseWaiters {
  readonly items = new Map<string, LeaseWaiterItem>();

  async park(waiter: Omit<LeaseWaiter, 'arrivedAt'>, now: Date): Promise<void> {
    const key = `${waiter.leaseId}/${waiter.jobId}`;
    this.items.set(key, leaseWaiterItemFor(waiter, now, this.items.get(key)));
  }

  async waiting(leaseId: string): Promise<LeaseWaiter[]> {
    return [...this.items.values()]
      .filter((item) => item.pk === leaseId)
      .map(leaseWaiterOf)
      .sort(byArrival);
  }

  async leave(waiter: Pick<LeaseWaiter, 'leaseId' | 'jobId' | 'token'>): Promise<void> {
    const key = `${waiter.leaseId}/${waiter.jobId}`;
    if (WAITER_CONDITIONS.stillWaitsWith.holds(this.items.get(key), waiter.token)) this.items.delete(key);
  }
}

/** The admission-windows table in a Map of contract items, keyed by pk. */
export class MemoryAdmissionWindows implements AdmissionWindows {
  readonly items = new Map<string, AdmissionWindowItem>();

  async take(window: CountedWindow, jobId: string): Promise<boolean> {
    const item = this.items.get(window.key);
    if (!ADMISSION_CONDITIONS.hasRoomFor.holds(item, window.limit, jobId)) return false;
    const admitted = new Set(item?.admitted ?? []).add(jobId);
    this.items.set(window.key, { ...item, pk: window.key, admitted, ttl: window.expiresAt });
    return true;
  }

  async giveBack(window: CountedWindow, jobId: string): Promise<void> {
    const item = this.items.get(window.key);
    if (!item?.admitted) return;
    const admitted = new Set(item.admitted);
    admitted.delete(jobId);
    // DynamoDB removes a string set that becomes empty.
    const { admitted: _emptied, ...rest } = item;
    this.items.set(window.key, admitted.size > 0 ? { ...rest, admitted } : rest);
  }

  async claimReply(window: CountedWindow, jobId: string): Promise<boolean> {
    const item = this.items.get(window.key);
    if (!ADMISSION_CONDITIONS.replyUnclaimedOrOurs.holds(item, jobId)) return false;
    this.items.set(window.key, { ...item, pk: window.key, repliedFor: jobId, ttl: window.expiresAt });
    return true;
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

/** The release collaborators over a lease store: no waiters unless the test parks some. */
export const leaseReleaseOver = (leases: MemoryLeaseStore) => ({
  leases,
  waiters: new MemoryLeaseWaiters(),
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

/** The interruptions table in a Map of contract items keyed `${pk}/${sk}`; `entries` in call order. */
export class MemoryInterruptionLog implements InterruptionLog {
  readonly entries: InterruptionRecord[] = [];
  readonly items = new Map<string, InterruptionItem>();
  async record(entry: InterruptionRecord): Promise<void> {
    this.entries.push(entry);
    const item = interruptionItemFor(entry);
    this.items.set(`${item.pk}/${item.sk}`, item);
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
