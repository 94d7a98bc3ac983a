import { describe, expect, it } from 'vitest';
import {
  leaseItemFor,
  LEASE_TTL_GRACE_SECONDS,
  type LeaseClaim,
  type LeaseItem,
} from '#contracts/active-jobs-table.ts';
import { leaseIdOf } from '#contracts/identifiers.ts';
import type { LeaseStore } from '#workflow/ports.ts';
import type { WorkerLeaseStore } from '../../containers/story-processor/src/ports.ts';

/** Both sides of one active-jobs table, and a way to read an item as it is stored. */
export interface ActiveJobsTableUnderTest {
  leases: LeaseStore;
  workerLeases: WorkerLeaseStore;
  read(leaseId: string): Promise<LeaseItem | undefined>;
}

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

let leaseCounter = 0;

/** A claim on a lease no other case uses, so that one table serves every case. */
function claimFor(jobId: string, overrides: Partial<LeaseClaim> = {}): LeaseClaim {
  return {
    projectId: `contract-${process.pid}-${leaseCounter}`,
    userId: 'scott',
    jobId,
    threadId: `thread-${jobId}`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:intake:${jobId}`,
    interruptQueueUrl: 'http://127.0.0.1:4566/000000000000/interrupt.fifo',
    now: T0,
    leaseSeconds: 60,
    ...overrides,
  };
}

const freshLease = (): {
  leaseId: string;
  claim: (jobId: string, o?: Partial<LeaseClaim>) => LeaseClaim;
} => {
  leaseCounter += 1;
  const first = claimFor('unused');
  const leaseId = leaseIdOf(first.projectId, first.userId);
  const projectId = first.projectId;
  return { leaseId, claim: (jobId, o = {}) => claimFor(jobId, { projectId, ...o }) };
};

/**
 * The behaviour every implementation of the active-jobs table keeps: the DynamoDB adapters of the
 * workflow and of the worker, and the in-memory fakes the unit tests run on.
 */
export function describeActiveJobsTableContract(name: string, table: () => ActiveJobsTableUnderTest): void {
  describe(`active-jobs table contract: ${name}`, () => {
    describe('the workflow side (lease store)', () => {
      it('writes the contract item when it claims a free lease', async () => {
        const { leases, read } = table();
        const { leaseId, claim } = freshLease();
        const attempt = await leases.claim(claim('job-a'));
        const expected = leaseItemFor(claim('job-a'));
        expect(attempt).toEqual({ claimed: true, item: expected });
        expect(await read(leaseId)).toEqual(expected);
        expect(expected.ttl).toBe(expected.expiresAt + LEASE_TTL_GRACE_SECONDS);
        expect(expected.expiresAt).toBe(Math.floor(at(60).getTime() / 1000));
      });

      it('refuses a claim while another job holds a live lease, and names the holder', async () => {
        const { leases, read } = table();
        const { leaseId, claim } = freshLease();
        await leases.claim(claim('job-a'));
        const attempt = await leases.claim(claim('job-b', { now: at(30) }));
        expect(attempt).toEqual({ claimed: false, holder: leaseItemFor(claim('job-a')) });
        expect((await read(leaseId))?.jobId).toBe('job-a');
      });

      it('still refuses in the second the lease expires, and grants the claim after it', async () => {
        const { leases, read } = table();
        const { leaseId, claim } = freshLease();
        await leases.claim(claim('job-a'));
        expect((await leases.claim(claim('job-b', { now: at(60) }))).claimed).toBe(false);
        const attempt = await leases.claim(claim('job-b', { now: at(61) }));
        expect(attempt).toEqual({ claimed: true, item: leaseItemFor(claim('job-b', { now: at(61) })) });
        expect((await read(leaseId))?.jobId).toBe('job-b');
      });

      it('lets the holder claim again (a retried claim), rewriting its item', async () => {
        const { leases, read } = table();
        const { leaseId, claim } = freshLease();
        await leases.claim(claim('job-a'));
        const again = claim('job-a', { now: at(10) });
        expect(await leases.claim(again)).toEqual({ claimed: true, item: leaseItemFor(again) });
        expect(await read(leaseId)).toEqual(leaseItemFor(again));
      });

      it('flags an interrupt on the holder only', async () => {
        const { leases, read } = table();
        const { leaseId, claim } = freshLease();
        expect(await leases.requestInterrupt(leaseId, 'job-a', 'job-b')).toBe(false);
        await leases.claim(claim('job-a'));
        expect(await leases.requestInterrupt(leaseId, 'job-x', 'job-b')).toBe(false);
        expect((await read(leaseId))?.interruptRequestedBy).toBeUndefined();
        expect(await leases.requestInterrupt(leaseId, 'job-a', 'job-b')).toBe(true);
        expect((await read(leaseId))?.interruptRequestedBy).toBe('job-b');
      });

      it('releases the lease only for the job that holds it', async () => {
        const { leases, read } = table();
        const { leaseId, claim } = freshLease();
        expect(await leases.release(leaseId, 'job-a')).toBe(false);
        await leases.claim(claim('job-a'));
        expect(await leases.release(leaseId, 'job-b')).toBe(false);
        expect((await read(leaseId))?.jobId).toBe('job-a');
        expect(await leases.release(leaseId, 'job-a')).toBe(true);
        expect(await read(leaseId)).toBeUndefined();
      });
    });

    describe('the worker side (lease store)', () => {
      const workerLease = (
        leaseId: string,
        jobId: string,
        workerId: string,
        now: Date,
        untilSeconds: number,
      ) => ({
        leaseId,
        jobId,
        workerId,
        now: now.getTime(),
        expiresAt: at(untilSeconds).getTime(),
      });

      it('answers not-ours for a free lease and for a lease another job holds', async () => {
        const { leases, workerLeases } = table();
        const { leaseId, claim } = freshLease();
        expect(await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-1', T0, 120))).toEqual({
          kind: 'not-ours',
        });
        await leases.claim(claim('job-b'));
        expect(await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-1', T0, 120))).toEqual({
          kind: 'not-ours',
          lease: { jobId: 'job-b', expiresAt: at(60).getTime() },
        });
      });

      it('claims the job for the worker and extends the item as the contract says', async () => {
        const { leases, workerLeases, read } = table();
        const { leaseId, claim } = freshLease();
        await leases.claim(claim('job-a'));
        await leases.requestInterrupt(leaseId, 'job-a', 'job-b');
        const claimed = await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-1', at(5), 125.5));
        expect(claimed).toEqual({
          kind: 'claimed',
          lease: {
            jobId: 'job-a',
            workerId: 'worker-1',
            expiresAt: at(125).getTime(),
            interruptRequestedBy: 'job-b',
          },
        });
        expect(await read(leaseId)).toEqual({
          ...leaseItemFor(claim('job-a')),
          workerId: 'worker-1',
          interruptRequestedBy: 'job-b',
          expiresAt: Math.floor(at(125).getTime() / 1000),
          expiresAtIso: at(125.5).toISOString(),
          ttl: Math.floor(at(125).getTime() / 1000) + LEASE_TTL_GRACE_SECONDS,
        });
      });

      it('refuses a job another live worker runs, and lets a worker take it over once that lease lapses', async () => {
        const { leases, workerLeases, read } = table();
        const { leaseId, claim } = freshLease();
        await leases.claim(claim('job-a'));
        await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-1', T0, 60));
        expect(await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-2', at(60), 120))).toEqual({
          kind: 'held-elsewhere',
          lease: { jobId: 'job-a', workerId: 'worker-1', expiresAt: at(60).getTime() },
        });
        const taken = await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-2', at(61), 120));
        expect(taken.kind).toBe('claimed');
        expect((await read(leaseId))?.workerId).toBe('worker-2');
      });

      it('lets the same worker claim again (a redelivered message)', async () => {
        const { leases, workerLeases } = table();
        const { leaseId, claim } = freshLease();
        await leases.claim(claim('job-a'));
        await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-1', T0, 60));
        expect((await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-1', at(10), 90))).kind).toBe(
          'claimed',
        );
      });

      it('renews only the lease this worker runs, and reports an interrupt flagged since', async () => {
        const { leases, workerLeases, read } = table();
        const { leaseId, claim } = freshLease();
        await leases.claim(claim('job-a'));
        expect(await workerLeases.renew(workerLease(leaseId, 'job-a', 'worker-1', T0, 90))).toBeUndefined();
        await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-1', T0, 60));
        expect(await workerLeases.renew(workerLease(leaseId, 'job-a', 'worker-2', T0, 90))).toBeUndefined();
        expect(await workerLeases.renew(workerLease(leaseId, 'job-b', 'worker-1', T0, 90))).toBeUndefined();
        await leases.requestInterrupt(leaseId, 'job-a', 'job-b');
        expect(await workerLeases.renew(workerLease(leaseId, 'job-a', 'worker-1', T0, 90))).toEqual({
          jobId: 'job-a',
          workerId: 'worker-1',
          expiresAt: at(90).getTime(),
          interruptRequestedBy: 'job-b',
        });
        const item = await read(leaseId);
        expect(item?.expiresAtIso).toBe(at(90).toISOString());
        expect(item?.ttl).toBe(Math.floor(at(90).getTime() / 1000) + LEASE_TTL_GRACE_SECONDS);
        await leases.release(leaseId, 'job-a');
        expect(await workerLeases.renew(workerLease(leaseId, 'job-a', 'worker-1', T0, 120))).toBeUndefined();
      });

      it('reads the lease as it is now, and nothing for a free lease', async () => {
        const { leases, workerLeases } = table();
        const { leaseId, claim } = freshLease();
        expect(await workerLeases.read(leaseId)).toBeUndefined();
        await leases.claim(claim('job-a'));
        await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-1', T0, 90));
        await leases.requestInterrupt(leaseId, 'job-a', 'job-b');
        expect(await workerLeases.read(leaseId)).toEqual({
          jobId: 'job-a',
          workerId: 'worker-1',
          expiresAt: at(90).getTime(),
          interruptRequestedBy: 'job-b',
        });
      });

      it('hands the job over only from the worker that runs it, so another worker may take it at once', async () => {
        const { leases, workerLeases, read } = table();
        const { leaseId, claim } = freshLease();
        await leases.claim(claim('job-a'));
        await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-1', T0, 60));
        await workerLeases.handOver({ leaseId, jobId: 'job-a', workerId: 'worker-2' });
        expect((await read(leaseId))?.workerId).toBe('worker-1');
        await workerLeases.handOver({ leaseId, jobId: 'job-a', workerId: 'worker-1' });
        expect((await read(leaseId))?.workerId).toBeUndefined();
        expect((await workerLeases.claim(workerLease(leaseId, 'job-a', 'worker-2', at(1), 60))).kind).toBe(
          'claimed',
        );
      });
    });
  });
}
