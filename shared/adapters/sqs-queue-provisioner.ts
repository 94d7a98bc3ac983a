import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { newInputQueueNoticesName, projectQueueNames } from '../contracts/identifiers.ts';
import type { NewInputQueueNotice } from '../contracts/messages.ts';
import type { ProjectQueueUrls, QueueProvisioner } from '../workflow/ports.ts';
import {
  deadLetterQueueAttributes,
  inputQueueAttributes,
  interruptQueueAttributes,
  tlsOnlyPolicy,
  type QueueSecurity,
} from '../workflow/queue-attributes.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

/**
 * Creates a project-user's input, dead-letter and interrupt queues on first use, and announces a new
 * input queue on the notices queue (a failed announcement fails the call: the retry finds the queues
 * and leaves the job to the workers' periodic discovery).
 */
export class SqsQueueProvisioner implements QueueProvisioner {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SqsQueueProvisioner> = [
    {
      actions: [
        'sqs:CreateQueue',
        'sqs:TagQueue',
        'sqs:GetQueueUrl',
        'sqs:GetQueueAttributes',
        'sqs:SetQueueAttributes',
      ],
      on: 'queues',
      by: ['ensureProjectQueues'],
    },
    { actions: ['sqs:GetQueueUrl', 'sqs:SendMessage'], on: 'newQueueNotices', by: ['ensureProjectQueues'] },
  ];

  private readonly known = new Map<string, Promise<ProjectQueueUrls>>();

  constructor(
    private readonly client: SQSClient,
    private readonly queuePrefix: string,
    private readonly security: QueueSecurity,
    private readonly tags: Record<string, string> = {},
  ) {}

  ensureProjectQueues(projectId: string, userId: string): Promise<ProjectQueueUrls> {
    const cacheKey = `${projectId}#${userId}`;
    let pending = this.known.get(cacheKey);
    if (!pending) {
      pending = this.provision(projectId, userId);
      // A failure must not stick in the cache: the next call tries again.
      pending.catch(() => this.known.delete(cacheKey));
      this.known.set(cacheKey, pending);
    }
    return pending;
  }

  private async provision(projectId: string, userId: string): Promise<ProjectQueueUrls> {
    const names = projectQueueNames(this.queuePrefix, projectId, userId);
    const tags = { ...this.tags, 'intake:project': projectId, 'intake:user': userId };
    const deadLetter = await this.ensureQueue(
      names.deadLetter,
      () => deadLetterQueueAttributes(this.security),
      tags,
    );
    const input = await this.ensureQueue(
      names.input,
      () => inputQueueAttributes(this.security, deadLetter.arn),
      tags,
    );
    if (input.created) await this.announce({ version: 1, projectId, userId, inputQueueUrl: input.url });
    const interrupt = await this.ensureQueue(
      names.interrupt,
      () => interruptQueueAttributes(this.security),
      tags,
    );
    return { inputQueueUrl: input.url, deadLetterQueueUrl: deadLetter.url, interruptQueueUrl: interrupt.url };
  }

  private async ensureQueue(
    name: string,
    attributes: () => Record<string, string>,
    tags: Record<string, string>,
  ): Promise<{ url: string; arn: string; created: boolean }> {
    let url = await this.existingUrl(name);
    const created = !url;
    if (!url) {
      const made = await this.client.send(
        new CreateQueueCommand({ QueueName: name, Attributes: attributes(), tags }),
      );
      url = required(made.QueueUrl, `CreateQueue ${name} returned no QueueUrl`);
    }
    const described = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'Policy'] }),
    );
    const arn = required(described.Attributes?.QueueArn, `GetQueueAttributes ${name} returned no QueueArn`);
    const policy = tlsOnlyPolicy(arn);
    if (described.Attributes?.Policy !== policy) {
      await this.client.send(
        new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy } }),
      );
    }
    return { url, arn, created };
  }

  private async announce(notice: NewInputQueueNotice): Promise<void> {
    const name = newInputQueueNoticesName(this.queuePrefix);
    const url = await this.existingUrl(name);
    if (!url) throw new Error(`The new-input-queue notices queue ${name} does not exist`);
    await this.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(notice) }));
  }

  private async existingUrl(name: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
      return result.QueueUrl;
    } catch (error) {
      if (error instanceof QueueDoesNotExist || (error as { name?: string }).name === 'QueueDoesNotExist') {
        return undefined;
      }
      throw error;
    }
  }
}

function required(value: string | undefined, message: string): string {
  if (!value) throw new Error(message);
  return value;
}
