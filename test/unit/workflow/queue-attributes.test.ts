import { describe, expect, it } from 'vitest';
import {
  deadLetterQueueAttributes,
  inputQueueAttributes,
  interruptQueueAttributes,
  MAX_RECEIVE_COUNT,
  tlsOnlyPolicy,
} from '#workflow/queue-attributes.ts';

describe('project queue attributes', () => {
  it('encrypts every queue, with SQS-managed keys by default and KMS when given', () => {
    for (const attributes of [
      deadLetterQueueAttributes({ kmsKeyId: undefined }),
      interruptQueueAttributes({ kmsKeyId: undefined }),
      inputQueueAttributes({ kmsKeyId: undefined }, 'arn:dlq'),
    ]) {
      expect(attributes).toMatchObject({ FifoQueue: 'true', SqsManagedSseEnabled: 'true' });
    }
    expect(deadLetterQueueAttributes({ kmsKeyId: 'alias/intake' })).toMatchObject({
      KmsMasterKeyId: 'alias/intake',
    });
    expect(deadLetterQueueAttributes({ kmsKeyId: 'alias/intake' })).not.toHaveProperty(
      'SqsManagedSseEnabled',
    );
  });

  it('redrives input messages to the dead-letter queue', () => {
    const attributes = inputQueueAttributes(
      { kmsKeyId: undefined },
      'arn:aws:sqs:us-east-1:1:intake-dlq-a-b.fifo',
    );
    expect(JSON.parse(attributes.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:1:intake-dlq-a-b.fifo',
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
  });

  it('denies requests without TLS', () => {
    const policy = JSON.parse(tlsOnlyPolicy('arn:q'));
    expect(policy.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Resource: 'arn:q',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });
});
