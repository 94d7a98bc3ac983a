import { z } from 'zod';
import { workflowStateSchema } from '#contracts/workflow-state';
import { jobs, now, queues, slots } from '#runtime/handler-deps';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context';
import { claimJob } from '#workflow/claim-job';

const eventSchema = z.object({ mode: z.enum(['try', 'wait']), state: workflowStateSchema });

/** ClaimJob / WaitForSlot: claim the project-user slot, creating the project's queues on first use. */
export const createHandler = (context: HandlerContext) => async (event: unknown) => {
  const { mode, state } = eventSchema.parse(event);
  return claimJob(state, mode, { slots: slots(context), queues: queues(context), jobs: jobs(context), now });
};

export const handler = lambdaHandler(createHandler);
