import { z } from 'zod';
import { workflowStateSchema } from '#contracts/workflow-state';
import { deadLetters, jobs, notifier, now, slots } from '#runtime/handler-deps';
import { handleTimeout } from '#workflow/handle-timeout';

const eventSchema = z.object({ state: workflowStateSchema });

/** HandleTimeout: release if still ours, dead-letter the job with its context, record, notify. */
export const handler = async (event: unknown) => {
  const { state } = eventSchema.parse(event);
  return handleTimeout(state, {
    slots: slots(),
    jobs: jobs(),
    deadLetters: deadLetters(),
    notifier: notifier(),
    now,
  });
};
