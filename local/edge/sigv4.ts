import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, HttpRequest, QueryParameterBag, SourceData } from '@smithy/types';
import type { LocalCredentials } from './local-credentials.ts';

/** What is wrong with a request's signature; each maps to the error AWS gives for it. */
export type SignatureProblem =
  'missing' | 'malformed' | 'unknown-key' | 'mismatch' | 'skewed' | 'expired' | 'payload-mismatch';

export interface SignatureRefusal {
  problem: SignatureProblem;
  message: string;
}

/** The parts of a SigV4 signature a request carries, in its Authorization header or its query. */
export interface SignedScope {
  accessKeyId: string;
  date: Date;
  longDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** Set for presigned URLs: seconds the URL is valid from `date`. */
  expiresSeconds?: number;
}

export interface RequestToVerify {
  method: string;
  /** The request target as received, path and query still encoded. */
  url: string;
  headers: IncomingHttpHeaders;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const HEADER_AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const CREDENTIAL = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;
const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const QUERY_AUTH_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
];

/** node:crypto behind the hash interface the smithy signer asks for. */
export class NodeSha256 implements Checksum {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
  reset(): void {
    throw new Error('not supported');
  }
}

function toBytes(data: SourceData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function parseLongDate(text: string | undefined): Date | undefined {
  const m = LONG_DATE.exec(text ?? '');
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Query parameters decoded, in order; '+' stays '+' as SigV4 canonicalisation expects. */
export function parseQuery(url: string): [string, string][] | undefined {
  const index = url.indexOf('?');
  if (index < 0) return [];
  try {
    return url
      .slice(index + 1)
      .split('&')
      .filter((pair) => pair !== '')
      .map((pair) => {
        const eq = pair.indexOf('=');
        const key = eq < 0 ? pair : pair.slice(0, eq);
        const value = eq < 0 ? '' : pair.slice(eq + 1);
        return [decodeURIComponent(key), decodeURIComponent(value)];
      });
  } catch {
    return undefined;
  }
}

const headerText = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/**
 * Reads the signature a request claims (header or presigned query), or says why there is none
 * usable. This looks only at the claim; `verifySignature` recomputes it.
 */
export function signedScopeOf(request: RequestToVerify): SignedScope | SignatureRefusal {
  const authorization = headerText(request.headers, 'authorization');
  if (authorization !== undefined) {
    const m = HEADER_AUTH.exec(authorization.trim());
    if (!m) {
      return {
        problem: 'malformed',
        message:
          'the Authorization header is not an AWS4-HMAC-SHA256 signature (Credential, SignedHeaders, Signature)',
      };
    }
    const longDate = headerText(request.headers, 'x-amz-date');
    const date = parseLongDate(longDate);
    if (!date || !longDate?.startsWith(m[2]!)) {
      return {
        problem: 'malformed',
        message: 'X-Amz-Date is missing or does not match the credential scope date',
      };
    }
    return {
      accessKeyId: m[1]!,
      date,
      longDate: longDate,
      region: m[3]!,
      service: m[4]!,
      signedHeaders: m[5]!.split(';'),
      signature: m[6]!,
    };
  }
  const query = parseQuery(request.url);
  const param = (name: string): string | undefined => query?.find(([key]) => key === name)?.[1];
  if (param('X-Amz-Signature') === undefined) {
    return { problem: 'missing', message: 'the request is not signed; sign it with the local credentials' };
  }
  const credential = CREDENTIAL.exec(param('X-Amz-Credential') ?? '');
  const longDate = param('X-Amz-Date');
  const date = parseLongDate(longDate);
  const expires = Number(param('X-Amz-Expires'));
  const signature = param('X-Amz-Signature') ?? '';
  if (
    param('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    !credential ||
    !date ||
    !longDate?.startsWith(credential[2]!) ||
    !Number.isInteger(expires) ||
    expires < 1 ||
    expires > MAX_PRESIGNED_SECONDS ||
    !/^[0-9a-f]{64}$/.test(signature) ||
    !/^[a-z0-9;-]+$/.test(param('X-Amz-SignedHeaders') ?? '')
  ) {
    return {
      problem: 'malformed',
      message:
        'the presigned URL needs X-Amz-Algorithm=AWS4-HMAC-SHA256, X-Amz-Credential, X-Amz-Date, X-Amz-Expires (1 to 604800), X-Amz-SignedHeaders and X-Amz-Signature',
    };
  }
  return {
    accessKeyId: credential[1]!,
    date,
    longDate,
    region: credential[3]!,
    service: credential[4]!,
    signedHeaders: (param('X-Amz-SignedHeaders') ?? '').split(';'),
    signature,
    expiresSeconds: expires,
  };
}

/** Checks the claim against the local key and the clock, before any body is read. */
export function checkScope(
  scope: SignedScope,
  credentials: LocalCredentials,
  now: Date,
): SignatureRefusal | undefined {
  if (scope.accessKeyId !== credentials.accessKeyId) {
    return {
      problem: 'unknown-key',
      message: `the access key ${scope.accessKeyId} is not this runtime's; use the credentials it printed (or its data folder's credentials.json)`,
    };
  }
  if (!scope.signedHeaders.includes('host')) {
    return { problem: 'malformed', message: 'the signature must cover the Host header' };
  }
  const age = now.getTime() - scope.date.getTime();
  if (scope.expiresSeconds !== undefined) {
    if (age < -MAX_SKEW_MS) return { problem: 'skewed', message: 'the presigned URL is dated in the future' };
    if (age > scope.expiresSeconds * 1000)
      return { problem: 'expired', message: 'the presigned URL has expired' };
  } else if (Math.abs(age) > MAX_SKEW_MS) {
    return {
      problem: 'skewed',
      message: `the request time ${scope.longDate} is more than 15 minutes from the endpoint's clock`,
    };
  }
  return undefined;
}

/**
 * Recomputes the signature over the request as received, with the local secret, using the SDK's
 * own signer, and compares it in constant time. `body` is the payload when the caller holds it;
 * without it the signed X-Amz-Content-Sha256 header names the payload (S3, streamed).
 */
export async function verifySignature(
  request: RequestToVerify,
  scope: SignedScope,
  credentials: LocalCredentials,
  body?: Buffer,
): Promise<SignatureRefusal | undefined> {
  const query = parseQuery(request.url);
  if (!query) return { problem: 'malformed', message: 'the query string is not valid percent-encoding' };
  const path = request.url.split('?')[0] || '/';
  const headers: Record<string, string> = {};
  for (const name of scope.signedHeaders) {
    const value = headerText(request.headers, name);
    if (value === undefined) return { problem: 'mismatch', message: `the signed header ${name} is missing` };
    headers[name] = value;
  }
  const claimedPayload = headers['x-amz-content-sha256'];
  const isS3 = scope.service === 's3';
  if (isS3 && scope.expiresSeconds === undefined && claimedPayload === undefined) {
    return { problem: 'malformed', message: 'S3 requests must sign the X-Amz-Content-Sha256 header' };
  }
  if (body !== undefined && claimedPayload !== undefined && /^[0-9a-f]{64}$/.test(claimedPayload)) {
    if (createHash('sha256').update(body).digest('hex') !== claimedPayload) {
      return { problem: 'payload-mismatch', message: 'the body does not match X-Amz-Content-Sha256' };
    }
  }
  const signer = new SignatureV4({
    credentials,
    region: scope.region,
    service: scope.service,
    sha256: NodeSha256,
    uriEscapePath: !isS3,
    applyChecksum: false,
  });
  const bag: QueryParameterBag = {};
  for (const [key, value] of query) {
    if (scope.expiresSeconds !== undefined && QUERY_AUTH_PARAMS.includes(key)) continue;
    const previous = bag[key];
    bag[key] = previous === undefined || previous === null ? value : [...[previous].flat(), value];
  }
  const toSign: HttpRequest = {
    method: request.method,
    protocol: 'http:',
    hostname: '',
    path,
    query: bag,
    headers,
    ...(body !== undefined ? { body } : {}),
  };
  const signedHeaders = new Set(scope.signedHeaders);
  let expected: string | undefined;
  if (scope.expiresSeconds === undefined) {
    const signed = await signer.sign(toSign, {
      signingDate: scope.date,
      signingRegion: scope.region,
      signingService: scope.service,
      signableHeaders: signedHeaders,
    });
    expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1];
  } else {
    // Presigned: the payload is UNSIGNED-PAYLOAD for S3 unless the URL names one, empty otherwise.
    const payload = bag['X-Amz-Content-Sha256'] ?? (isS3 ? 'UNSIGNED-PAYLOAD' : EMPTY_SHA256);
    const withPayload = {
      ...toSign,
      headers: { ...headers, 'x-amz-content-sha256': String(claimedPayload ?? payload) },
    };
    const notSigned = signedHeaders.has('x-amz-content-sha256') ? [] : ['x-amz-content-sha256'];
    const presigned = await signer.presign(withPayload, {
      signingDate: scope.date,
      expiresIn: scope.expiresSeconds,
      signingRegion: scope.region,
      signingService: scope.service,
      signableHeaders: signedHeaders,
      unsignableHeaders: new Set(notSigned),
      unhoistableHeaders: new Set([...signedHeaders, 'x-amz-content-sha256']),
    });
    expected = String(presigned.query?.['X-Amz-Signature'] ?? '');
  }
  const given = Buffer.from(scope.signature, 'latin1');
  const wanted = Buffer.from(expected ?? '', 'latin1');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return {
      problem: 'mismatch',
      message: 'the request signature does not match the one computed with the local secret',
    };
  }
  return undefined;
}
