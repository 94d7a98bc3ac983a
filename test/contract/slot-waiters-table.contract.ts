import { describe, expect, it } from 'vitest';
import { slotWaiterKey, WAITER_TTL_SECONDS, type SlotWaiterItem } from '#contracts/slot-waiters-table';
import type { SlotWaiters } from '#workflow/ports';

/** The slot waiters and a way to read an item as it is stored. */
export interface SlotWaitersTableUnderTest {
  waiters: SlotWaiters;
  read(key: { pk: string; sk: string }): Promise<SlotWaiterItem | undefined>;
}

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
let counter = 0;
const freshSlot = (): string => `contract-${process.pid}-${++counter}#scott`;

export function describeSlotWaitersTableContract(name: string, table: () => SlotWaitersTableUnderTest): void {
  describe(`slot-waiters table contract: ${name}`, () => {
    it('parks a waiter as the contract item, expiring a day after it parked', async () => {
      const { waiters, read } = table();
      const slotId = freshSlot();
      await waiters.park({ slotId, jobId: 'job-a', token: 'token-1' }, T0);
      expect(await read(slotWaiterKey(slotId, 'job-a'))).toEqual({
        pk: slotId,
        sk: 'job-a',
        token: 'token-1',
        arrivedAt: T0.toISOString(),
        ttl: Math.floor(T0.getTime() / 1000) + WAITER_TTL_SECONDS,
      });
    });

    it('keeps the first arrival when a waiter parks again, with its new token', async () => {
      const { waiters } = table();
      const slotId = freshSlot();
      await waiters.park({ slotId, jobId: 'job-a', token: 'token-1' }, T0);
      await waiters.park({ slotId, jobId: 'job-a', token: 'token-2' }, at(60));
      expect(await waiters.waiting(slotId)).toEqual([
        { slotId, jobId: 'job-a', token: 'token-2', arrivedAt: T0.toISOString() },
      ]);
    });

    it('lists a slot’s waiters oldest first, equal arrivals by job id, and no other slot’s', async () => {
      const { waiters } = table();
      const slotId = freshSlot();
      const other = freshSlot();
      await waiters.park({ slotId, jobId: 'job-c', token: 't-c' }, at(2));
      await waiters.park({ slotId, jobId: 'job-b', token: 't-b' }, at(1));
      await waiters.park({ slotId, jobId: 'job-a', token: 't-a' }, at(2));
      await waiters.park({ slotId: other, jobId: 'job-z', token: 't-z' }, T0);
      expect((await waiters.waiting(slotId)).map((w) => w.jobId)).toEqual(['job-b', 'job-a', 'job-c']);
      expect(await waiters.waiting(freshSlot())).toEqual([]);
    });

    it('lets a waiter leave only with the token it waits with', async () => {
      const { waiters, read } = table();
      const slotId = freshSlot();
      await waiters.leave({ slotId, jobId: 'job-a', token: 'token-1' });
      await waiters.park({ slotId, jobId: 'job-a', token: 'token-2' }, T0);
      await waiters.leave({ slotId, jobId: 'job-a', token: 'token-1' });
      expect((await read(slotWaiterKey(slotId, 'job-a')))?.token).toBe('token-2');
      await waiters.leave({ slotId, jobId: 'job-a', token: 'token-2' });
      expect(await read(slotWaiterKey(slotId, 'job-a'))).toBeUndefined();
    });
  });
}
