import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * The AWS SDK clients of one process. Endpoints come from the SDK's standard configuration
 * (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, region and credentials), which is how the local
 * runtime and LocalStack are reached with no change to the code.
 */
export interface AwsClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  sqs: SQSClient;
  sfn: SFNClient;
  ses: SESv2Client;
}

export interface AwsClientOptions {
  /** Path-style S3 URLs, needed by S3 emulators on a loopback address. */
  s3ForcePathStyle?: boolean;
  /** Credentials of these clients alone; default: the SDK's provider chain. */
  credentials?: AwsCredentialIdentity;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const common = options.credentials ? { credentials: options.credentials } : {};
  const dynamodb = new DynamoDBClient(common);
  return {
    s3: new S3Client({ ...common, forcePathStyle: options.s3ForcePathStyle ?? false }),
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    }),
    sqs: new SQSClient(common),
    sfn: new SFNClient(common),
    ses: new SESv2Client(common),
  };
}
