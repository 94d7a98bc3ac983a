/**
 * Attributes of a project-user's queues. Queues are created at run time, out of reach of synth-time
 * checks (cdk-nag), so the code that creates them sets encryption, the dead-letter redrive and a
 * TLS-only policy itself.
 */
export interface QueueSecurity {
  /** A KMS key id or alias; SQS-managed server-side encryption when undefined. */
  kmsKeyId: string | undefined;
}

const FOURTEEN_DAYS = String(14 * 24 * 3600);
const FOUR_DAYS = String(4 * 24 * 3600);
const ONE_DAY = String(24 * 3600);

/** Receives of one job message before it goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

const encryption = (security: QueueSecurity): Record<string, string> =>
  security.kmsKeyId
    ? { KmsMasterKeyId: security.kmsKeyId, KmsDataKeyReusePeriodSeconds: '300' }
    : { SqsManagedSseEnabled: 'true' };

export const deadLetterQueueAttributes = (security: QueueSecurity): Record<string, string> => ({
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  MessageRetentionPeriod: FOURTEEN_DAYS,
  ...encryption(security),
});

export const inputQueueAttributes = (
  security: QueueSecurity,
  deadLetterArn: string,
): Record<string, string> => ({
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  // The worker extends visibility while a job runs; this only bounds a crashed worker's hold.
  VisibilityTimeout: '120',
  MessageRetentionPeriod: FOUR_DAYS,
  RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
  ...encryption(security),
});

export const interruptQueueAttributes = (security: QueueSecurity): Record<string, string> => ({
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  MessageRetentionPeriod: ONE_DAY,
  ...encryption(security),
});

/** Denies every request that does not use TLS. */
export const tlsOnlyPolicy = (queueArn: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:*',
        Resource: queueArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
