import type { IncomingHttpHeaders } from 'node:http';
import { SES_SEND_EMAIL_PATH } from '../outbox/ses-handler.ts';

export type Backend = 's3' | 'dynamodb' | 'sqs' | 'states' | 'ses';

/** The backend of a request, or the service it names that is not emulated. */
export type Route = Backend | { unsupported: string };

export interface RequestInfo {
  /** Signing service from the SigV4 credential scope, when the request is signed. */
  service?: string;
  /** The X-Amz-Target header of JSON protocols. */
  target?: string;
}

const SCOPE_IN_HEADER = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;
const SCOPE_IN_QUERY =
  /[?&]X-Amz-Credential=[^/&%]+(?:\/|%2F)\d{8}(?:\/|%2F)[^/&%]+(?:\/|%2F)([^/&%]+)(?:\/|%2F)aws4_request/i;

const BY_SERVICE: Record<string, Backend> = {
  s3: 's3',
  dynamodb: 'dynamodb',
  sqs: 'sqs',
  states: 'states',
  ses: 'ses',
  email: 'ses',
};

export function requestInfo(url: string, headers: IncomingHttpHeaders): RequestInfo {
  const authorization = String(headers.authorization ?? '');
  const service = SCOPE_IN_HEADER.exec(authorization)?.[1] ?? SCOPE_IN_QUERY.exec(url)?.[1];
  const target = headers['x-amz-target'];
  return {
    ...(service ? { service } : {}),
    ...(typeof target === 'string' ? { target } : {}),
  };
}

/**
 * Picks the backend: the credential scope first (every request the edge serves is signed), then
 * the protocol's own marks (X-Amz-Target, SES's REST path), and S3 for everything else.
 */
export function routeOf(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  info = requestInfo(url, headers),
): Route {
  if (info.service) {
    const backend = BY_SERVICE[info.service];
    return backend ?? { unsupported: info.service };
  }
  const target = info.target ?? '';
  if (target.startsWith('DynamoDB_')) return 'dynamodb';
  if (target.startsWith('AmazonSQS.')) return 'sqs';
  if (target.startsWith('AWSStepFunctions.')) return 'states';
  const path = url.split('?')[0] ?? '';
  if (method === 'POST' && path === SES_SEND_EMAIL_PATH) return 'ses';
  return 's3';
}
