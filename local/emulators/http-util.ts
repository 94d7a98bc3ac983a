import { request } from 'node:http';
import type { Agent, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

export function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Reads a body of at most `limit` bytes, or resolves `undefined` the moment it is known to be
 * larger (by its Content-Length or by counting), having stopped reading: the caller answers and
 * closes the connection, and nothing past the limit is ever held.
 */
export function readCappedBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.pause();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A request whose body was already read, readable again for a handler that reads `req` itself. */
export function replayRequest(
  req: IncomingMessage,
  body: Buffer,
  headers: IncomingHttpHeaders = req.headers,
): IncomingMessage {
  const stream = Readable.from([body]);
  return Object.assign(stream, {
    headers: { ...headers, 'content-length': String(body.length) },
    method: req.method,
    url: req.url,
    socket: req.socket,
  }) as unknown as IncomingMessage;
}

export interface BufferedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One small request to a loopback backend, body fully buffered (JSON APIs only). */
export function send(
  target: URL,
  options: { method: string; path: string; headers: IncomingHttpHeaders; body?: Buffer; agent?: Agent },
): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    if (options.body) headers['content-length'] = String(options.body.length);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method,
        path: options.path,
        headers,
        agent: options.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Streams a request to a backend and its answer back to the client. `body`, when given, replaces
 * the request stream (used when the body was already read, or is transformed on the way).
 */
export function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  options: {
    agent?: Agent;
    body?: Buffer | NodeJS.ReadableStream;
    headers?: IncomingHttpHeaders;
    path?: string;
  } = {},
): void {
  const headers = options.headers ?? req.headers;
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: options.path ?? req.url,
      headers,
      agent: options.agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, withoutCorsGrants(answer.rawHeaders));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    },
  );
  upstream.on('error', (err) => {
    if (res.headersSent) {
      res.destroy(err);
      return;
    }
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`backend unavailable: ${err.message}`);
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  const body = options.body ?? req;
  if (Buffer.isBuffer(body)) upstream.end(body);
  else {
    // A body that fails on the way (a bad chunk, a payload hash mismatch) must not complete upstream.
    if (body !== req) body.on('error', (err: Error) => upstream.destroy(err));
    body.pipe(upstream);
  }
}

/** Local endpoints grant no cross-origin access, whatever an emulator would answer. */
function withoutCorsGrants(rawHeaders: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    if (!/^access-control-/i.test(name)) kept.push(name, rawHeaders[i + 1] ?? '');
  }
  return kept;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  contentType = 'application/x-amz-json-1.0',
): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
