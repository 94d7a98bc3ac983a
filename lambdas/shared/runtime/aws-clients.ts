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

/**
 * How one set of SDK clients reaches AWS. Empty on AWS: the SDK's standard configuration applies.
 * The local runtime names its own endpoint and credentials, so two runtimes can share a process.
 */
export interface AwsClientSettings {
  endpoint?: string;
  region?: string;
  /** Credentials of these clients alone; default: the SDK's provider chain. */
  credentials?: AwsCredentialIdentity;
  /** Path-style S3 URLs, needed by S3 emulators on a loopback address. */
  s3ForcePathStyle?: boolean;
}

/** The part of the settings every SDK client takes (no undefined keys: the SDK would keep them). */
export function sdkClientConfig(settings: AwsClientSettings): {
  endpoint?: string;
  region?: string;
  credentials?: AwsClientSettings['credentials'];
} {
  const { endpoint, region, credentials } = settings;
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** Marshalling every DynamoDB document client of the project uses. */
export const documentClientOf = (dynamodb: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });

export function createAwsClients(settings: AwsClientSettings = {}): AwsClients {
  const common = sdkClientConfig(settings);
  const dynamodb = new DynamoDBClient(common);
  return {
    s3: new S3Client({ ...common, forcePathStyle: settings.s3ForcePathStyle ?? false }),
    dynamodb,
    documents: documentClientOf(dynamodb),
    sqs: new SQSClient(common),
    sfn: new SFNClient(common),
    ses: new SESv2Client(common),
  };
}
