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
import { projectQueueNames } from '#contracts/identifiers';
import {
  interruptMessageSchema,
  jobMessageSchema,
  type InterruptMessage,
  type JobMessage,
} from '#contracts/messages';

export interface ReceivedJob {
  message: JobMessage;
  queueUrl: string;
  receiptHandle: string;
}

/**
 * A stand-in for the story-processing worker, driven step by step by a test: it takes job
 * messages off a project's input queue and answers their task tokens as the test says.
 */
export class ScriptedWorker {
  constructor(
    private readonly clients: { sqs: SQSClient; sfn: SFNClient },
    private readonly queuePrefix: string,
  ) {}

  async queueUrl(
    projectId: string,
    userId: string,
    kind: 'input' | 'interrupt' | 'deadLetter',
  ): Promise<string> {
    const name = projectQueueNames(this.queuePrefix, projectId, userId)[kind];
    const { QueueUrl } = await this.clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`no queue ${name}`);
    return QueueUrl;
  }

  /** Long-polls the input queue until a job arrives; undefined if none within the wait. */
  async nextJob(projectId: string, userId: string, waitSeconds = 2): Promise<ReceivedJob | undefined> {
    const queueUrl = await this.queueUrl(projectId, userId, 'input').catch(() => undefined);
    if (!queueUrl) return undefined;
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
    return {
      message: jobMessageSchema.parse(JSON.parse(received.Body)),
      queueUrl,
      receiptHandle: received.ReceiptHandle,
    };
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
      new SendTaskSuccessCommand({ taskToken: job.message.taskToken, output: JSON.stringify(output) }),
    );
    await this.done(job);
  }

  async fail(job: ReceivedJob, error: string, cause: string): Promise<void> {
    await this.clients.sfn.send(
      new SendTaskFailureCommand({ taskToken: job.message.taskToken, error, cause }),
    );
    await this.done(job);
  }

  async heartbeat(job: ReceivedJob): Promise<void> {
    await this.clients.sfn.send(new SendTaskHeartbeatCommand({ taskToken: job.message.taskToken }));
  }

  async done(job: ReceivedJob): Promise<void> {
    await this.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: job.queueUrl, ReceiptHandle: job.receiptHandle }),
    );
  }
}
