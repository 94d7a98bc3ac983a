import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalCredentials } from '#local/edge/local-credentials.ts';
import { NodeSha256 } from '#local/edge/sigv4.ts';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  /** The edge, e.g. http://127.0.0.1:4566: the connection always goes there. */
  endpoint: string;
  method: string;
  /** Path and query exactly as sent on the wire. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The Host header (default: the endpoint's host). */
  host?: string;
}

/** One HTTP request to a loopback endpoint, as given: no signing, any Host header. */
export function rawRequest(options: RawRequest): Promise<RawResponse> {
  const target = new URL(options.endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method,
        path: options.path,
        headers: { host: options.host ?? target.host, ...options.headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export type SigningOptions = RawRequest & {
  credentials: LocalCredentials;
  service: string;
  region?: string;
  /** Sign as of this time (default now). */
  signingDate?: Date;
};

/**
 * The headers an SDK would send for this request, SigV4-signed for `service` (S3 requests carry
 * X-Amz-Content-Sha256). The signature covers the Host header that is sent.
 */
export async function signHeaders(options: SigningOptions): Promise<Record<string, string>> {
  const target = new URL(options.endpoint);
  const host = options.host ?? target.host;
  const [path = '/', query = ''] = options.path.split('?');
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { host, ...options.headers };
  if (options.service === 's3') {
    headers['x-amz-content-sha256'] = createHash('sha256')
      .update(body ?? '')
      .digest('hex');
  }
  const signed = await signerFor(options).sign(
    {
      method: options.method,
      protocol: 'http:',
      hostname: target.hostname,
      path,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers,
      ...(body ? { body } : {}),
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) sent[name] = String(value);
  return sent;
}

/** The request sent with the headers `signHeaders` makes. */
export async function signedRequest(options: SigningOptions): Promise<RawResponse> {
  return rawRequest({ ...options, headers: await signHeaders(options) });
}

/** A presigned URL path (path and query) for a request, as SDK presigners and `aws s3 presign` make. */
export async function presignPath(options: SigningOptions & { expiresIn: number }): Promise<string> {
  const target = new URL(options.endpoint);
  const [path = '/', query = ''] = options.path.split('?');
  const presigned = await signerFor(options).presign(
    {
      method: options.method,
      protocol: 'http:',
      hostname: target.hostname,
      path,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers: { host: options.host ?? target.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    {
      expiresIn: options.expiresIn,
      unsignableHeaders: new Set(['x-amz-content-sha256']),
      unhoistableHeaders: new Set(['x-amz-content-sha256']),
      ...(options.signingDate ? { signingDate: options.signingDate } : {}),
    },
  );
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(presigned.query ?? {})) search.append(key, String(value));
  return `${path}?${search.toString().replace(/\+/g, '%20')}`;
}

function signerFor(options: SigningOptions): SignatureV4 {
  return new SignatureV4({
    credentials: options.credentials,
    region: options.region ?? 'us-east-1',
    service: options.service,
    sha256: NodeSha256,
    uriEscapePath: options.service !== 's3',
    applyChecksum: false,
  });
}
