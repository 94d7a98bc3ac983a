import { z } from 'zod';
import { workflowStateSchema } from '#contracts/workflow-state';
import { jobs, notifier, now, slots } from '#runtime/handler-deps';
import { finishJob } from '#workflow/finish-job';

const eventSchema = z.object({
  outcome: z.enum(['not-accepted', 'succeeded', 'interrupted', 'failed', 'slot-unavailable']),
  state: workflowStateSchema,
});

/** ReleaseJob and the Record* states: release the slot if still ours, record the outcome, notify. */
export const handler = async (event: unknown) => {
  const { outcome, state } = eventSchema.parse(event);
  return finishJob(outcome, state, { slots: slots(), jobs: jobs(), notifier: notifier(), now });
};
