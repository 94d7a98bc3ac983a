import { Agent, createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeServer, endpointOf, listen } from '#local/emulators/net';
import type { RunningService } from '#local/emulators/net';
import { proxy, readBody, sendJson } from '#local/emulators/http-util';
import { AwsChunkedDecoder, decodedHeaders, isAwsChunked } from './aws-chunked';
import { isSqsQueryBody, requestInfo, routeOf } from './route';
import type { Backend, RequestInfo } from './route';

export type EdgeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
export type EdgeMatcher = (req: IncomingMessage, info: RequestInfo) => boolean;

export interface EdgeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4566; 0 picks a free port. */
  port?: number;
  /** Base URLs of the HTTP emulators the edge forwards to. */
  backends: { s3: string; dynamodb: string; sqs: string };
  /** Handles AWSStepFunctions.* requests (in process). */
  stepFunctions?: EdgeHandler;
  /** Handles SES v2 requests (in process), e.g. the outbox. */
  ses?: EdgeHandler;
}

export interface Edge extends RunningService {
  /** Handlers registered here are asked first, in order; returns an unregister function. */
  registerHandler(matcher: EdgeMatcher, handler: EdgeHandler): () => void;
  /** Sets or replaces the in-process handler of a service (e.g. Step Functions started later). */
  setServiceHandler(service: 'states' | 'ses', handler: EdgeHandler | undefined): void;
}

export const DEFAULT_EDGE_PORT = 4566;

// <bucket>.localhost: virtual-hosted addressing mapped onto s3rver's path style.
const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.localhost(:\d+)?$/;

/** One endpoint for every emulated service, so AWS_ENDPOINT_URL can name it alone. */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const host = options.host ?? '127.0.0.1';
  const agent = new Agent({ keepAlive: true });
  const backends = {
    s3: new URL(options.backends.s3),
    dynamodb: new URL(options.backends.dynamodb),
    sqs: new URL(options.backends.sqs),
  };
  const inProcess: Partial<Record<'states' | 'ses', EdgeHandler>> = {
    ...(options.stepFunctions ? { states: options.stepFunctions } : {}),
    ...(options.ses ? { ses: options.ses } : {}),
  };
  const registered: { matcher: EdgeMatcher; handler: EdgeHandler }[] = [];

  function toS3(req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
    let headers = req.headers;
    let path = req.url ?? '/';
    const vhost = VIRTUAL_HOST.exec(String(headers.host ?? ''));
    if (vhost) {
      path = `/${vhost[1]}${path}`;
      headers = { ...headers, host: `localhost${vhost[2] ?? ''}` };
    }
    if (!body && isAwsChunked(headers)) {
      proxy(req, res, backends.s3, {
        agent,
        path,
        headers: decodedHeaders(headers),
        body: req.pipe(new AwsChunkedDecoder()),
      });
      return;
    }
    proxy(req, res, backends.s3, { agent, path, headers, ...(body ? { body } : {}) });
  }

  async function forward(
    backend: Backend,
    req: IncomingMessage,
    res: ServerResponse,
    body?: Buffer,
  ): Promise<void> {
    if (backend === 's3') {
      toS3(req, res, body);
      return;
    }
    if (backend === 'dynamodb' || backend === 'sqs') {
      proxy(req, res, backends[backend], { agent, ...(body ? { body } : {}) });
      return;
    }
    const handler = inProcess[backend];
    if (!handler) {
      sendJson(res, 501, { __type: 'NotImplemented', message: `${backend} is not running on this endpoint` });
      return;
    }
    await handler(req, res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const info = requestInfo(url, req.headers);
    const custom = registered.find((r) => r.matcher(req, info));
    if (custom) {
      await custom.handler(req, res);
      return;
    }
    const route = routeOf(req.method ?? 'GET', url, req.headers, info);
    if (typeof route === 'object') {
      sendJson(res, 501, {
        __type: 'NotImplemented',
        message: `service ${route.unsupported} is not emulated`,
      });
      return;
    }
    if (route === 'form') {
      const body = await readBody(req);
      await forward(isSqsQueryBody(body) ? 'sqs' : 's3', req, res, body);
      return;
    }
    await forward(route, req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      console.error('edge request failed', err);
      if (!res.headersSent) sendJson(res, 500, { __type: 'InternalFailure', message: err.message });
      else res.destroy(err);
    });
  });
  const port = await listen(server, options.port ?? DEFAULT_EDGE_PORT, host);

  return {
    endpoint: endpointOf(host, port),
    port,
    registerHandler(matcher, handler) {
      const entry = { matcher, handler };
      registered.push(entry);
      return () => {
        const index = registered.indexOf(entry);
        if (index >= 0) registered.splice(index, 1);
      };
    },
    setServiceHandler(service, handler) {
      if (handler) inProcess[service] = handler;
      else delete inProcess[service];
    },
    async stop() {
      await closeServer(server);
      agent.destroy();
    },
  };
}
