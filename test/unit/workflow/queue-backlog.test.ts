import { describe, expect, it } from 'vitest';
import type { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchBacklogPublisher } from '#adapters/cloudwatch-backlog-publisher.ts';
import { measureBacklog, type QueueDepthReader } from '#workflow/queue-backlog.ts';

const reader = (queues: Record<string, { visible: number; inFlight: number }>): QueueDepthReader => ({
  list: async (prefix) => Object.keys(queues).filter((name) => name.startsWith(prefix)),
  depth: async (url) => queues[url] ?? { visible: 0, inFlight: 0 },
});

describe('measureBacklog', () => {
  it('sums the input queues and the dead-letter queues of one prefix only', async () => {
    const sample = await measureBacklog(
      'intake-prod',
      reader({
        'intake-prod-input-a-b.fifo': { visible: 2, inFlight: 1 },
        'intake-prod-input-c-d.fifo': { visible: 3, inFlight: 0 },
        'intake-prod-dlq-a-b.fifo': { visible: 1, inFlight: 1 },
        'intake-prod-interrupt-a-b.fifo': { visible: 9, inFlight: 9 },
        'intake-dev-input-a-b.fifo': { visible: 7, inFlight: 7 },
      }),
    );
    expect(sample).toEqual({
      queuePrefix: 'intake-prod',
      inputQueues: 2,
      waitingJobs: 5,
      runningJobs: 1,
      deadLetterMessages: 2,
    });
  });

  it('reports zero when no project has written yet', async () => {
    expect(await measureBacklog('intake-prod', reader({}))).toMatchObject({ inputQueues: 0, waitingJobs: 0 });
  });
});

describe('CloudWatchBacklogPublisher', () => {
  it('publishes every total in the Intake namespace with the queue prefix as dimension', async () => {
    const sent: PutMetricDataCommand[] = [];
    const client = { send: async (command: PutMetricDataCommand) => void sent.push(command) };
    const at = new Date('2026-11-22T10:00:00Z');
    const publisher = new CloudWatchBacklogPublisher(client, { now: () => at });
    await publisher.publish({
      queuePrefix: 'intake-prod',
      inputQueues: 2,
      waitingJobs: 5,
      runningJobs: 1,
      deadLetterMessages: 2,
    });
    const input = sent[0]?.input;
    expect(input?.Namespace).toBe('Intake');
    expect(input?.MetricData?.map((datum) => [datum.MetricName, datum.Value])).toEqual([
      ['WaitingJobs', 5],
      ['RunningJobs', 1],
      ['DeadLetterMessages', 2],
      ['ProjectQueues', 2],
    ]);
    for (const datum of input?.MetricData ?? []) {
      expect(datum).toMatchObject({
        Unit: 'Count',
        Timestamp: at,
        Dimensions: [{ Name: 'QueuePrefix', Value: 'intake-prod' }],
      });
    }
  });
});
