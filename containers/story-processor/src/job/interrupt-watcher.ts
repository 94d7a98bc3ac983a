import { interruptMessageSchema } from '#contracts/messages.ts';
import type { WorkerClock, Log, WorkQueue } from '../ports.ts';
import type { JobControl } from './job-control.ts';
import { safeJson } from '../safe-json.ts';

export interface InterruptWatchInput {
  queue: WorkQueue;
  queueUrl: string;
  jobId: string;
  control: JobControl;
  clock: WorkerClock;
  log: Log;
  waitSeconds: number;
}

/**
 * Long-polls the project-user's interrupt queue while a job runs. A message for this job stops it;
 * one for any other job is stale (only the lease holder is ever interrupted) and is deleted.
 *
 * Stopping does not abort the poll in flight: SQS would still hand a message to an abandoned long
 * poll and keep it invisible for the visibility timeout, so the next job's interrupt could wait that
 * long. The last poll runs out instead, and anything it receives for another job is made visible
 * again at once.
 */
export function watchInterrupts(input: InterruptWatchInput): { stop(): Promise<void> } {
  let stopped = false;
  void (async () => {
    while (!stopped) {
      try {
        const messages = await input.queue.receive(input.queueUrl, {
          maxMessages: 10,
          waitSeconds: input.waitSeconds,
          visibilitySeconds: 30,
        });
        for (const message of messages) {
          const parsed = safeJson(message.body);
          const interrupt = interruptMessageSchema.safeParse(parsed);
          const forThisJob = interrupt.success && interrupt.data.targetJobId === input.jobId;
          if (stopped && !forThisJob && interrupt.success) {
            await input.queue.changeVisibility(input.queueUrl, message.receiptHandle, 0);
            continue;
          }
          if (interrupt.success && forThisJob) {
            input.control.requestStop({
              kind: 'interrupt',
              byJobId: interrupt.data.byJobId,
              reason: interrupt.data.reason,
              noticedAt: input.clock.now().getTime(),
              ...(message.sentAt !== undefined ? { sentAt: message.sentAt } : {}),
            });
          } else if (!interrupt.success) {
            input.log.warn('dropping a malformed interrupt message', { messageId: message.messageId });
          }
          await input.queue.delete(input.queueUrl, message.receiptHandle);
        }
      } catch (error) {
        if (stopped) return;
        input.log.warn('interrupt poll failed', { jobId: input.jobId, error: String(error) });
        await input.clock.sleep(1000).catch(() => undefined);
      }
    }
  })();
  return {
    /** Stops polling; the poll in flight finishes by itself within `waitSeconds`. */
    async stop() {
      stopped = true;
    },
  };
}
