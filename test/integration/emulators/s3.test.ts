import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3EventRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulators } from '#local/emulators/index.ts';
import { encodeS3EventKey } from '#local/emulators/s3-event.ts';
import { clientConfig, removeDir, start, tempDataDir } from './harness.ts';

let dataDir: string;
let emulators: Emulators;
let s3: S3Client;
const Bucket = 'intake-emails';

beforeAll(async () => {
  dataDir = await tempDataDir();
  emulators = await start(dataDir);
  s3 = new S3Client({ ...clientConfig(emulators), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await emulators?.stop();
  await removeDir(dataDir);
});

describe('S3 through the edge', () => {
  it('puts, gets and lists objects (path style)', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'emails/one.eml',
        Body: 'Subject: one\r\n\r\nbody',
        ContentType: 'message/rfc822',
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'other/two.txt', Body: 'two' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'emails/one.eml' }));
    expect(await got.Body?.transformToString()).toBe('Subject: one\r\n\r\nbody');
    expect(got.ContentType).toBe('message/rfc822');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'emails/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['emails/one.eml']);
  });

  it('streams a large upload sent with aws-chunked encoding intact', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 'x');
    data.write('start', 0);
    data.write('end', data.length - 3);
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'big.bin',
        Body: Readable.from([data.subarray(0, 1_000_000), data.subarray(1_000_000)]),
        ContentLength: data.length,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'big.bin' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(bytes.length).toBe(data.length);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(data).digest('hex'),
    );
  });

  it('emits an AWS-shaped ObjectCreated record with the key URL-encoded', async () => {
    const records: S3EventRecord[] = [];
    const unsubscribe = emulators.onObjectCreated((record) => records.push(record));
    const key = 'emails/Re: spec (v2) ünï+café.eml';
    await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'x' }));
    unsubscribe();
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record?.eventSource).toBe('aws:s3');
    expect(record?.eventName).toBe('ObjectCreated:Put');
    expect(record?.s3.bucket).toMatchObject({ name: Bucket, arn: `arn:aws:s3:::${Bucket}` });
    expect(record?.s3.object.key).toBe('emails/Re%3A+spec+%28v2%29+%C3%BCn%C3%AF%2Bcaf%C3%A9.eml');
    expect(decodeURIComponent(record?.s3.object.key.replace(/\+/g, ' ') ?? '')).toBe(key);
    expect(record?.s3.object.size).toBe(1);
  });

  it('encodes keys as S3 event notifications do', () => {
    expect(encodeS3EventKey('a b/c*d~e')).toBe('a+b/c*d%7Ee');
  });
});
