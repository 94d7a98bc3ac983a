import { z } from 'zod';
import { workflowStateSchema } from '#contracts/workflow-state';
import { jobs, now, queues, slots } from '#runtime/handler-deps';
import { claimJob } from '#workflow/claim-job';

const eventSchema = z.object({ mode: z.enum(['try', 'wait']), state: workflowStateSchema });

/** ClaimJob / WaitForSlot: claim the project-user slot, creating the project's queues on first use. */
export const handler = async (event: unknown) => {
  const { mode, state } = eventSchema.parse(event);
  return claimJob(state, mode, { slots: slots(), queues: queues(), jobs: jobs(), now });
};
