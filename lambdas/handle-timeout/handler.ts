import * as z from '#contracts/zod.ts';
import { workflowStateSchema } from '#contracts/workflow-state.ts';
import { METRICS, OUTCOME_DIMENSION } from '#contracts/metrics.ts';
import { clock, jobs, leaseRelease, metrics, notifier } from '#runtime/handler-deps.ts';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context.ts';
import { handleTimeout } from '#workflow/handle-timeout.ts';

const eventSchema = z.object({ state: workflowStateSchema });

/** HandleTimeout (after DeadLetterJob): release if still ours, record with the dead-letter id, notify. */
export const createHandler = (context: HandlerContext) => async (event: unknown) => {
  const { state } = eventSchema.parse(event);
  const handled = await handleTimeout(state, {
    ...leaseRelease(context),
    jobs: jobs(context),
    notifier: notifier(context),
    clock,
  });
  metrics(context).emit(METRICS.jobsTimedOut, 1);
  metrics(context).emit(METRICS.jobsCompleted, 1, { [OUTCOME_DIMENSION]: handled.outcome });
  return handled;
};

export const handler = lambdaHandler('handle-timeout', createHandler);
