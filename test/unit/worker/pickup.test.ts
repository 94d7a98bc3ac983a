import { describe, expect, it } from 'vitest';
import { pickUpJob, type PickupInput } from '../../../containers/story-processor/src/job/pickup.ts';
import type { WorkerClock } from '../../../containers/story-processor/src/ports.ts';
import { FakeCallbacks, FakeLeases } from './fakes.ts';

/** A clock that moves only when the code under test sleeps: no test races real time. */
const steppedClock = (): WorkerClock & { at: number; slept: number } => {
  const clock = {
    at: 1_000_000,
    slept: 0,
    now: () => new Date(clock.at),
    sleep: async (ms: number) => {
      clock.at += ms;
      clock.slept += ms;
    },
  };
  return clock;
};

const setup = () => {
  const callbacks = new FakeCallbacks();
  const leases = new FakeLeases();
  leases.seed('demo#ann', 'job-1', { workerId: 'w1' });
  const clock = steppedClock();
  const input = (overrides: Partial<PickupInput> = {}): PickupInput => ({
    queueToken: 'queue-1',
    leaseId: 'demo#ann',
    jobId: 'job-1',
    workerId: 'w1',
    lease: { jobId: 'job-1', expiresAt: clock.at + 30_000, workerId: 'w1' },
    waitMs: 5_000,
    callbacks,
    leases,
    clock,
    ...overrides,
  });
  return { callbacks, leases, clock, input };
};

describe('pickUpJob', () => {
  it('answers the queue token and runs on the token the workflow parks on the lease', async () => {
    const { callbacks, leases, input } = setup();
    callbacks.onPickUp = () => leases.startRun('job-1', 'run-1');
    expect(await pickUpJob(input())).toEqual({ kind: 'run', runToken: 'run-1', resumed: false });
    expect(callbacks.pickups).toEqual([
      { token: 'queue-1', output: expect.stringContaining('"workerId":"w1"') },
    ]);
  });

  it('resumes a job whose run already started, without answering the queue token again', async () => {
    const { callbacks, input } = setup();
    const lease = { jobId: 'job-1', expiresAt: 0, runTaskToken: 'run-earlier' };
    expect(await pickUpJob(input({ lease }))).toEqual({
      kind: 'run',
      runToken: 'run-earlier',
      resumed: true,
    });
    expect(callbacks.pickups).toHaveLength(0);
  });

  it('waits for a run token that arrives late, and gives up after the run heartbeat', async () => {
    const { callbacks, leases, clock, input } = setup();
    let reads = 0;
    const read = leases.read.bind(leases);
    leases.read = async (leaseId) => {
      if (++reads === 4) leases.startRun('job-1', 'run-late');
      return read(leaseId);
    };
    expect(await pickUpJob(input())).toMatchObject({ kind: 'run', runToken: 'run-late' });
    expect(callbacks.pickups).toHaveLength(1);

    const never = setup();
    const result = await pickUpJob(never.input());
    expect(result).toMatchObject({ kind: 'gone', detail: expect.stringContaining('5000 ms') });
    expect(never.clock.slept).toBeGreaterThanOrEqual(5_000);
    expect(clock.slept).toBeLessThan(5_000);
  });

  it('gives the job up when the queue task is closed and no run started', async () => {
    const { callbacks, input } = setup();
    callbacks.goneAfterHeartbeats = -1;
    expect(await pickUpJob(input())).toMatchObject({
      kind: 'gone',
      detail: expect.stringContaining('closed'),
    });
  });

  it('gives the job up when the lease went to another job', async () => {
    const { leases, input } = setup();
    leases.seed('demo#ann', 'job-2');
    expect(await pickUpJob(input())).toMatchObject({
      kind: 'gone',
      detail: expect.stringContaining('released'),
    });
  });
});
