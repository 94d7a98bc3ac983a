// Minimal typings for the parts of s3rver (v3) that the local runtime uses.
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';
  import type { RequestListener, Server } from 'node:http';

  /** The filesystem store: every object and bucket path is derived by these two. */
  export interface S3rverStore {
    rootDirectory: string;
    getBucketPath(bucket: string): string;
    getResourcePath(bucket: string, key?: string, resource?: string): string;
  }

  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** The record shape s3rver emits (close to, but not exactly, an AWS S3 event record). */
  export interface S3rverEventRecord {
    eventVersion: string;
    eventSource: string;
    awsRegion: string;
    eventTime: string;
    eventName: string;
    userIdentity: { principalId: string };
    requestParameters: { sourceIPAddress: string };
    responseElements: Record<string, string>;
    s3: {
      s3SchemaVersion: string;
      configurationId: string;
      bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
      object: { key: string; size?: number; eTag?: string; sequencer: string };
    };
  }

  class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    httpServer?: Server;
    /** The Koa request listener, for a server of one's own. */
    callback(): RequestListener;
    /** Koa's middleware stack, in order; the first is s3rver's request logger. */
    middleware: ((...args: never[]) => unknown)[];
    store: S3rverStore;
    on(event: 'event', listener: (event: { Records: S3rverEventRecord[] }) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export = S3rver;
}

declare module 's3rver/lib/models/account.js' {
  interface AwsAccount {
    id: number;
    displayName: string;
  }
  const AWSAccount: {
    registry: Map<string, AwsAccount>;
    DUMMY_ACCOUNT: AwsAccount;
  };
  export = AWSAccount;
}

declare module 's3rver/lib/models/error.js' {
  class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, string>);
  }
  export = S3Error;
}
