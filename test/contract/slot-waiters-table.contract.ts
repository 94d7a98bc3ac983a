import { describe, expect, it } from 'vitest';
import { leaseWaiterKey, WAITER_TTL_SECONDS, type LeaseWaiterItem } from '#contracts/slot-waiters-table.ts';
import type { LeaseWaiters } from '#workflow/ports.ts';

/** The lease waiters and a way to read an item as it is stored. */
export interface SlotWaitersTableUnderTest {
  waiters: LeaseWaiters;
  read(key: { pk: string; sk: string }): Promise<LeaseWaiterItem | undefined>;
}

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
let counter = 0;
const freshLease = (): string => `contract-${process.pid}-${++counter}#scott`;

export function describeSlotWaitersTableContract(name: string, table: () => SlotWaitersTableUnderTest): void {
  describe(`slot-waiters table contract: ${name}`, () => {
    it('parks a waiter as the contract item, expiring a day after it parked', async () => {
      const { waiters, read } = table();
      const leaseId = freshLease();
      await waiters.park({ leaseId, jobId: 'job-a', token: 'token-1' }, T0);
      expect(await read(leaseWaiterKey(leaseId, 'job-a'))).toEqual({
        pk: leaseId,
        sk: 'job-a',
        token: 'token-1',
        arrivedAt: T0.toISOString(),
        ttl: Math.floor(T0.getTime() / 1000) + WAITER_TTL_SECONDS,
      });
    });

    it('keeps the first arrival when a waiter parks again, with its new token', async () => {
      const { waiters } = table();
      const leaseId = freshLease();
      await waiters.park({ leaseId, jobId: 'job-a', token: 'token-1' }, T0);
      await waiters.park({ leaseId, jobId: 'job-a', token: 'token-2' }, at(60));
      expect(await waiters.waiting(leaseId)).toEqual([
        { leaseId, jobId: 'job-a', token: 'token-2', arrivedAt: T0.toISOString() },
      ]);
    });

    it('lists a lease’s waiters oldest first, equal arrivals by job id, and no other lease’s', async () => {
      const { waiters } = table();
      const leaseId = freshLease();
      const other = freshLease();
      await waiters.park({ leaseId, jobId: 'job-c', token: 't-c' }, at(2));
      await waiters.park({ leaseId, jobId: 'job-b', token: 't-b' }, at(1));
      await waiters.park({ leaseId, jobId: 'job-a', token: 't-a' }, at(2));
      await waiters.park({ leaseId: other, jobId: 'job-z', token: 't-z' }, T0);
      expect((await waiters.waiting(leaseId)).map((w) => w.jobId)).toEqual(['job-b', 'job-a', 'job-c']);
      expect(await waiters.waiting(freshLease())).toEqual([]);
    });

    it('lets a waiter leave only with the token it waits with', async () => {
      const { waiters, read } = table();
      const leaseId = freshLease();
      await waiters.leave({ leaseId, jobId: 'job-a', token: 'token-1' });
      await waiters.park({ leaseId, jobId: 'job-a', token: 'token-2' }, T0);
      await waiters.leave({ leaseId, jobId: 'job-a', token: 'token-1' });
      expect((await read(leaseWaiterKey(leaseId, 'job-a')))?.token).toBe('token-2');
      await waiters.leave({ leaseId, jobId: 'job-a', token: 'token-2' });
      expect(await read(leaseWaiterKey(leaseId, 'job-a'))).toBeUndefined();
    });
  });
}
