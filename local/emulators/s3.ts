import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';
import type { S3EventRecord } from 'aws-lambda';
import { closeServer, endpointOf } from './net';
import type { RunningService } from './net';
import { toS3EventRecord } from './s3-event';

export interface S3EmulatorOptions {
  dataDir: string;
  port?: number;
  host?: string;
  region?: string;
}

export type ObjectCreatedListener = (record: S3EventRecord) => void;

export interface S3Emulator extends RunningService {
  /** Subscribes to ObjectCreated:* events; returns an unsubscribe function. */
  onObjectCreated(listener: ObjectCreatedListener): () => void;
}

// s3rver only knows its own dummy key; local clients sign with any key (e.g. test/test).
function acceptAnyAccessKey(): void {
  const { registry, DUMMY_ACCOUNT } = AWSAccount;
  const get = Map.prototype.get;
  registry.get = (key: string) => get.call(registry, key) ?? DUMMY_ACCOUNT;
}

export async function startS3(options: S3EmulatorOptions): Promise<S3Emulator> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const directory = join(options.dataDir, 's3');
  await mkdir(directory, { recursive: true });
  acceptAnyAccessKey();

  const server = new S3rver({
    address: host,
    port: options.port ?? 0,
    directory,
    silent: true,
    allowMismatchedSignatures: true,
    // Path-style addressing only; the edge maps <bucket>.localhost hosts onto paths.
    vhostBuckets: false,
  });
  const listeners = new Set<ObjectCreatedListener>();
  server.on('event', (event) => {
    for (const raw of event.Records) {
      if (!raw.eventName.startsWith('ObjectCreated:')) continue;
      const record = toS3EventRecord(raw, region);
      for (const listener of listeners) {
        try {
          listener(record);
        } catch (err) {
          console.error('S3 object-created listener failed', err);
        }
      }
    }
  });
  const { port } = await server.run();

  return {
    endpoint: endpointOf(host, port),
    port,
    onObjectCreated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      listeners.clear();
      if (server.httpServer) await closeServer(server.httpServer);
    },
  };
}
