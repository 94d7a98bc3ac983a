import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import S3rver from 's3rver';
import type { S3rverStore } from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';
import S3Error from 's3rver/lib/models/error.js';
import type { S3EventRecord } from 'aws-lambda';
import { edgeOnly } from './backend-guard.ts';
import { unsafeKeyReason } from './s3-keys.ts';
import { closeServer, endpointOf, listen } from './net.ts';
import type { RunningService } from './net.ts';
import { toS3EventRecord } from './s3-event.ts';

export interface S3EmulatorOptions {
  dataDir: string;
  port?: number;
  host?: string;
  region?: string;
  /** Requests must carry this edge token (see backend-guard). */
  edgeToken: string;
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

/**
 * Removes s3rver's request logger (koa-logger), which runs even when silent: it colours and times each
 * request and wraps streamed bodies in a byte counter, for lines nobody prints.
 */
function dropSilentRequestLogger(server: S3rver): void {
  const index = server.middleware.findIndex((middleware) => middleware.name === 'logger');
  if (index < 0) throw new Error("s3rver's request logger was not found: check the s3rver version");
  server.middleware.splice(index, 1);
}

/**
 * Every path s3rver derives stays in its folder, whatever a key holds (a multi-object delete
 * names keys in its XML body, out of the edge's sight): a bucket's folder directly under the S3
 * folder, an object's files under its bucket's folder. A path that would leave is an error.
 */
function confineStore(store: S3rverStore): void {
  const within = (root: string, path: string, what: string): string => {
    const rel = relative(root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new S3Error('InvalidArgument', `the ${what} leads outside its folder`);
    }
    return path;
  };
  const bucketPath = store.getBucketPath.bind(store);
  const resourcePath = store.getResourcePath.bind(store);
  store.getBucketPath = (bucket) => {
    const path = within(store.rootDirectory, bucketPath(bucket), 'bucket name');
    if (dirname(path) !== resolve(store.rootDirectory))
      throw new S3Error('InvalidBucketName', 'not a bucket name');
    return path;
  };
  store.getResourcePath = (bucket, key, resource) => {
    // A key with `..` could also alias another key of the same bucket (`../b/k` is `k` in b).
    const unsafe = key === undefined ? undefined : unsafeKeyReason(key);
    if (unsafe) throw new S3Error('InvalidArgument', `the object key ${unsafe}`);
    return within(store.getBucketPath(bucket), resourcePath(bucket, key, resource), 'object key');
  };
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
  dropSilentRequestLogger(server);
  confineStore(server.store);
  const httpServer = createServer(edgeOnly(options.edgeToken, server.callback()));
  const port = await listen(httpServer, options.port ?? 0, host);

  return {
    endpoint: endpointOf(host, port),
    port,
    onObjectCreated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      listeners.clear();
      await closeServer(httpServer);
    },
  };
}
