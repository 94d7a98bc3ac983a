import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/**
 * Passes a streamed body through while hashing it, holding back its last chunk until the hash is
 * known: a body that does not match the signed X-Amz-Content-Sha256 fails before it is complete,
 * so the emulator behind never stores it.
 */
export class PayloadHashCheck extends Transform {
  private readonly hash = createHash('sha256');
  private held: Buffer | undefined;

  constructor(private readonly expectedHex: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    if (this.held) this.push(this.held);
    this.held = chunk;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.hash.digest('hex') !== this.expectedHex) {
      callback(new Error('the body does not match X-Amz-Content-Sha256 (XAmzContentSHA256Mismatch)'));
      return;
    }
    if (this.held) this.push(this.held);
    callback();
  }
}
