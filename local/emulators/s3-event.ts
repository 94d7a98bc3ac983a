import type { S3EventRecord } from 'aws-lambda';
import type { S3rverEventRecord } from 's3rver';

/**
 * Encodes an object key the way S3 event notifications do (form encoding: spaces become '+',
 * reserved characters are percent-encoded, '/' is kept).
 */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Turns an s3rver event record into an AWS-shaped S3 event notification record. */
export function toS3EventRecord(record: S3rverEventRecord, region: string): S3EventRecord {
  const { bucket, object } = record.s3;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: record.eventTime,
    eventName: record.eventName as S3EventRecord['eventName'],
    userIdentity: record.userIdentity,
    requestParameters: record.requestParameters,
    responseElements: {
      'x-amz-request-id': record.responseElements['x-amz-request-id'] ?? '',
      'x-amz-id-2': record.responseElements['x-amz-id-2'] ?? '',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'local-object-created',
      bucket: {
        name: bucket.name,
        ownerIdentity: bucket.ownerIdentity,
        arn: `arn:aws:s3:::${bucket.name}`,
      },
      object: {
        key: encodeS3EventKey(object.key),
        size: object.size ?? 0,
        eTag: object.eTag ?? '',
        sequencer: object.sequencer,
      },
    },
  };
}
