import { interruptMessageSchema } from '#contracts/messages';
import type { Clock, Log, WorkQueue } from '../ports.ts';
import type { JobControl } from './job-control.ts';

export interface InterruptWatchInput {
  queue: WorkQueue;
  queueUrl: string;
  jobId: string;
  control: JobControl;
  clock: Clock;
  log: Log;
  waitSeconds: number;
}

/**
 * Long-polls the project-user's interrupt queue while a job runs. A message for this job stops it;
 * one for any other job is stale (only the slot holder is ever interrupted) and is deleted.
 */
export function watchInterrupts(input: InterruptWatchInput): { stop(): Promise<void> } {
  const stopper = new AbortController();
  const loop = (async () => {
    while (!stopper.signal.aborted) {
      try {
        const messages = await input.queue.receive(input.queueUrl, {
          maxMessages: 10,
          waitSeconds: input.waitSeconds,
          visibilitySeconds: 30,
          signal: stopper.signal,
        });
        for (const message of messages) {
          const parsed = safeJson(message.body);
          const interrupt = interruptMessageSchema.safeParse(parsed);
          if (interrupt.success && interrupt.data.targetJobId === input.jobId) {
            input.control.requestStop({
              kind: 'interrupt',
              byJobId: interrupt.data.byJobId,
              reason: interrupt.data.reason,
              noticedAt: input.clock.now(),
              ...(message.sentAt !== undefined ? { sentAt: message.sentAt } : {}),
            });
          } else if (!interrupt.success) {
            input.log.warn('dropping a malformed interrupt message', { messageId: message.messageId });
          }
          await input.queue.delete(input.queueUrl, message.receiptHandle);
        }
      } catch (error) {
        if (stopper.signal.aborted) return;
        input.log.warn('interrupt poll failed', { jobId: input.jobId, error: String(error) });
        await input.clock.sleep(1000, stopper.signal).catch(() => undefined);
      }
    }
  })();
  return {
    async stop() {
      stopper.abort();
      await loop;
    },
  };
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
