import * as z from '#contracts/zod';
import { executionStates, jobs, now, slotRelease } from '#runtime/handler-deps';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context';
import { recordExecutionEnd } from '#workflow/record-execution-end';

const eventSchema = z.object({
  detail: z.object({
    executionArn: z.string().check(z.minLength(1)),
    name: z.string().check(z.minLength(1)),
    status: z.enum(['ABORTED', 'TIMED_OUT', 'FAILED']),
    error: z.nullish(z.string()),
    cause: z.nullish(z.string()),
  }),
});

/** EventBridge "Step Functions Execution Status Change" for an execution that did not succeed. */
export const createHandler = (context: HandlerContext) => async (event: unknown) => {
  const { detail } = eventSchema.parse(event);
  return recordExecutionEnd(detail, {
    states: executionStates(context),
    ...slotRelease(context),
    jobs: jobs(context),
    now,
  });
};

export const handler = lambdaHandler(createHandler);
