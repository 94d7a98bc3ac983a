import { inputQueueNamePrefix } from '../contracts/identifiers.ts';

/** What one queue holds now, as SQS reports it (approximate, like every SQS count). */
export interface QueueDepth {
  visible: number;
  inFlight: number;
}

export interface QueueDepthReader {
  /** Queue URLs whose names start with the prefix. */
  list(namePrefix: string): Promise<string[]>;
  depth(queueUrl: string): Promise<QueueDepth>;
}

/** The totals the workers scale on and the dead-letter alarm watches. */
export interface BacklogSample {
  queuePrefix: string;
  inputQueues: number;
  /** Jobs waiting for a worker, over every project-user input queue. */
  waitingJobs: number;
  /** Jobs a worker holds now. */
  runningJobs: number;
  /** Messages in the project-user dead-letter queues. */
  deadLetterMessages: number;
}

export interface BacklogPublisher {
  publish(sample: BacklogSample): Promise<void>;
}

export const deadLetterQueueNamePrefix = (queuePrefix: string): string => `${queuePrefix}-dlq-`;

/**
 * Sums the depths of the queues the workflow created at run time. CloudWatch alarms (and so ECS
 * scaling policies) cannot follow queues that appear after deployment, so a scheduled function
 * measures them and publishes one series per total, which the workers scale on even from zero tasks.
 */
export async function measureBacklog(queuePrefix: string, reader: QueueDepthReader): Promise<BacklogSample> {
  const [inputs, deadLetters] = await Promise.all([
    reader.list(inputQueueNamePrefix(queuePrefix)),
    reader.list(deadLetterQueueNamePrefix(queuePrefix)),
  ]);
  const inputDepths = await Promise.all(inputs.map((url) => reader.depth(url)));
  const deadLetterDepths = await Promise.all(deadLetters.map((url) => reader.depth(url)));
  const sum = (depths: QueueDepth[], field: keyof QueueDepth) =>
    depths.reduce((total, depth) => total + depth[field], 0);
  return {
    queuePrefix,
    inputQueues: inputs.length,
    waitingJobs: sum(inputDepths, 'visible'),
    runningJobs: sum(inputDepths, 'inFlight'),
    deadLetterMessages: sum(deadLetterDepths, 'visible') + sum(deadLetterDepths, 'inFlight'),
  };
}
