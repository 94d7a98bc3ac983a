import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BlobTooLargeError, type BlobStore } from '../workflow/ports.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

export class S3BlobStore implements BlobStore {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<S3BlobStore> = [
    { actions: ['s3:GetObject'], on: 'readObjects', by: ['get'] },
    { actions: ['s3:PutObject'], on: 'writtenObjects', by: ['put'] },
  ];

  constructor(private readonly client: S3Client) {}

  async get(bucket: string, key: string, maxBytes: number): Promise<Uint8Array> {
    const result = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!result.Body) throw new Error(`s3://${bucket}/${key} has no body`);
    const bytes = result.ContentLength ?? 0;
    if (bytes > maxBytes) {
      await result.Body.transformToWebStream().cancel();
      throw new BlobTooLargeError(bytes, maxBytes);
    }
    const body = await result.Body.transformToByteArray();
    if (body.byteLength > maxBytes) throw new BlobTooLargeError(body.byteLength, maxBytes);
    return body;
  }

  async put(bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ServerSideEncryption: 'AES256',
      }),
    );
  }
}
