import type { IncomingHttpHeaders } from 'node:http';
import { unsafeKeyReason } from '../emulators/s3-keys.ts';
import { parseQuery } from './sigv4.ts';

/** S3's bucket naming rule; also keeps `.`/`..` and anything with a separator out of bucket names. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Query parameters whose values s3rver turns into paths under a bucket. */
const PATH_PARAMS = ['prefix', 'marker', 'start-after', 'key-marker', 'delimiter', 'continuation-token'];

/** Splits a path-style S3 path into bucket and key, both decoded once as s3rver's router does. */
function bucketAndKey(path: string): { bucket: string; key: string } | undefined {
  const [, bucket = '', ...rest] = path.split('/');
  try {
    return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join('/')) };
  } catch {
    return undefined;
  }
}

/**
 * Why a path-style S3 request would reach outside the S3 folder (bucket, key, copy source, listing
 * prefix…), or undefined when it stays inside. The edge refuses these before s3rver sees them.
 */
export function s3PathRefusal(path: string, url: string, headers: IncomingHttpHeaders): string | undefined {
  const target = bucketAndKey(path);
  if (!target) return 'the path is not valid percent-encoding';
  if (target.bucket !== '' && (!BUCKET_NAME.test(target.bucket) || target.bucket.includes('..'))) {
    return `the bucket name "${target.bucket}" is not a valid S3 bucket name`;
  }
  const keyReason = unsafeKeyReason(target.key);
  if (keyReason) return `the object key ${keyReason}`;
  const copySource = headers['x-amz-copy-source'];
  if (typeof copySource === 'string') {
    const source = bucketAndKey(`/${copySource.replace(/^\//, '').split('?')[0] ?? ''}`);
    const sourceReason = source
      ? unsafeKeyReason(`${source.bucket}/${source.key}`)
      : 'is not valid percent-encoding';
    if (sourceReason) return `the copy source ${sourceReason}`;
  }
  for (const [name, value] of parseQuery(url) ?? []) {
    if (!PATH_PARAMS.includes(name)) continue;
    const reason = unsafeKeyReason(value);
    if (reason) return `the ${name} parameter ${reason}`;
  }
  return undefined;
}
