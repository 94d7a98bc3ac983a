import * as z from '#contracts/zod.ts';
import { METRICS, OUTCOME_DIMENSION } from '#contracts/metrics.ts';
import { clock, executionStates, jobs, leaseRelease, metrics } from '#runtime/handler-deps.ts';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context.ts';
import { recordExecutionEnd } from '#workflow/record-execution-end.ts';

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
  const ended = await recordExecutionEnd(detail, {
    states: executionStates(context),
    ...leaseRelease(context),
    jobs: jobs(context),
    clock,
  });
  // Only when the workflow had not recorded an outcome itself (that one was counted by finish-job).
  if (ended.recorded) metrics(context).emit(METRICS.jobsCompleted, 1, { [OUTCOME_DIMENSION]: ended.outcome });
  return ended;
};

export const handler = lambdaHandler('record-execution-end', createHandler);
