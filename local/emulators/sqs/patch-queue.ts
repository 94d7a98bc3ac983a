import type { Queue } from 'local-aws-sqs/dist/lib/queue';
import { internals, messageIdOfReceipt } from './queue-internals.ts';
import type { ReceiveParams, SendInput, SqsEntry, SqsRecord } from './queue-internals.ts';

/** SQS FIFO deduplication window. */
export const DEDUP_WINDOW_MS = 5 * 60 * 1000;

export interface Tracked {
  entry: SqsEntry;
  group: string | undefined;
  /** The library's own "delayed" flag, before group blocking is folded in. */
  delayed: boolean;
  delayedUntil: number;
}

export interface DedupEntry {
  messageId: string;
  sequenceNumber: string | undefined;
  expiresAt: number;
}

export interface QueueState {
  queue: Queue;
  /** Live messages by MessageId, in queue order. */
  entries: Map<string, Tracked>;
  groups: Map<string, Set<Tracked>>;
  dedup: Map<string, DedupEntry>;
  /** Stops tracking a message that left the queue without a call this patch sees. */
  forget(messageId: string): void;
}

export interface PatchContext {
  changed(): void;
  isStopped(): boolean;
  /** A message moved to another queue (DLQ redrive): its source must stop tracking it. */
  forget(messageId: string, except: QueueState): void;
}

type CreateRecord = (
  input: SendInput & { MessageId?: string; SequenceNumber?: string },
) => [SqsRecord, string | undefined];

/**
 * Wraps one local-aws-sqs queue instance to add the SQS semantics it lacks:
 * - FIFO: a message in flight blocks the rest of its group (the library ignores groups on receive);
 * - FIFO: deduplication ids are remembered for 5 minutes, also after the message is deleted;
 * - long polling answers as soon as any message is available (the library waits for MaxNumberOfMessages);
 * - ChangeMessageVisibility no longer counts as a receive (it bumped ApproximateReceiveCount);
 * - ApproximateNumberOfMessages counts visible messages only (it counted in-flight ones too).
 * It also tracks every live message so the queue can be snapshotted to disk.
 */
export function patchQueue(queue: Queue, ctx: PatchContext): QueueState {
  const q = internals(queue);
  const entries = new Map<string, Tracked>();
  const groups = new Map<string, Set<Tracked>>();
  const untrack = (messageId: string): void => {
    const tracked = entries.get(messageId);
    if (!tracked) return;
    entries.delete(messageId);
    if (tracked.group !== undefined) groups.get(tracked.group)?.delete(tracked);
  };
  const state: QueueState = { queue, entries, groups, dedup: new Map(), forget: untrack };
  const createRecord = (queue.constructor as unknown as { createRecord: CreateRecord }).createRecord;
  const original = {
    newRecord: q.newRecord,
    setRecord: q.setRecord,
    receive: q.receive.bind(q),
    delete: q.delete.bind(q),
    changeVisibility: q.changeVisibility.bind(q),
    clearRecords: q.clearRecords.bind(q),
    getAttributes: q.getAttributes.bind(q),
  };

  const expired = (t: Tracked, now: number): boolean =>
    Number(t.entry.record.attributes.SentTimestamp) + queue.MessageRetentionPeriod * 1000 <= now;

  const groupBlocked = (tracked: Tracked): boolean => {
    if (!queue.FifoQueue || tracked.group === undefined) return false;
    const now = Date.now();
    for (const other of state.groups.get(tracked.group) ?? []) {
      if (other !== tracked && !other.entry.visible && !expired(other, now)) return true;
    }
    return false;
  };

  q.newRecord = (record, delaySeconds) => {
    const entry = original.newRecord(record, delaySeconds);
    const delay =
      delaySeconds === undefined || Number.isNaN(delaySeconds) ? queue.DelaySeconds : delaySeconds;
    const tracked: Tracked = {
      entry,
      group: record.attributes.MessageGroupId,
      delayed: entry.delayed,
      delayedUntil: Date.now() + delay * 1000,
    };
    // The library skips "delayed" entries on receive: folding group blocking into that flag keeps a
    // group's later messages back while an earlier one is in flight.
    Object.defineProperty(entry, 'delayed', {
      enumerable: true,
      configurable: true,
      get: () => tracked.delayed || groupBlocked(tracked),
      set: (value: boolean) => {
        tracked.delayed = value;
        ctx.changed();
      },
    });
    state.entries.set(record.MessageId, tracked);
    if (tracked.group !== undefined) {
      const members = state.groups.get(tracked.group) ?? new Set<Tracked>();
      members.add(tracked);
      state.groups.set(tracked.group, members);
    }
    ctx.changed();
    return entry;
  };

  q.setRecord = (input, messageId) => {
    if (messageId !== undefined) {
      ctx.forget(messageId, state);
      return original.setRecord(input, messageId);
    }
    if (!queue.FifoQueue || !input.MessageDeduplicationId) return original.setRecord(input);
    const now = Date.now();
    for (const [key, seen] of state.dedup) if (seen.expiresAt <= now) state.dedup.delete(key);
    const key =
      queue.DeduplicationScope === 'messageGroup'
        ? `${input.MessageGroupId ?? ''}\u0000${input.MessageDeduplicationId}`
        : input.MessageDeduplicationId;
    const seen = state.dedup.get(key);
    if (seen) {
      const [record] = createRecord({
        ...input,
        MessageId: seen.messageId,
        SequenceNumber: seen.sequenceNumber,
      });
      return { record };
    }
    const result = original.setRecord(input);
    state.dedup.set(key, {
      messageId: result.record.MessageId,
      sequenceNumber: result.record.attributes.SequenceNumber,
      expiresAt: now + DEDUP_WINDOW_MS,
    });
    ctx.changed();
    return result;
  };

  /** How many messages a receive would take now, up to `max`: visible, not delayed, one per FIFO group. */
  const deliverable = (max: number): number => {
    let count = 0;
    const groupsSeen = new Set<string>();
    for (const tracked of entries.values()) {
      if (!tracked.entry.visible || tracked.entry.delayed) continue;
      if (queue.FifoQueue && tracked.group !== undefined) {
        // Taking a group's first message blocks the rest of the group for this pass.
        if (groupsSeen.has(tracked.group)) continue;
        groupsSeen.add(tracked.group);
      }
      if (++count >= max) break;
    }
    return count;
  };

  q.receive = async (params: ReceiveParams) => {
    const wait = Number(params.WaitTimeSeconds ?? queue.ReceiveMessageWaitTimeSeconds) || 0;
    const max = Number(params.MaxNumberOfMessages ?? 1) || 1;
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      // Each library pass lasts ~40 ms unless it collects as many messages as asked for: asking for
      // the number available now (at least one) ends the pass at its first scan that finds them.
      const received = await original.receive({
        ...params,
        MaxNumberOfMessages: Math.max(1, deliverable(max)),
        WaitTimeSeconds: 0,
      });
      if (received.length > 0) ctx.changed();
      if (received.length > 0 || Date.now() >= deadline || ctx.isStopped()) return received;
    }
  };

  q.delete = (receiptHandle) => {
    const deleted = original.delete(receiptHandle);
    const messageId = messageIdOfReceipt(receiptHandle);
    if (deleted && messageId) untrack(messageId);
    ctx.changed();
    return deleted;
  };

  q.changeVisibility = (receiptHandle, timeout) => {
    const tracked = state.entries.get(messageIdOfReceipt(receiptHandle) ?? '');
    const receiveCount = tracked?.entry.record.attributes.ApproximateReceiveCount;
    const changed = original.changeVisibility(receiptHandle, timeout);
    if (tracked && receiveCount !== undefined)
      tracked.entry.record.attributes.ApproximateReceiveCount = receiveCount;
    ctx.changed();
    return changed;
  };

  q.clearRecords = () => {
    original.clearRecords();
    state.entries.clear();
    state.groups.clear();
    ctx.changed();
  };

  q.getAttributes = (names) => {
    const attributes = original.getAttributes(names);
    if (!attributes) return attributes;
    const now = Date.now();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const [id, tracked] of state.entries) {
      if (expired(tracked, now)) untrack(id);
      else if (!tracked.entry.visible) inFlight++;
      else if (tracked.delayed) delayed++;
      else visible++;
    }
    const counts: Record<string, number> = {
      ApproximateNumberOfMessages: visible,
      ApproximateNumberOfMessagesNotVisible: inFlight,
      ApproximateNumberOfMessagesDelayed: delayed,
    };
    for (const [name, value] of Object.entries(counts))
      if (name in attributes) attributes[name] = String(value);
    return attributes;
  };

  return state;
}

/** Messages still within their retention period, in queue order. */
export function liveMessages(state: QueueState, now = Date.now()): Tracked[] {
  const live: Tracked[] = [];
  for (const tracked of state.entries.values()) {
    const sent = Number(tracked.entry.record.attributes.SentTimestamp);
    if (sent + state.queue.MessageRetentionPeriod * 1000 > now) live.push(tracked);
  }
  return live;
}
