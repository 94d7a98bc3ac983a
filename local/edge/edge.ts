import { Agent, createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EDGE_TOKEN_HEADER } from '../emulators/backend-guard.ts';
import { closeServer, endpointOf, listen } from '../emulators/net.ts';
import type { RunningService } from '../emulators/net.ts';
import { proxy, readCappedBody, replayRequest, sendJson } from '../emulators/http-util.ts';
import { AwsChunkedDecoder, decodedHeaders, isAwsChunked } from './aws-chunked.ts';
import { sendAwsError } from './aws-error.ts';
import type { AwsError, ErrorProtocol } from './aws-error.ts';
import { browserRefusal } from './browser-guard.ts';
import type { LocalCredentials } from './local-credentials.ts';
import { assertLoopbackHost, isOwnHost } from './loopback.ts';
import { PayloadHashCheck } from './payload-check.ts';
import {
  corsRefused,
  errorProtocolOf,
  forbidden,
  invalidS3Path,
  signatureError,
  tooLarge,
} from './refusals.ts';
import { requestInfo, routeOf } from './route.ts';
import type { Backend, RequestInfo } from './route.ts';
import { s3PathRefusal } from './s3-paths.ts';
import { checkScope, signedScopeOf, verifySignature } from './sigv4.ts';

export type EdgeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
export type EdgeMatcher = (req: IncomingMessage, info: RequestInfo) => boolean;

export interface EdgeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4566; 0 picks a free port. */
  port?: number;
  /** Base URLs of the HTTP emulators the edge forwards to. */
  backends: { s3: string; dynamodb: string; sqs: string };
  /** The only credentials whose signatures the edge accepts. */
  credentials: LocalCredentials;
  /** Sent to the emulators behind, which serve nothing without it. */
  edgeToken: string;
  /** Handles AWSStepFunctions.* requests (in process). */
  stepFunctions?: EdgeHandler;
  /** Handles SES v2 requests (in process), e.g. the outbox. */
  ses?: EdgeHandler;
}

/** A request the edge refused, as reported to `onRefusal` listeners (no secrets in it). */
export interface EdgeRefusal {
  method: string;
  host: string;
  origin: string | undefined;
  code: string;
  message: string;
}

export interface Edge extends RunningService {
  /** Calls `listener` for each refused request; returns an unsubscribe function. */
  onRefusal(listener: (refusal: EdgeRefusal) => void): () => void;
  /** Handlers registered here are asked first (after the edge's checks), in order; returns an unregister function. */
  registerHandler(matcher: EdgeMatcher, handler: EdgeHandler): () => void;
  /** Sets or replaces the in-process handler of a service (e.g. Step Functions started later). */
  setServiceHandler(service: 'states' | 'ses', handler: EdgeHandler | undefined): void;
}

export const DEFAULT_EDGE_PORT = 4566;

const MiB = 1024 * 1024;
/**
 * The most each buffered service reads, as AWS caps its requests: DynamoDB 16 MB; SQS a 256 KiB
 * message (or batch) in its JSON or percent-encoded form plus the envelope; the Step Functions API
 * 256 KiB inputs and outputs, JSON-escaped; SES v2 40 MB of raw message, base64-encoded. S3 is
 * streamed, never buffered.
 */
export const BODY_LIMITS: Record<Exclude<Backend, 's3'>, number> = {
  dynamodb: 16 * MiB,
  sqs: 1 * MiB,
  states: 1 * MiB,
  ses: Math.ceil((40 * MiB * 4) / 3) + 1 * MiB,
};

// <bucket>.localhost: virtual-hosted addressing mapped onto s3rver's path style.
const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.localhost(:\d+)?$/;

/** The path-style target of an S3 request (s3rver knows no virtual hosts). */
function pathStyleOf(req: IncomingMessage): { path: string; host: string | undefined } {
  const url = req.url ?? '/';
  const vhost = VIRTUAL_HOST.exec(String(req.headers.host ?? ''));
  if (!vhost) return { path: url, host: req.headers.host };
  return { path: `/${vhost[1]}${url}`, host: `localhost${vhost[2] ?? ''}` };
}

/** A refused request's body up to this size is read and dropped; the connection stays usable. */
const DRAIN_LIMIT = 64 * 1024;

/**
 * Stops reading a refused request's body: a small declared one is drained (closing on a client
 * that is still sending makes browsers and SDKs see a reset instead of the answer), anything
 * larger or of unknown length ends the connection once the answer is out. True when it closes.
 */
function stopReading(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.complete) return false;
  const declared = Number(req.headers['content-length']);
  if (req.headers['content-length'] !== undefined && declared <= DRAIN_LIMIT) {
    req.resume();
    return false;
  }
  req.pause();
  res.on('finish', () => req.socket.destroy());
  return true;
}

/**
 * One endpoint for every emulated service, so AWS_ENDPOINT_URL can name it alone; for this
 * machine's tools only. Each request must name this endpoint in Host (a loopback name and its
 * port: no DNS rebinding), must not come from a web page of another origin, and must carry a
 * SigV4 signature made with the local credentials, recomputed over the request as received.
 * Bodies are read up to each service's limit; S3 bodies are streamed.
 */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const host = options.host ?? '127.0.0.1';
  assertLoopbackHost(host);
  const agent = new Agent({ keepAlive: true });
  const { credentials, edgeToken } = options;
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
  const refusalListeners = new Set<(refusal: EdgeRefusal) => void>();
  let port = 0;

  function toS3(req: IncomingMessage, res: ServerResponse, payloadHash: string | undefined): void {
    const { path, host: pathStyleHost } = pathStyleOf(req);
    const headers = { ...req.headers, host: pathStyleHost, [EDGE_TOKEN_HEADER]: edgeToken };
    const checked = payloadHash ? req.pipe(new PayloadHashCheck(payloadHash)) : undefined;
    if (isAwsChunked(headers)) {
      proxy(req, res, backends.s3, {
        agent,
        path,
        headers: decodedHeaders(headers),
        body: (checked ?? req).pipe(new AwsChunkedDecoder()),
      });
      return;
    }
    proxy(req, res, backends.s3, { agent, path, headers, ...(checked ? { body: checked } : {}) });
  }

  async function forward(backend: Backend, req: IncomingMessage, res: ServerResponse, body: Buffer) {
    if (backend === 'dynamodb' || backend === 'sqs') {
      proxy(req, res, backends[backend], {
        agent,
        body,
        headers: { ...req.headers, [EDGE_TOKEN_HEADER]: edgeToken },
      });
      return;
    }
    const handler = backend === 's3' ? undefined : inProcess[backend];
    if (!handler) {
      sendJson(res, 501, { __type: 'NotImplemented', message: `${backend} is not running on this endpoint` });
      return;
    }
    await handler(replayRequest(req, body), res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const info = requestInfo(url, req.headers);
    let protocol: ErrorProtocol = errorProtocolOf(info.service, req.headers);
    const refuse = (error: AwsError): void => {
      sendAwsError(res, protocol, error, { close: stopReading(req, res) });
      const refusal = {
        method,
        host: String(req.headers.host ?? ''),
        origin: req.headers.origin,
        code: error.code,
        message: error.message,
      };
      for (const listener of refusalListeners) listener(refusal);
    };

    if (method === 'OPTIONS') return refuse(corsRefused());
    if (!isOwnHost(req.headers.host, port)) {
      return refuse(
        forbidden(
          protocol,
          `Host "${String(req.headers.host ?? '')}" is not this endpoint: only loopback names with port ${port} are served (a DNS-rebinding page?)`,
        ),
      );
    }
    const fromPage = browserRefusal(req.headers, port);
    if (fromPage) return refuse(forbidden(protocol, fromPage));

    const scope = signedScopeOf({ method, url, headers: req.headers });
    if ('problem' in scope) return refuse(signatureError(scope, protocol));
    protocol = errorProtocolOf(scope.service, req.headers);
    const scopeProblem = checkScope(scope, credentials, new Date());
    if (scopeProblem) return refuse(signatureError(scopeProblem, protocol));

    const route = routeOf(method, url, req.headers, info);
    if (typeof route === 'object') {
      stopReading(req, res);
      sendJson(res, 501, {
        __type: 'NotImplemented',
        message: `service ${route.unsupported} is not emulated`,
      });
      return;
    }

    if (route === 's3') {
      const pathProblem = s3PathRefusal(pathStyleOf(req).path.split('?')[0] ?? '/', url, req.headers);
      if (pathProblem) return refuse(invalidS3Path(pathProblem));
      const bad = await verifySignature({ method, url, headers: req.headers }, scope, credentials);
      if (bad) return refuse(signatureError(bad, protocol));
      const custom = registered.find((r) => r.matcher(req, info));
      if (custom) return custom.handler(req, res);
      const claimed = scope.expiresSeconds === undefined ? String(req.headers['x-amz-content-sha256']) : '';
      toS3(req, res, /^[0-9a-f]{64}$/.test(claimed) ? claimed : undefined);
      return;
    }

    const limit = BODY_LIMITS[route];
    const body = await readCappedBody(req, limit);
    if (!body) return refuse(tooLarge(protocol, route, limit));
    const bad = await verifySignature({ method, url, headers: req.headers }, scope, credentials, body);
    if (bad) return refuse(signatureError(bad, protocol));
    const custom = registered.find((r) => r.matcher(req, info));
    if (custom) return custom.handler(replayRequest(req, body), res);
    await forward(route, req, res, body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (req.destroyed) {
        res.destroy(); // the client went away mid-request: nobody to answer
        return;
      }
      console.error('edge request failed', err);
      if (!res.headersSent) sendJson(res, 500, { __type: 'InternalFailure', message: err.message });
      else res.destroy(err);
    });
  });
  port = await listen(server, options.port ?? DEFAULT_EDGE_PORT, host);

  return {
    endpoint: endpointOf(host, port),
    port,
    onRefusal(listener) {
      refusalListeners.add(listener);
      return () => refusalListeners.delete(listener);
    },
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
