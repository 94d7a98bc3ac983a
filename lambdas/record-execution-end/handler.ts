import { z } from 'zod';
import { executionStates, jobs, now, slots } from '#runtime/handler-deps';
import { recordExecutionEnd } from '#workflow/record-execution-end';

const eventSchema = z.object({
  detail: z.object({
    executionArn: z.string().min(1),
    name: z.string().min(1),
    status: z.enum(['ABORTED', 'TIMED_OUT', 'FAILED']),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});

/** EventBridge "Step Functions Execution Status Change" for an execution that did not succeed. */
export const handler = async (event: unknown) => {
  const { detail } = eventSchema.parse(event);
  return recordExecutionEnd(detail, { states: executionStates(), slots: slots(), jobs: jobs(), now });
};
