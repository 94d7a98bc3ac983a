import { mkdir } from 'node:fs/promises';
import type { S3EventRecord } from 'aws-lambda';
import { assertLoopbackHost, DEFAULT_EDGE_PORT, loadLocalCredentials, startEdge } from '../edge/index.ts';
import type { Edge, EdgeHandler, LocalCredentials } from '../edge/index.ts';
import { createSesOutboxHandler } from '../outbox/ses-handler.ts';
import type { OutboxEntry } from '../outbox/outbox.ts';
import type { LocalReceiving } from '../outbox/ses-handler.ts';
import type { SmtpRelayConfig } from '../outbox/relay.ts';
import { newEdgeToken } from './backend-guard.ts';
import { startDynamoDb } from './dynamodb.ts';
import type { RunningService } from './net.ts';
import { startS3 } from './s3.ts';
import type { ObjectCreatedListener } from './s3.ts';
import { startSqs } from './sqs.ts';

export interface EmulatorsOptions {
  /** Everything is kept under this folder: s3/, dynamodb/, sqs/, outbox/, credentials.json. */
  dataDir: string;
  /** Default 4566; 0 picks a free port. */
  edgePort?: number;
  /** Default 127.0.0.1; a loopback address or name only. */
  host?: string;
  region?: string;
  /** The key pair the edge accepts; default: the data folder's own (credentials.json). */
  credentials?: LocalCredentials;
  /** Ports of the individual emulators; default 0 (free ports). */
  ports?: { s3?: number; dynamodb?: number; sqs?: number };
  stepFunctions?: EdgeHandler;
  outbox?: {
    relay?: SmtpRelayConfig;
    onMessage?: (entry: OutboxEntry) => void;
    receiving?: () => LocalReceiving | undefined;
  };
}

export interface Emulators {
  /** The one endpoint for every service (AWS_ENDPOINT_URL). */
  endpoint: string;
  endpoints: { edge: string; s3: string; dynamodb: string; sqs: string };
  edge: Edge;
  /** The key pair the edge accepts (this data folder's credentials.json). */
  credentials: LocalCredentials;
  dataDir: string;
  onObjectCreated(listener: ObjectCreatedListener): () => void;
  stop(): Promise<void>;
}

export type { S3EventRecord };

export async function startEmulators(options: EmulatorsOptions): Promise<Emulators> {
  const host = options.host ?? '127.0.0.1';
  assertLoopbackHost(host);
  const { dataDir } = options;
  await mkdir(dataDir, { recursive: true });
  const credentials = options.credentials ?? (await loadLocalCredentials(dataDir));
  // Only the edge knows this: the emulators behind it serve nothing to anyone else.
  const edgeToken = newEdgeToken();
  const started: RunningService[] = [];
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled(started.reverse().map((s) => s.stop()));
    started.length = 0;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    const s3 = await startS3({
      dataDir,
      host,
      port: options.ports?.s3 ?? 0,
      region: options.region ?? 'us-east-1',
      edgeToken,
    });
    started.push(s3);
    const dynamodb = await startDynamoDb({
      dataDir,
      host,
      port: options.ports?.dynamodb ?? 0,
      edgeToken,
    });
    started.push(dynamodb);
    const sqs = await startSqs({
      dataDir,
      host,
      port: options.ports?.sqs ?? 0,
      region: options.region ?? 'us-east-1',
      edgeToken,
    });
    started.push(sqs);
    const edge = await startEdge({
      host,
      port: options.edgePort ?? DEFAULT_EDGE_PORT,
      backends: { s3: s3.endpoint, dynamodb: dynamodb.endpoint, sqs: sqs.endpoint },
      credentials,
      edgeToken,
      ses: createSesOutboxHandler({ dataDir, ...options.outbox }),
      ...(options.stepFunctions ? { stepFunctions: options.stepFunctions } : {}),
    });
    started.push(edge);
    // Queue URLs name the edge, so SDK clients that follow QueueUrl stay on the edge.
    sqs.setAdvertisedEndpoint(edge.endpoint);
    return {
      endpoint: edge.endpoint,
      endpoints: { edge: edge.endpoint, s3: s3.endpoint, dynamodb: dynamodb.endpoint, sqs: sqs.endpoint },
      edge,
      credentials,
      dataDir,
      onObjectCreated: (listener) => s3.onObjectCreated(listener),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
