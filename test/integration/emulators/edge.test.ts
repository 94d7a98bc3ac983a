import { request } from 'node:http';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulators } from '#local/emulators/index';
import { routeOf } from '#local/edge/route';
import { clientConfig, removeDir, start, tempDataDir } from './harness';

let dataDir: string;
let emulators: Emulators;

beforeAll(async () => {
  dataDir = await tempDataDir();
  emulators = await start(dataDir, {
    stepFunctions: (req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({
          stateMachines: [
            {
              name: String(req.headers['x-amz-target']),
              stateMachineArn: 'arn:x',
              type: 'STANDARD',
              creationDate: 0,
            },
          ],
        }),
      );
    },
  });
});

afterAll(async () => {
  await emulators?.stop();
  await removeDir(dataDir);
});

describe('edge routing', () => {
  it('hands Step Functions requests to the pluggable handler', async () => {
    const sfn = new SFNClient(clientConfig(emulators.endpoint));
    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines?.[0]?.name).toBe('AWSStepFunctions.ListStateMachines');
    sfn.destroy();
  });

  it('lets registered handlers take requests first', async () => {
    const unregister = emulators.edge.registerHandler(
      (req) => req.url === '/custom',
      (_req, res) => {
        res.writeHead(204);
        res.end();
      },
    );
    expect((await fetch(`${emulators.endpoint}/custom`)).status).toBe(204);
    unregister();
  });

  it('maps <bucket>.localhost (virtual-hosted style) onto path style', async () => {
    const { port } = new URL(emulators.endpoint);
    const call = (
      method: string,
      host: string,
      path: string,
      body?: string,
    ): Promise<{ status: number; text: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers: { host } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    expect((await call('PUT', `127.0.0.1:${port}`, '/vhost-bucket')).status).toBe(200);
    expect((await call('PUT', `vhost-bucket.localhost:${port}`, '/hello.txt', 'hi')).status).toBe(200);
    expect(await call('GET', `127.0.0.1:${port}`, '/vhost-bucket/hello.txt')).toEqual({
      status: 200,
      text: 'hi',
    });
  });

  it('routes by credential scope first, then by protocol marks', () => {
    const signed = (service: string): Record<string, string> => ({
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`,
    });
    expect(routeOf('POST', '/', signed('sqs'))).toBe('sqs');
    expect(routeOf('POST', '/', signed('dynamodb'))).toBe('dynamodb');
    expect(routeOf('POST', '/', signed('states'))).toBe('states');
    expect(routeOf('POST', '/v2/email/outbound-emails', signed('ses'))).toBe('ses');
    expect(routeOf('PUT', '/bucket/key', signed('s3'))).toBe('s3');
    expect(
      routeOf('GET', '/bucket/key?X-Amz-Credential=test%2F20250101%2Fus-east-1%2Fs3%2Faws4_request', {}),
    ).toBe('s3');
    expect(routeOf('POST', '/', { 'x-amz-target': 'AmazonSQS.SendMessage' })).toBe('sqs');
    expect(routeOf('POST', '/', { 'x-amz-target': 'DynamoDB_20120810.PutItem' })).toBe('dynamodb');
    expect(routeOf('POST', '/', { 'content-type': 'application/x-www-form-urlencoded' })).toBe('form');
    expect(routeOf('GET', '/bucket', {})).toBe('s3');
    expect(routeOf('POST', '/', signed('lambda'))).toEqual({ unsupported: 'lambda' });
  });
});
