import { GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import type { CliContext } from './cli-context.ts';
import { output, table } from './format.ts';

/** The per project-user queues the workflow created, with their depths. */
export async function listQueues(context: CliContext, json: boolean): Promise<void> {
  const urls: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await context.clients.sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: `${context.config.queuePrefix}-`, NextToken: nextToken }),
    );
    urls.push(...(page.QueueUrls ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  const queues: { name: string; url: string; visible: number; inFlight: number }[] = [];
  for (const url of urls.sort()) {
    const { Attributes = {} } = await context.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    queues.push({
      name: url.split('/').pop() ?? url,
      url,
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    });
  }
  output(json, queues, () =>
    table(
      ['QUEUE', 'VISIBLE', 'IN FLIGHT'],
      queues.map((queue) => [queue.name, queue.visible, queue.inFlight]),
    ),
  );
}
