import * as z from '#contracts/zod.ts';
import { workflowStateSchema } from '#contracts/workflow-state.ts';
import { METRICS, OUTCOME_DIMENSION } from '#contracts/metrics.ts';
import { clock, jobs, leaseRelease, metrics, notifier } from '#runtime/handler-deps.ts';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context.ts';
import { finishJob } from '#workflow/finish-job.ts';

const eventSchema = z.object({
  outcome: z.enum(['not-accepted', 'succeeded', 'interrupted', 'failed', 'slot-unavailable']),
  state: workflowStateSchema,
});

/** ReleaseJob and the Record* states: release the lease if still ours, record the outcome, notify. */
export const createHandler = (context: HandlerContext) => async (event: unknown) => {
  const { outcome, state } = eventSchema.parse(event);
  const finished = await finishJob(outcome, state, {
    ...leaseRelease(context),
    jobs: jobs(context),
    notifier: notifier(context),
    clock,
  });
  metrics(context).emit(METRICS.jobsCompleted, 1, { [OUTCOME_DIMENSION]: finished.outcome });
  return finished;
};

export const handler = lambdaHandler('finish-job', createHandler);
