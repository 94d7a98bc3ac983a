import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { dispatchAction } from './api.ts';
import { SfnApiError } from './errors.ts';
import type { StepFunctionsService } from './service.ts';

const TARGET_PREFIX = 'AWSStepFunctions.';
const ERROR_NAMESPACE = 'com.amazonaws.swf.service.v2.model#';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves the Step Functions JSON protocol (awsJson1_0, `X-Amz-Target: AWSStepFunctions.<Action>`). */
export function createStepFunctionsHandler(service: StepFunctionsService): RequestHandler {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const requestId = randomUUID();
      const fail = (error: unknown): void => {
        const apiError =
          error instanceof SfnApiError
            ? error
            : new SfnApiError('InternalFailure', (error as Error).message, 500);
        res.setHeader('x-amzn-errortype', apiError.code);
        send(res, apiError.statusCode, requestId, {
          __type: `${ERROR_NAMESPACE}${apiError.code}`,
          message: apiError.message,
        });
      };
      try {
        const target = headerValue(req, 'x-amz-target');
        if (!target?.startsWith(TARGET_PREFIX)) {
          throw new SfnApiError(
            'UnknownOperationException',
            `Missing or unknown X-Amz-Target '${target ?? ''}'`,
          );
        }
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = {};
        if (text.trim() !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            throw new SfnApiError('SerializationException', 'Request body is not JSON');
          }
        }
        void Promise.resolve(dispatchAction(service, target.slice(TARGET_PREFIX.length), body)).then(
          (result) => send(res, 200, requestId, result),
          fail,
        );
      } catch (error) {
        fail(error);
      }
    });
  };
}

function send(res: ServerResponse, status: number, requestId: string, body: object): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': requestId,
  });
  res.end(payload);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface StepFunctionsServer {
  server: Server;
  port: number;
  /** `http://<host>:<port>`, for an SDK client's `endpoint`. */
  url: string;
  close(): Promise<void>;
}

/** A standalone HTTP server for the Step Functions API (the edge server mounts the handler instead). */
export async function startStepFunctionsServer(options: {
  service: StepFunctionsService;
  port?: number;
  host?: string;
}): Promise<StepFunctionsServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer(createStepFunctionsHandler(options.service));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
