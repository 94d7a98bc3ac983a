import { request } from 'node:http';
import type { Agent, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

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
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
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
  else body.pipe(upstream);
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
