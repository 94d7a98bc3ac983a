import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { projectQueueNames } from '#contracts/identifiers';
import type { ProjectQueueUrls, QueueProvisioner } from '#workflow/ports';
import {
  deadLetterQueueAttributes,
  inputQueueAttributes,
  interruptQueueAttributes,
  tlsOnlyPolicy,
  type QueueSecurity,
} from '#workflow/queue-attributes';
import type { AdapterGrants } from '#contracts/grants';

/** Creates a project-user's input, dead-letter and interrupt queues on first use. */
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
  ): Promise<{ url: string; arn: string }> {
    let url = await this.existingUrl(name);
    if (!url) {
      const created = await this.client.send(
        new CreateQueueCommand({ QueueName: name, Attributes: attributes(), tags }),
      );
      url = required(created.QueueUrl, `CreateQueue ${name} returned no QueueUrl`);
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
    return { url, arn };
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
