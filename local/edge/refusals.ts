import type { IncomingHttpHeaders } from 'node:http';
import type { AwsError, ErrorProtocol } from './aws-error.ts';
import type { SignatureRefusal } from './sigv4.ts';

/** The protocol a request's SDK speaks, from its credential scope or protocol marks. */
export function errorProtocolOf(service: string | undefined, headers: IncomingHttpHeaders): ErrorProtocol {
  if (headers['x-amz-target'] !== undefined) return 'json';
  if (service === 's3') return 'rest-xml';
  if (String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return 'query';
  if (service !== undefined) return service === 'sqs' ? 'query' : 'json';
  return 'rest-xml';
}

type Codes = Record<ErrorProtocol, [status: number, code: string]>;

const accessDenied: Codes = {
  'rest-xml': [403, 'AccessDenied'],
  query: [403, 'AccessDenied'],
  json: [403, 'AccessDeniedException'],
};

const BY_PROBLEM: Record<SignatureRefusal['problem'], Codes> = {
  missing: {
    'rest-xml': [403, 'AccessDenied'],
    query: [403, 'MissingAuthenticationToken'],
    json: [403, 'MissingAuthenticationTokenException'],
  },
  malformed: {
    'rest-xml': [400, 'AuthorizationHeaderMalformed'],
    query: [400, 'IncompleteSignature'],
    json: [400, 'IncompleteSignatureException'],
  },
  'unknown-key': {
    'rest-xml': [403, 'InvalidAccessKeyId'],
    query: [403, 'InvalidClientTokenId'],
    json: [400, 'UnrecognizedClientException'],
  },
  mismatch: {
    'rest-xml': [403, 'SignatureDoesNotMatch'],
    query: [403, 'SignatureDoesNotMatch'],
    json: [400, 'InvalidSignatureException'],
  },
  skewed: {
    'rest-xml': [403, 'RequestTimeTooSkewed'],
    query: [403, 'RequestExpired'],
    json: [400, 'InvalidSignatureException'],
  },
  expired: accessDenied,
  'payload-mismatch': {
    'rest-xml': [400, 'XAmzContentSHA256Mismatch'],
    query: [403, 'SignatureDoesNotMatch'],
    json: [400, 'InvalidSignatureException'],
  },
};

const errorOf = (codes: Codes, protocol: ErrorProtocol, message: string): AwsError => {
  const [status, code] = codes[protocol];
  return { status, code, message };
};

export const signatureError = (refusal: SignatureRefusal, protocol: ErrorProtocol): AwsError =>
  errorOf(BY_PROBLEM[refusal.problem], protocol, refusal.message);

export const forbidden = (protocol: ErrorProtocol, message: string): AwsError =>
  errorOf(accessDenied, protocol, message);

export const corsRefused = (): AwsError => ({
  status: 403,
  code: 'AccessForbidden',
  message: 'CORSResponse: this endpoint grants no cross-origin access (preflight refused)',
});

export const tooLarge = (protocol: ErrorProtocol, service: string, limit: number): AwsError => ({
  status: 413,
  code: protocol === 'json' ? 'RequestEntityTooLargeException' : 'RequestEntityTooLarge',
  message: `the ${service} request body is over ${limit} bytes, the most this service accepts`,
});

export const invalidS3Path = (reason: string): AwsError => ({
  status: 400,
  code: 'InvalidArgument',
  message: `refused: ${reason}; nothing may leave the emulator's folder`,
});
