import { backlogPublisher, queueDepths } from '#runtime/handler-deps.ts';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context.ts';
import { measureBacklog } from '#workflow/queue-backlog.ts';

/** Every minute (EventBridge schedule): measure the run-time queues and publish the totals. */
export const createHandler = (context: HandlerContext) => async () => {
  const sample = await measureBacklog(context.config.queuePrefix, queueDepths(context));
  await backlogPublisher(context).publish(sample);
  return sample;
};

export const handler = lambdaHandler('queue-backlog', createHandler);
