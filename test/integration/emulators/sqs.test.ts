import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Message, QueueAttributeName } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulators } from '#local/emulators/index.ts';
import { signedRequest } from '../../helpers/signed-http.ts';
import { clientConfig, removeDir, sleep, start, tempDataDir } from './harness.ts';

let dataDir: string;
let emulators: Emulators;
let sqs: SQSClient;

beforeAll(async () => {
  dataDir = await tempDataDir();
  emulators = await start(dataDir);
  sqs = new SQSClient(clientConfig(emulators));
});

afterAll(async () => {
  sqs?.destroy();
  await emulators?.stop();
  await removeDir(dataDir);
});

let counter = 0;
async function fifoQueue(attributes: Record<string, string> = {}): Promise<string> {
  counter += 1;
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `test-${counter}.fifo`,
      Attributes: { FifoQueue: 'true', ...attributes },
    }),
  );
  if (!QueueUrl) throw new Error('no queue url');
  return QueueUrl;
}

async function receive(
  QueueUrl: string,
  options: { max?: number; visibility?: number; wait?: number } = {},
): Promise<Message[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: options.max ?? 10,
      WaitTimeSeconds: options.wait ?? 0,
      ...(options.visibility !== undefined ? { VisibilityTimeout: options.visibility } : {}),
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages ?? [];
}

async function send(
  QueueUrl: string,
  body: string,
  group: string,
  dedup = body,
): Promise<string | undefined> {
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl,
      MessageBody: body,
      MessageGroupId: group,
      MessageDeduplicationId: dedup,
    }),
  );
  return MessageId;
}

async function attribute(QueueUrl: string, name: QueueAttributeName): Promise<string | undefined> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  return Attributes?.[name];
}

describe('SQS through the edge (JSON protocol)', () => {
  it('creates FIFO queues with their attributes, idempotently for the same attributes', async () => {
    const url = await fifoQueue({ ContentBasedDeduplication: 'true' });
    expect(url.startsWith(emulators.endpoint)).toBe(true);
    expect(await attribute(url, 'FifoQueue')).toBe('true');
    expect(await attribute(url, 'ContentBasedDeduplication')).toBe('true');
    const name = url.split('/').pop();
    const again = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    expect(again.QueueUrl).toBe(url);
    await expect(
      sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: { FifoQueue: 'true', VisibilityTimeout: '99' },
        }),
      ),
    ).rejects.toThrow(/already exists/);
  });

  it('delivers each group in order and holds a group back while one of its messages is in flight', async () => {
    const url = await fifoQueue();
    for (const body of ['a1', 'a2', 'a3']) await send(url, body, 'a');
    await send(url, 'b1', 'b');

    const first = await receive(url);
    expect(first.map((m) => m.Body)).toEqual(['a1', 'b1']);
    expect(await receive(url)).toEqual([]);

    const a1 = first.find((m) => m.Body === 'a1');
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: a1?.ReceiptHandle }));
    expect((await receive(url)).map((m) => m.Body)).toEqual(['a2']);
  });

  it('drops a second send with the same deduplication id within 5 minutes, even after a delete', async () => {
    const url = await fifoQueue();
    const id = await send(url, 'job', 'g', 'dedup-1');
    expect(await send(url, 'job again', 'g', 'dedup-1')).toBe(id);
    const [message] = await receive(url);
    expect(message?.Body).toBe('job');
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message?.ReceiptHandle }));
    expect(await send(url, 'job', 'g', 'dedup-1')).toBe(id);
    expect(await receive(url)).toEqual([]);
    expect(await attribute(url, 'ApproximateNumberOfMessages')).toBe('0');
  });

  it('deduplicates by content when ContentBasedDeduplication is on', async () => {
    const url = await fifoQueue({ ContentBasedDeduplication: 'true' });
    const first = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g' }),
    );
    const second = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g' }),
    );
    expect(second.MessageId).toBe(first.MessageId);
    expect(await attribute(url, 'ApproximateNumberOfMessages')).toBe('1');
  });

  it('hides a received message for the visibility timeout, and ChangeMessageVisibility changes it without counting a receive', async () => {
    const url = await fifoQueue();
    await send(url, 'v', 'g');
    const [first] = await receive(url, { visibility: 1 });
    expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(await attribute(url, 'ApproximateNumberOfMessages')).toBe('0');
    expect(await attribute(url, 'ApproximateNumberOfMessagesNotVisible')).toBe('1');
    expect(await receive(url)).toEqual([]);
    await sleep(1200);
    const [second] = await receive(url, { visibility: 30 });
    expect(second?.Body).toBe('v');
    expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');

    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: second?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    await sleep(50);
    const [third] = await receive(url);
    expect(third?.Attributes?.ApproximateReceiveCount).toBe('3');
  });

  it('long polling returns as soon as a message arrives', async () => {
    const url = await fifoQueue();
    const started = Date.now();
    const polling = receive(url, { wait: 10, max: 10 });
    await sleep(300);
    await send(url, 'late', 'g');
    const messages = await polling;
    expect(messages.map((m) => m.Body)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('moves a message to the FIFO dead-letter queue after maxReceiveCount receives', async () => {
    const dlq = await fifoQueue();
    const dlqArn = await attribute(dlq, 'QueueArn');
    const url = await fifoQueue({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    });
    await send(url, 'poison', 'g');
    for (let i = 0; i < 2; i++) {
      expect((await receive(url, { visibility: 1 })).map((m) => m.Body)).toEqual(['poison']);
      await sleep(1100);
    }
    expect(await receive(url)).toEqual([]);
    const dead = await receive(dlq);
    expect(dead.map((m) => m.Body)).toEqual(['poison']);
    expect(dead[0]?.Attributes?.MessageGroupId).toBe('g');
  });

  it('lists queues by name prefix', async () => {
    await sqs.send(
      new CreateQueueCommand({ QueueName: 'prefix-a-1.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    await sqs.send(
      new CreateQueueCommand({ QueueName: 'prefix-a-2.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    await sqs.send(new CreateQueueCommand({ QueueName: 'prefix-b-1' }));
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'prefix-a-' }));
    expect(QueueUrls?.map((u) => u.split('/').pop()).sort()).toEqual(['prefix-a-1.fifo', 'prefix-a-2.fifo']);
  });

  it('accepts a queue policy and encryption settings', async () => {
    const url = await fifoQueue();
    const arn = await attribute(url, 'QueueArn');
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'states',
          Effect: 'Allow',
          Principal: { Service: 'states.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: arn,
        },
      ],
    };
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: JSON.stringify(policy) } }),
    );
    expect(JSON.parse((await attribute(url, 'Policy')) ?? '{}')).toMatchObject({
      Statement: [{ Sid: 'states' }],
    });
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { KmsMasterKeyId: 'alias/aws/sqs' } }),
    );
    expect(await attribute(url, 'KmsMasterKeyId')).toBe('alias/aws/sqs');
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { SqsManagedSseEnabled: 'true' } }),
    );
    expect(await attribute(url, 'SqsManagedSseEnabled')).toBe('true');
  });
});

describe('SQS through the edge (query protocol)', () => {
  it('answers signed form-encoded requests with Action=', async () => {
    const post = (form: Record<string, string>) =>
      signedRequest({
        endpoint: emulators.endpoint,
        credentials: emulators.credentials,
        service: 'sqs',
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ Version: '2012-11-05', ...form }).toString(),
      });
    const created = await post({ Action: 'CreateQueue', QueueName: 'query-protocol' });
    expect(created.status).toBe(200);
    expect(created.text).toContain('<QueueUrl>');
    const queueUrl = /<QueueUrl>([^<]+)<\/QueueUrl>/.exec(created.text)?.[1] ?? '';
    expect((await post({ Action: 'SendMessage', QueueUrl: queueUrl, MessageBody: 'via query' })).status).toBe(
      200,
    );
    expect((await post({ Action: 'ListQueues', QueueNamePrefix: 'query-' })).text).toContain(
      'query-protocol',
    );
    expect((await post({ Action: 'ReceiveMessage', QueueUrl: queueUrl })).text).toContain('via query');
  });
});
