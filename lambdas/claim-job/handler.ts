import * as z from '#contracts/zod.ts';
import { workflowStateSchema } from '#contracts/workflow-state.ts';
import { clock, jobs, leases, queues, waiters, waker } from '#runtime/handler-deps.ts';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context.ts';
import { claimJob, waitForLease } from '#workflow/claim-job.ts';

const eventSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('try'), state: workflowStateSchema }),
  z.object({
    mode: z.literal('wait'),
    taskToken: z.string().check(z.minLength(1)),
    state: workflowStateSchema,
  }),
]);

/**
 * ClaimJob (`try`): claim the project-user lease, creating the project's queues on first use.
 * WaitForLease (`wait`): park the task token with the lease and claim; the token is answered on a claim.
 */
export const createHandler = (context: HandlerContext) => async (event: unknown) => {
  const parsed = eventSchema.parse(event);
  const deps = { leases: leases(context), queues: queues(context), jobs: jobs(context), clock };
  if (parsed.mode === 'try') return claimJob(parsed.state, deps);
  return waitForLease(parsed.state, parsed.taskToken, {
    ...deps,
    waiters: waiters(context),
    waker: waker(context),
  });
};

export const handler = lambdaHandler('claim-job', createHandler);
