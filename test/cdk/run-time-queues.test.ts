import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsQueueProvisioner } from '#adapters/sqs-queue-provisioner.ts';
import { newInputQueueNoticesName, projectQueueNames } from '#contracts/identifiers.ts';

/**
 * The per project-user queues are created at run time by claim-job, out of reach of synth-time
 * checks. This drives the real queue-creation code with a recording SQS client and checks that every
 * queue it creates is encrypted, FIFO, TLS-only, that the input queue dead-letters to a FIFO DLQ, and
 * that every name falls under the prefixes the CDK grants are scoped to.
 */
interface Sent {
  command: string;
  input: {
    QueueName?: string;
    QueueUrl?: string;
    MessageBody?: string;
    Attributes?: Record<string, string>;
    tags?: Record<string, string>;
  };
}

const recordingClient = () => {
  const sent: Sent[] = [];
  const arnOf = (url: string) => `arn:aws:sqs:eu-west-1:123456789012:${url.split('/').pop() ?? ''}`;
  const client = {
    send: async (command: { constructor: { name: string }; input: Sent['input'] }) => {
      sent.push({ command: command.constructor.name, input: command.input });
      switch (command.constructor.name) {
        case 'GetQueueUrlCommand':
          // Only the stack's notices queue exists before the first job.
          if (command.input.QueueName === newInputQueueNoticesName('intake-dev'))
            return {
              QueueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${command.input.QueueName}`,
            };
          throw Object.assign(new Error('no such queue'), { name: 'QueueDoesNotExist' });
        case 'CreateQueueCommand':
          return {
            QueueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${command.input.QueueName ?? ''}`,
          };
        case 'GetQueueAttributesCommand':
          return { Attributes: { QueueArn: arnOf(command.input.QueueUrl ?? '') } };
        default:
          return {};
      }
    },
  };
  return { client: client as unknown as SQSClient, sent };
};

describe('queues created at run time', () => {
  it('are encrypted, FIFO, TLS-only, dead-lettered and named under the granted prefixes', async () => {
    const { client, sent } = recordingClient();
    await new SqsQueueProvisioner(client, 'intake-dev', { kmsKeyId: undefined }).ensureProjectQueues(
      'acme',
      'ann',
    );

    const created = sent.filter((s) => s.command === 'CreateQueueCommand').map((s) => s.input);
    const names = projectQueueNames('intake-dev', 'acme', 'ann');
    // The new input queue is announced once, to the notices queue, for the workers to poll at once.
    const notices = sent.filter((s) => s.command === 'SendMessageCommand').map((s) => s.input);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.QueueUrl).toMatch(/\/intake-dev-new-input-queues$/);
    expect(JSON.parse(notices[0]?.MessageBody ?? '{}')).toEqual({
      version: 1,
      projectId: 'acme',
      userId: 'ann',
      inputQueueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${names.input}`,
    });
    expect(created.map((q) => q.QueueName)).toEqual([names.deadLetter, names.input, names.interrupt]);
    expect(names.input).toMatch(/^intake-dev-input-acme-ann-[0-9a-f]{16}\.fifo$/);
    for (const queue of created) {
      // claim-job may create only `intake-dev-*`; the state machine sends only to input-* and interrupt-*.
      expect(queue.QueueName).toMatch(/^intake-dev-(input|dlq|interrupt)-/);
      expect(queue.Attributes).toMatchObject({ FifoQueue: 'true', SqsManagedSseEnabled: 'true' });
    }
    const input = created.find((q) => q.QueueName?.includes('-input-'));
    expect(JSON.parse(input?.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({
      deadLetterTargetArn: `arn:aws:sqs:eu-west-1:123456789012:${names.deadLetter}`,
      maxReceiveCount: expect.any(Number),
    });

    const policies = sent.filter((s) => s.command === 'SetQueueAttributesCommand').map((s) => s.input);
    expect(policies).toHaveLength(3);
    for (const { QueueUrl, Attributes } of policies) {
      const policy = JSON.parse(Attributes?.Policy ?? '{}') as {
        Statement: { Effect: string; Resource: string; Condition: unknown }[];
      };
      expect(policy.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Resource: `arn:aws:sqs:eu-west-1:123456789012:${QueueUrl?.split('/').pop() ?? ''}`,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('use the KMS key when one is configured', async () => {
    const { client, sent } = recordingClient();
    await new SqsQueueProvisioner(client, 'intake-dev', { kmsKeyId: 'alias/intake' }).ensureProjectQueues(
      'acme',
      'ann',
    );
    for (const { input } of sent.filter((s) => s.command === 'CreateQueueCommand')) {
      expect(input.Attributes).toMatchObject({ KmsMasterKeyId: 'alias/intake' });
    }
  });
});
