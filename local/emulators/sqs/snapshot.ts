import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Queue } from 'local-aws-sqs/dist/lib/queue';
import { liveMessages } from './patch-queue.ts';
import type { DedupEntry, QueueState } from './patch-queue.ts';
import type { SqsRecord } from './queue-internals.ts';
import { internals } from './queue-internals.ts';

/** Attributes that CreateQueue accepts, i.e. the ones worth saving. */
const SETTABLE = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
] as const;

export interface SavedQueue {
  QueueName: string;
  Attributes: Record<string, string>;
  Tags: Record<string, string>;
  CreatedTimestamp: number;
  messages: { record: SqsRecord; delaySeconds: number }[];
  dedup: [string, DedupEntry][];
}

export interface SqsSnapshot {
  version: 1;
  savedAt: string;
  queues: SavedQueue[];
}

export function snapshotOf(
  queues: readonly Queue[],
  states: (queue: Queue) => QueueState | undefined,
): SqsSnapshot {
  const now = Date.now();
  return {
    version: 1,
    savedAt: new Date(now).toISOString(),
    queues: queues.map((queue) => {
      const all = internals(queue).getAttributes(['All']) ?? {};
      const state = states(queue);
      return {
        QueueName: queue.QueueName,
        Attributes: Object.fromEntries(
          SETTABLE.filter((name) => all[name] !== undefined).map((name) => [name, String(all[name])]),
        ),
        Tags: { ...queue.Tags },
        CreatedTimestamp: queue.CreatedTimestamp,
        messages: state
          ? liveMessages(state, now).map((t) => ({
              record: t.entry.record,
              delaySeconds: t.delayed ? Math.max(0, Math.ceil((t.delayedUntil - now) / 1000)) : 0,
            }))
          : [],
        dedup: state ? [...state.dedup].filter(([, seen]) => seen.expiresAt > now) : [],
      };
    }),
  };
}

export async function readSnapshot(file: string): Promise<SqsSnapshot | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SqsSnapshot;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writeSnapshot(file: string, snapshot: SqsSnapshot): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(snapshot));
  await rename(tmp, file);
}

/** Dead-letter queues first, so that every RedrivePolicy target exists when its source is created. */
export function creationOrder(queues: SavedQueue[]): SavedQueue[] {
  const byArnSuffix = new Map(queues.map((q) => [q.QueueName, q]));
  const ordered: SavedQueue[] = [];
  const visiting = new Set<string>();
  const visit = (queue: SavedQueue): void => {
    if (ordered.includes(queue) || visiting.has(queue.QueueName)) return;
    visiting.add(queue.QueueName);
    const policy = queue.Attributes.RedrivePolicy;
    if (policy) {
      const target = (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
        ?.split(':')
        .pop();
      const dlq = target ? byArnSuffix.get(target) : undefined;
      if (dlq) visit(dlq);
    }
    ordered.push(queue);
  };
  queues.forEach(visit);
  return ordered;
}
