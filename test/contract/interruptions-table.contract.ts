import { describe, expect, it } from 'vitest';
import {
  interruptionItemFor,
  interruptionKey,
  interruptionOf,
  type InterruptionItem,
  type InterruptionRecord,
} from '#contracts/interruptions-table.ts';
import type { InterruptionLog } from '#workflow/ports.ts';

/** The interruptions log and a way to read an item as it is stored. */
export interface InterruptionsTableUnderTest {
  log: InterruptionLog;
  read(key: { pk: string; sk: string }): Promise<InterruptionItem | undefined>;
}

const T0 = new Date('2026-03-01T10:00:00.000Z');
let counter = 0;
const entry = (overrides: Partial<InterruptionRecord> = {}): InterruptionRecord => {
  counter += 1;
  return {
    projectId: `contract-${process.pid}-${counter}`,
    userId: 'scott',
    targetJobId: 'job-a',
    byJobId: 'job-b',
    reason: 'A newer email for the same project and user arrived.',
    delivered: true,
    at: T0,
    expiresAt: new Date(T0.getTime() + 30 * 86_400_000),
    ...overrides,
  };
};
const keyOf = (record: InterruptionRecord) =>
  interruptionKey(record.projectId, record.userId, record.at, record.byJobId);

export function describeInterruptionsTableContract(
  name: string,
  table: () => InterruptionsTableUnderTest,
): void {
  describe(`interruptions table contract: ${name}`, () => {
    it('stores the contract item, keyed by lease, time and interrupting job, expiring by TTL', async () => {
      const { log, read } = table();
      const record = entry({ delivered: false });
      await log.record(record);
      const item = await read(keyOf(record));
      expect(item).toEqual(interruptionItemFor(record));
      expect(item?.pk).toBe(`${record.projectId}#scott`);
      expect(item?.sk).toBe(`${T0.toISOString()}#job-b`);
      expect(item?.ttl).toBe(Math.floor(record.expiresAt.getTime() / 1000));
      expect(item && interruptionOf(item)).toEqual(record);
    });

    it('keeps one item when the same interrupt is recorded twice (a retried step)', async () => {
      const { log, read } = table();
      const record = entry();
      await log.record(record);
      await log.record({ ...record, reason: 'retried' });
      expect((await read(keyOf(record)))?.reason).toBe('retried');
    });

    it('keeps two interrupts of one lease apart', async () => {
      const { log, read } = table();
      const first = entry();
      const second = { ...first, byJobId: 'job-c', at: new Date(T0.getTime() + 1000) };
      await log.record(first);
      await log.record(second);
      expect((await read(keyOf(first)))?.byJobId).toBe('job-b');
      expect((await read(keyOf(second)))?.byJobId).toBe('job-c');
    });
  });
}
