import type { WorkerClock, WorkerLeaseStore, Log, MetricsSink, TaskCallbacks } from '../ports.ts';
import { METRICS, KIND_DIMENSION } from '#contracts/metrics.ts';
import type { JobControl } from './job-control.ts';
import type { MessageHold } from './message-hold.ts';

export interface KeepAliveInput {
  taskToken: string;
  leaseId: string;
  jobId: string;
  workerId: string;
  leaseSeconds: number;
  intervalMs: number;
  hold: MessageHold;
  control: JobControl;
  callbacks: TaskCallbacks;
  leases: WorkerLeaseStore;
  clock: WorkerClock;
  log: Log;
  metrics: MetricsSink;
}

/**
 * Every interval: SendTaskHeartbeat (TaskTimedOut → stop at once), renew the lease (lost → stop;
 * `interruptRequestedBy` → interrupt), extend the message's visibility. A failing call is logged and
 * tried again next time: the state's HeartbeatSeconds is the backstop.
 */
export function startKeepAlive(input: KeepAliveInput): { stop(): Promise<void> } {
  const stopper = new AbortController();
  const tick = async (): Promise<void> => {
    const { control } = input;
    try {
      if ((await input.callbacks.heartbeat(input.taskToken)) === 'task-gone') {
        control.requestStop({
          kind: 'task-gone',
          detail: 'SendTaskHeartbeat answered that the task is closed',
        });
        return;
      }
    } catch (error) {
      report(input, 'Heartbeat', error);
    }
    try {
      const lease = await input.leases.renew({
        leaseId: input.leaseId,
        jobId: input.jobId,
        workerId: input.workerId,
        expiresAt: input.clock.now().getTime() + input.leaseSeconds * 1000,
      });
      if (!lease) control.requestStop({ kind: 'lease-lost' });
      else if (lease.interruptRequestedBy)
        control.requestStop({
          kind: 'interrupt',
          byJobId: lease.interruptRequestedBy,
          reason: 'A newer email for the same project and user arrived.',
          noticedAt: input.clock.now().getTime(),
        });
    } catch (error) {
      report(input, 'LeaseRenewal', error);
    }
    await input.hold.extend();
  };
  const loop = (async () => {
    while (!stopper.signal.aborted) {
      try {
        await input.clock.sleep(input.intervalMs, stopper.signal);
      } catch {
        return;
      }
      await tick();
    }
  })();
  return {
    async stop() {
      stopper.abort();
      await loop;
    },
  };
}

function report(input: KeepAliveInput, kind: string, error: unknown): void {
  input.metrics.add(METRICS.errorsByKind, 1, { [KIND_DIMENSION]: kind });
  input.log.warn(`${kind} failed`, { jobId: input.jobId, error: String(error) });
}
