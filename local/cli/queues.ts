import { SqsQueueDepths } from '#adapters/sqs-queue-depths.ts';
import { newInputQueueNoticesName } from '#contracts/identifiers.ts';
import type { CliContext } from './cli-context.ts';
import { output, table } from './format.ts';

/** The per project-user queues the workflow created, with their depths. */
export async function listQueues(context: CliContext, json: boolean): Promise<void> {
  const depths = new SqsQueueDepths(context.clients.sqs);
  const notices = `/${newInputQueueNoticesName(context.config.queuePrefix)}`;
  const urls = (await depths.list(`${context.config.queuePrefix}-`))
    .filter((url) => !url.endsWith(notices))
    .sort();
  const queues = await Promise.all(
    urls.map(async (url) => ({ name: url.split('/').pop() ?? url, url, ...(await depths.depth(url)) })),
  );
  output(json, queues, () =>
    table(
      ['QUEUE', 'VISIBLE', 'IN FLIGHT'],
      queues.map((queue) => [queue.name, queue.visible, queue.inFlight]),
    ),
  );
}
