import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createRequestHandler } from 'local-aws-sqs';
import type { Queue } from 'local-aws-sqs/dist/lib/queue';
import { edgeOnly } from './backend-guard.ts';
import { closeServer, endpointOf, listen } from './net.ts';
import type { RunningService } from './net.ts';
import { patchQueue } from './sqs/patch-queue.ts';
import type { QueueState } from './sqs/patch-queue.ts';
import { normalizeRequest } from './sqs/normalize-request.ts';
import { internals } from './sqs/queue-internals.ts';
import { creationOrder, readSnapshot, snapshotOf, writeSnapshot } from './sqs/snapshot.ts';

export interface SqsEmulatorOptions {
  dataDir: string;
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  /** Base URL that queue URLs name (normally the edge); defaults to this emulator's own endpoint. */
  advertisedEndpoint?: string;
  /** Requests must carry this edge token (see backend-guard). */
  edgeToken: string;
}

export interface SqsEmulator extends RunningService {
  /** Makes queue URLs name another endpoint, e.g. the edge once it listens. */
  setAdvertisedEndpoint(url: string): void;
  /** Writes the current queues and messages to disk now. */
  flush(): Promise<void>;
}

const SNAPSHOT_DELAY_MS = 100;

/**
 * SQS on local-aws-sqs, patched for the semantics it lacks (see sqs/patch-queue.ts) and persisted:
 * local-aws-sqs keeps everything in memory, so queues, messages and deduplication ids are
 * snapshotted to <dataDir>/sqs/queues.json shortly after each change and on stop, and recreated at
 * start. Messages that were in flight come back visible (their receipt handles died with the process).
 */
export async function startSqs(options: SqsEmulatorOptions): Promise<SqsEmulator> {
  const host = options.host ?? '127.0.0.1';
  const dir = join(options.dataDir, 'sqs');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'queues.json');
  const saved = await readSnapshot(file);
  const ordered = saved ? creationOrder(saved.queues) : [];

  const { service, requestHandler } = createRequestHandler({
    port: 0,
    hostname: host,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    queues: ordered.map((q) => ({ QueueName: q.QueueName, Attributes: q.Attributes, tags: q.Tags })),
  });

  const states = new WeakMap<Queue, QueueState>();
  let stopped = false;
  let restoring = true;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!dirty) return writing;
    dirty = false;
    const snapshot = snapshotOf(service.Queues, (queue) => states.get(queue));
    writing = writing
      .then(() => writeSnapshot(file, snapshot))
      .catch((err: unknown) => console.error('SQS snapshot failed', err));
    return writing;
  };
  const changed = (): void => {
    // Queue timers (visibility, delays) keep firing after stop; the final snapshot is already written.
    if (restoring || stopped) return;
    dirty = true;
    timer ??= setTimeout(() => void flush(), SNAPSHOT_DELAY_MS).unref();
  };
  const ctx = {
    changed,
    isStopped: () => stopped,
    forget(messageId: string, except: QueueState) {
      for (const queue of service.Queues) {
        const state = states.get(queue);
        if (state && state !== except) state.forget(messageId);
      }
    },
  };
  const patch = (queue: Queue): void => {
    if (!states.has(queue)) states.set(queue, patchQueue(queue, ctx));
  };
  service.Queues.forEach(patch);
  // Queues only ever enter the service through push: patch each one as it arrives.
  const queues = service.Queues;
  queues.push = (...added: Queue[]) => {
    added.forEach(patch);
    return Array.prototype.push.apply(queues, added);
  };

  for (const savedQueue of ordered) {
    const queue = service.Queues.find((q) => q.QueueName === savedQueue.QueueName);
    const state = queue && states.get(queue);
    if (!queue || !state) continue;
    queue.CreatedTimestamp = savedQueue.CreatedTimestamp;
    for (const { record, delaySeconds } of savedQueue.messages)
      internals(queue).newRecord(record, delaySeconds);
    for (const [key, seen] of savedQueue.dedup) state.dedup.set(key, seen);
  }
  restoring = false;

  const server = createServer(
    edgeOnly(options.edgeToken, (req, res) => {
      normalizeRequest(req)
        .then((normalized) => requestHandler(normalized, res))
        .then(changed, (err: unknown) => {
          console.error('SQS request failed', err);
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
    }),
  );
  const port = await listen(server, options.port ?? 0, host);
  const setAdvertisedEndpoint = (url: string): void => {
    const parsed = new URL(url);
    service.HOSTNAME = parsed.hostname;
    service.PORT = Number(parsed.port || 80);
  };
  setAdvertisedEndpoint(options.advertisedEndpoint ?? endpointOf(host, port));

  return {
    endpoint: endpointOf(host, port),
    port,
    setAdvertisedEndpoint,
    flush: () => {
      dirty = true;
      return flush();
    },
    async stop() {
      stopped = true;
      await closeServer(server);
      dirty = true;
      await flush();
    },
  };
}
