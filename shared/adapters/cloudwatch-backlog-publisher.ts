import { systemClock, type Clock } from '../contracts/clock.ts';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  METRICS,
  METRICS_NAMESPACE,
  QUEUE_PREFIX_DIMENSION,
  type MetricContract,
} from '../contracts/metrics.ts';
import type { BacklogPublisher, BacklogSample } from '../workflow/queue-backlog.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

/** The one call this adapter makes; a CloudWatchClient satisfies it. */
export interface MetricDataClient {
  send(command: PutMetricDataCommand): Promise<unknown>;
}

/** Publishes the backlog totals as custom metrics, one dimension: the environment's queue prefix. */
export class CloudWatchBacklogPublisher implements BacklogPublisher {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<CloudWatchBacklogPublisher> = [
    { actions: ['cloudwatch:PutMetricData'], on: 'metricNamespace', by: ['publish'] },
  ];

  constructor(
    private readonly client: MetricDataClient,
    private readonly clock: Clock = systemClock,
  ) {}

  async publish(sample: BacklogSample): Promise<void> {
    const timestamp = this.clock.now();
    const dimensions = [{ Name: QUEUE_PREFIX_DIMENSION, Value: sample.queuePrefix }];
    const datum = (metric: MetricContract, Value: number) => ({
      MetricName: metric.name,
      Value,
      Unit: metric.unit,
      Timestamp: timestamp,
      Dimensions: dimensions,
    });
    await this.client.send(
      new PutMetricDataCommand({
        Namespace: METRICS_NAMESPACE,
        MetricData: [
          datum(METRICS.waitingJobs, sample.waitingJobs),
          datum(METRICS.runningJobs, sample.runningJobs),
          datum(METRICS.deadLetterMessages, sample.deadLetterMessages),
          datum(METRICS.projectQueues, sample.inputQueues),
        ],
      }),
    );
  }
}
