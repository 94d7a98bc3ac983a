import { leaseIdOf } from './identifiers.ts';
import { epochSeconds } from './active-jobs-table.ts';

/**
 * The interruptions table, the one place that knows its item: an audit record per interrupt, written
 * by the workflow's RecordInterruption step and read by the console; items expire by TTL.
 * pk = the lease id (`${projectId}#${userId}`), sk = `${interruptedAtIso}#${byJobId}`.
 */

/** One interrupt: which job a newer email interrupted, and whether the interrupt message was sent. */
export interface InterruptionRecord {
  projectId: string;
  userId: string;
  targetJobId: string;
  byJobId: string;
  reason: string;
  delivered: boolean;
  at: Date;
  /** When TTL may remove the record. */
  expiresAt: Date;
}

/** An item of the interruptions table. */
export interface InterruptionItem {
  pk: string;
  sk: string;
  projectId: string;
  userId: string;
  targetJobId: string;
  byJobId: string;
  reason: string;
  delivered: boolean;
  interruptedAt: string;
  /** Epoch seconds. */
  ttl: number;
}

/** The key of one interruption: the same interrupt recorded twice (a retried step) is one item. */
export const interruptionKey = (
  projectId: string,
  userId: string,
  at: Date,
  byJobId: string,
): { pk: string; sk: string } => ({ pk: leaseIdOf(projectId, userId), sk: `${at.toISOString()}#${byJobId}` });

export const interruptionItemFor = (record: InterruptionRecord): InterruptionItem => ({
  ...interruptionKey(record.projectId, record.userId, record.at, record.byJobId),
  projectId: record.projectId,
  userId: record.userId,
  targetJobId: record.targetJobId,
  byJobId: record.byJobId,
  reason: record.reason,
  delivered: record.delivered,
  interruptedAt: record.at.toISOString(),
  ttl: epochSeconds(record.expiresAt),
});

/** The record an item holds (its expiry to the second the table keeps). */
export const interruptionOf = (item: InterruptionItem): InterruptionRecord => ({
  projectId: item.projectId,
  userId: item.userId,
  targetJobId: item.targetJobId,
  byJobId: item.byJobId,
  reason: item.reason,
  delivered: item.delivered,
  at: new Date(item.interruptedAt),
  expiresAt: new Date(item.ttl * 1000),
});
