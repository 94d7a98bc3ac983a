import { backlogPublisher, config, queueDepths } from '#runtime/handler-deps';
import { measureBacklog } from '#workflow/queue-backlog';

/** Every minute (EventBridge schedule): measure the run-time queues and publish the totals. */
export const handler = async () => {
  const sample = await measureBacklog(config().queuePrefix, queueDepths());
  await backlogPublisher().publish(sample);
  return sample;
};
