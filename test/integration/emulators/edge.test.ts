import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulators } from '#local/emulators/index.ts';
import { routeOf } from '#local/edge/route.ts';
import { signedRequest } from '../../helpers/signed-http.ts';
import { clientConfig, removeDir, start, tempDataDir } from './harness.ts';

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
    const sfn = new SFNClient(clientConfig(emulators));
    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines?.[0]?.name).toBe('AWSStepFunctions.ListStateMachines');
    sfn.destroy();
  });

  it('lets registered handlers take signed requests first', async () => {
    const unregister = emulators.edge.registerHandler(
      (req) => req.url === '/custom',
      (_req, res) => {
        res.writeHead(204);
        res.end();
      },
    );
    const { credentials, endpoint } = emulators;
    const answer = await signedRequest({
      endpoint,
      credentials,
      service: 'states',
      method: 'GET',
      path: '/custom',
    });
    expect(answer.status).toBe(204);
    unregister();
  });

  it('maps <bucket>.localhost (virtual-hosted style) onto path style', async () => {
    const { credentials, endpoint } = emulators;
    const { port } = new URL(endpoint);
    const s3 = (method: string, host: string, path: string, body?: string) =>
      signedRequest({ endpoint, credentials, service: 's3', method, host, path, ...(body ? { body } : {}) });
    expect((await s3('PUT', `127.0.0.1:${port}`, '/vhost-bucket')).status).toBe(200);
    expect((await s3('PUT', `vhost-bucket.localhost:${port}`, '/hello.txt', 'hi')).status).toBe(200);
    const read = await s3('GET', `127.0.0.1:${port}`, '/vhost-bucket/hello.txt');
    expect({ status: read.status, text: read.text }).toEqual({ status: 200, text: 'hi' });
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
    expect(routeOf('GET', '/bucket', {})).toBe('s3');
    expect(routeOf('POST', '/', signed('lambda'))).toEqual({ unsupported: 'lambda' });
  });
});
