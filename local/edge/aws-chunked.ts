import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';

/** True when an S3 upload uses the aws-chunked body encoding (SigV4 streaming, trailing checksums). */
export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  const encoding = String(headers['content-encoding'] ?? '');
  return sha.startsWith('STREAMING-') || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
}

/** Headers for the decoded body: plain length, no aws-chunked encoding, no trailer. */
export function decodedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  const encodings = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked');
  if (encodings.length > 0) out['content-encoding'] = encodings.join(', ');
  else delete out['content-encoding'];
  const decodedLength = headers['x-amz-decoded-content-length'];
  if (decodedLength !== undefined) {
    out['content-length'] = String(decodedLength);
    delete out['transfer-encoding'];
  } else {
    delete out['content-length'];
    out['transfer-encoding'] = 'chunked';
  }
  delete out['x-amz-decoded-content-length'];
  delete out['x-amz-trailer'];
  out['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  return out;
}

/**
 * Streams the payload out of an aws-chunked body:
 * `<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0[;…]\r\n[<trailer>\r\n…]\r\n`.
 * s3rver predates this encoding and would otherwise store the framing as object data.
 */
export class AwsChunkedDecoder extends Transform {
  private state: 'header' | 'data' | 'data-end' | 'trailer' | 'done' = 'header';
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    try {
      this.consume();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(
      this.state === 'done' || this.state === 'trailer' ? null : new Error('truncated aws-chunked body'),
    );
  }

  private consume(): void {
    for (;;) {
      if (this.state === 'data') {
        if (this.pending.length === 0) return;
        const take = Math.min(this.remaining, this.pending.length);
        this.push(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        this.remaining -= take;
        if (this.remaining > 0) return;
        this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') {
        this.pending = Buffer.alloc(0);
        return;
      }
      const eol = this.pending.indexOf('\r\n');
      if (eol < 0) return;
      const line = this.pending.subarray(0, eol).toString('latin1');
      this.pending = this.pending.subarray(eol + 2);
      if (this.state === 'data-end') {
        if (line !== '') throw new Error('malformed aws-chunked body');
        this.state = 'header';
      } else if (this.state === 'header') {
        const size = parseInt(line.split(';')[0] ?? '', 16);
        if (Number.isNaN(size)) throw new Error('malformed aws-chunked chunk size');
        this.remaining = size;
        this.state = size === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.state = 'done';
      }
    }
  }
}
