import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BlobStore } from '../ports.ts';

export function createS3BlobStore(s3: S3Client): BlobStore {
  return {
    async get(bucket, key, maxBytes) {
      const result = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!result.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      if ((result.ContentLength ?? 0) > maxBytes) {
        result.Body.transformToWebStream()
          .cancel()
          .catch(() => undefined);
        throw new Error(`s3://${bucket}/${key} is larger than ${maxBytes} bytes`);
      }
      const bytes = await result.Body.transformToByteArray();
      if (bytes.length > maxBytes) throw new Error(`s3://${bucket}/${key} is larger than ${maxBytes} bytes`);
      return bytes;
    },
  };
}
