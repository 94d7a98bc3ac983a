import { readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedRequest } from '../helpers/signed-http.ts';
import { BUCKET, startEdgeFixture, type EdgeFixture } from './edge-fixture.ts';

let edge: EdgeFixture;

beforeAll(async () => {
  edge = await startEdgeFixture();
});
afterAll(async () => edge?.stop());

/** Every file under a folder, relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Files in the folder that holds the data folder, but not in the data folder itself. */
const filesBesideData = async (): Promise<string[]> =>
  (await filesUnder(dirname(edge.dataDir))).filter((file) => !file.startsWith('data/'));

const put = (path: string, headers: Record<string, string> = {}) =>
  signedRequest({
    endpoint: edge.emulators.endpoint,
    credentials: edge.emulators.credentials,
    service: 's3',
    method: 'PUT',
    path,
    headers,
    body: 'planted',
  });

describe('S3 keys never leave the S3 folder', () => {
  it('refuses traversal in keys however it is encoded, with an S3 error, and writes nothing', async () => {
    // Keys three levels up from the bucket folder land beside the data folder.
    const s3Before = await filesUnder(join(edge.dataDir, 's3'));
    expect(await filesBesideData()).toEqual([]);
    const attempts = [
      `/${BUCKET}/..%2F..%2F..%2Fescaped`,
      `/${BUCKET}/%2E%2E/%2E%2E/%2E%2E/escaped`,
      `/${BUCKET}/emails/..%252F..%252F..%252F..%252Fescaped`,
      `/${BUCKET}/emails/%252E%252E%252F%252E%252E%252Fescaped`,
      `/${BUCKET}/a/./b`,
      `/${BUCKET}/..%5C..%5Cescaped`,
      `/${BUCKET}/nul%00.eml`,
      `/..%2F..%2Fescaped/key`,
      `/%2E%2E/escaped`,
    ];
    for (const path of attempts) {
      const answer = await put(path);
      expect(answer.status, path).toBe(400);
      expect(answer.text, path).toContain('<Code>InvalidArgument</Code>');
    }
    const copy = await put(`/${BUCKET}/copied`, {
      'x-amz-copy-source': `/${BUCKET}/..%2F..%2F..%2Fcredentials.json`,
    });
    expect(copy.status).toBe(400);
    expect(copy.text).toContain('copy source');
    expect(await filesBesideData()).toEqual([]);
    expect(await filesUnder(join(edge.dataDir, 's3'))).toEqual(s3Before);
  });

  it('keeps absolute-looking keys inside the bucket folder', async () => {
    const answer = await put(`/${BUCKET}/%2Fetc%2Fintake-absolute`);
    expect(answer.status).toBe(200);
    const files = await filesUnder(join(edge.dataDir, 's3'));
    expect(files.some((file) => file.startsWith(join(BUCKET, 'etc')))).toBe(true);
  });

  it('refuses keys in a multi-object delete body that would lead outside (out of the edge’s sight)', async () => {
    await edge.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept.txt', Body: 'kept' }));
    const inData = await filesUnder(edge.dataDir);
    await edge.s3
      .send(
        new DeleteObjectsCommand({
          Bucket: BUCKET,
          Delete: { Objects: [{ Key: '../../credentials.json' }, { Key: '../guarded-bucket/kept.txt' }] },
        }),
      )
      .catch((error: unknown) => error);
    const after = await filesUnder(edge.dataDir);
    expect(after).toContain('credentials.json');
    expect(after.filter((file) => file.startsWith('s3/'))).toEqual(
      inData.filter((file) => file.startsWith('s3/')),
    );
  });
});
