import type { Queue } from 'local-aws-sqs/dist/lib/queue';

/** A message as local-aws-sqs stores it (its typings leave it as `any`). */
export interface SqsRecord {
  MessageId: string;
  ReceiptHandle: string;
  MessageBody: string;
  attributes: Record<string, string>;
  MessageAttributes?: Record<string, unknown>;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
}

/** The wrapper local-aws-sqs keeps around each record in a queue. */
export interface SqsEntry {
  visible: boolean;
  delayed: boolean;
  record: SqsRecord;
}

export interface SendInput {
  MessageBody: string;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  MessageAttributes?: Record<string, unknown>;
  MessageSystemAttributes?: Record<string, unknown>;
  DelaySeconds?: number | string;
}

export interface SetRecordResult {
  record: SqsRecord;
  MD5OfMessageSystemAttributes?: string;
}

export interface ReceiveParams {
  VisibilityTimeout?: number | string;
  WaitTimeSeconds?: number | string;
  MaxNumberOfMessages?: number | string;
}

/** The instance methods of a local-aws-sqs Queue that the patches wrap, with real types. */
export interface QueueInternals {
  setRecord(input: SendInput, messageId?: string): SetRecordResult;
  newRecord(record: SqsRecord, delaySeconds?: number): SqsEntry;
  receive(params: ReceiveParams): Promise<SqsRecord[]>;
  delete(receiptHandle: string): boolean;
  changeVisibility(receiptHandle: string, timeout: string): boolean;
  clearRecords(): void;
  getAttributes(names?: string[]): Record<string, string> | undefined;
}

export type PatchableQueue = Queue & QueueInternals;

export function internals(queue: Queue): PatchableQueue {
  return queue as PatchableQueue;
}

/** Receipt handles are base64(uuid + JSON{ date, MessageId, QueueName }). */
export function messageIdOfReceipt(receiptHandle: string): string | undefined {
  try {
    const text = Buffer.from(receiptHandle, 'base64').toString('utf8');
    const parsed = JSON.parse(text.slice(text.indexOf('{'))) as { MessageId?: string };
    return parsed.MessageId;
  } catch {
    return undefined;
  }
}
