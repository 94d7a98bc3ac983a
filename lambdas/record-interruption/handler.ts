import * as z from '#contracts/zod.ts';
import { stateErrorSchema, workflowStateSchema } from '#contracts/workflow-state.ts';
import { clock, interruptions, jobs, leases } from '#runtime/handler-deps.ts';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context.ts';
import { recordInterruption } from '#workflow/record-interruption.ts';

const INTERRUPTION_RETENTION_DAYS = 30;

const eventSchema = z.object({
  state: z.extend(workflowStateSchema, { interruptError: z.optional(stateErrorSchema) }),
});

/** RecordInterruption: flag the interrupt on the holder's lease and write the audit record. */
export const createHandler = (context: HandlerContext) => async (event: unknown) => {
  const { state } = eventSchema.parse(event);
  return recordInterruption(
    { state },
    {
      leases: leases(context),
      interruptions: interruptions(context),
      jobs: jobs(context),
      clock,
      retentionDays: INTERRUPTION_RETENTION_DAYS,
    },
  );
};

export const handler = lambdaHandler('record-interruption', createHandler);
