import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { BACKLOG_METRICS } from '#contracts/metrics';
import type { BacklogPublisher, BacklogSample } from '#workflow/queue-backlog';

/** The one call this adapter makes; a CloudWatchClient satisfies it. */
export interface MetricDataClient {
  send(command: PutMetricDataCommand): Promise<unknown>;
}

/** Publishes the backlog totals as custom metrics, one dimension: the environment's queue prefix. */
export class CloudWatchBacklogPublisher implements BacklogPublisher {
  constructor(
    private readonly client: MetricDataClient,
    private readonly now: () => Date,
  ) {}

  async publish(sample: BacklogSample): Promise<void> {
    const timestamp = this.now();
    const dimensions = [{ Name: BACKLOG_METRICS.dimension, Value: sample.queuePrefix }];
    const datum = (MetricName: string, Value: number) => ({
      MetricName,
      Value,
      Unit: 'Count' as const,
      Timestamp: timestamp,
      Dimensions: dimensions,
    });
    await this.client.send(
      new PutMetricDataCommand({
        Namespace: BACKLOG_METRICS.namespace,
        MetricData: [
          datum(BACKLOG_METRICS.waitingJobs, sample.waitingJobs),
          datum(BACKLOG_METRICS.runningJobs, sample.runningJobs),
          datum(BACKLOG_METRICS.deadLetterMessages, sample.deadLetterMessages),
          datum(BACKLOG_METRICS.inputQueues, sample.inputQueues),
        ],
      }),
    );
  }
}
