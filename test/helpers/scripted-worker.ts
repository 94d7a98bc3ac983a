import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { projectQueueNames, leaseIdOf } from '#contracts/identifiers.ts';
import {
  interruptMessageSchema,
  jobMessageSchema,
  type InterruptMessage,
  type JobMessage,
} from '#contracts/messages.ts';

/** A job message taken off an input queue, not yet picked up. */
export interface QueuedJob {
  message: JobMessage;
  queueUrl: string;
  receiptHandle: string;
}

export interface ReceivedJob extends QueuedJob {
  /** The run token the workflow's RunJob state parked on the lease after the pickup. */
  runToken: string;
}

/**
 * A stand-in for the story-processing worker, driven step by step by a test: it takes job
 * messages off a project's input queue, picks them up as a worker does (answers the queue token,
 * reads the run token from the lease) and answers the run token as the test says.
 */
export class ScriptedWorker {
  constructor(
    private readonly clients: { sqs: SQSClient; sfn: SFNClient; dynamodb: DynamoDBClient },
    private readonly config: { queuePrefix: string; activeJobsTable: string },
  ) {}

  async queueUrl(
    projectId: string,
    userId: string,
    kind: 'input' | 'interrupt' | 'deadLetter',
  ): Promise<string> {
    const name = projectQueueNames(this.config.queuePrefix, projectId, userId)[kind];
    const { QueueUrl } = await this.clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`no queue ${name}`);
    return QueueUrl;
  }

  /** Long-polls the input queue until a job arrives and picks it up; undefined if none within the wait. */
  async nextJob(projectId: string, userId: string, waitSeconds = 2): Promise<ReceivedJob | undefined> {
    const queueUrl = await this.queueUrl(projectId, userId, 'input').catch(() => undefined);
    if (!queueUrl) return undefined;
    const received = await this.receiveJob(queueUrl, waitSeconds);
    if (!received) return undefined;
    await this.acknowledgePickup(received);
    return this.withRunToken(received);
  }

  /** Long-polls one input queue for a job message; undefined if none within the wait. */
  async receiveJob(queueUrl: string, waitSeconds: number): Promise<QueuedJob | undefined> {
    const { Messages } = await this.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: 300,
      }),
    );
    const received = Messages?.[0];
    if (!received?.Body || !received.ReceiptHandle) return undefined;
    const message = jobMessageSchema.parse(JSON.parse(received.Body));
    return { message, queueUrl, receiptHandle: received.ReceiptHandle };
  }

  /** Answers the queue token as a worker does when it takes a job. */
  async acknowledgePickup(job: QueuedJob): Promise<void> {
    await this.clients.sfn.send(
      new SendTaskSuccessCommand({
        taskToken: job.message.taskToken,
        output: JSON.stringify({ workerId: 'scripted', pickedUpAt: new Date().toISOString() }),
      }),
    );
  }

  /** Waits for the run token the workflow parks on the lease after the pickup. */
  async withRunToken(job: QueuedJob): Promise<ReceivedJob> {
    const { projectId, userId, jobId } = job.message.job;
    return { ...job, runToken: await this.runToken(leaseIdOf(projectId, userId), jobId) };
  }

  private async runToken(leaseId: string, jobId: string): Promise<string> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const { Item } = await this.clients.dynamodb.send(
        new GetItemCommand({
          TableName: this.config.activeJobsTable,
          Key: { pk: { S: leaseId } },
          ConsistentRead: true,
        }),
      );
      const token = Item?.jobId?.S === jobId ? Item.runTaskToken?.S : undefined;
      if (token) return token;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no run token on the lease of ${leaseId} for ${jobId}`);
  }

  async nextInterrupt(
    projectId: string,
    userId: string,
    waitSeconds = 2,
  ): Promise<InterruptMessage | undefined> {
    const queueUrl = await this.queueUrl(projectId, userId, 'interrupt');
    const { Messages } = await this.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: waitSeconds }),
    );
    const received = Messages?.[0];
    if (!received?.Body || !received.ReceiptHandle) return undefined;
    await this.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: received.ReceiptHandle }),
    );
    return interruptMessageSchema.parse(JSON.parse(received.Body));
  }

  async succeed(job: ReceivedJob, output: unknown = { stories: [], commits: [] }): Promise<void> {
    await this.clients.sfn.send(
      new SendTaskSuccessCommand({ taskToken: job.runToken, output: JSON.stringify(output) }),
    );
    await this.done(job);
  }

  async fail(job: ReceivedJob, error: string, cause: string): Promise<void> {
    await this.clients.sfn.send(new SendTaskFailureCommand({ taskToken: job.runToken, error, cause }));
    await this.done(job);
  }

  async heartbeat(job: ReceivedJob): Promise<void> {
    await this.clients.sfn.send(new SendTaskHeartbeatCommand({ taskToken: job.runToken }));
  }

  async done(job: ReceivedJob): Promise<void> {
    await this.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: job.queueUrl, ReceiptHandle: job.receiptHandle }),
    );
  }
}
