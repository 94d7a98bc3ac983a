import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sdkClientConfig, type AwsClientSettings } from './aws-client-settings.ts';

export type { AwsClientSettings };

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
