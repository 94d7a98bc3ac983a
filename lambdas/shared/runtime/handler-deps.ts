import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CloudWatchBacklogPublisher } from '#adapters/cloudwatch-backlog-publisher';
import { DynamoDbAdmissionWindows } from '#adapters/dynamodb-admission-windows';
import { DynamoDbInterruptionLog } from '#adapters/dynamodb-interruption-log';
import { DynamoDbJobRecords } from '#adapters/dynamodb-job-records';
import { DynamoDbProjectRegistry } from '#adapters/dynamodb-project-registry';
import { DynamoDbSlotStore } from '#adapters/dynamodb-slot-store';
import { S3BlobStore } from '#adapters/s3-blob-store';
import { SesMailer } from '#adapters/ses-mailer';
import { SfnExecutionStarter } from '#adapters/sfn-execution-starter';
import { SfnExecutionStates } from '#adapters/sfn-execution-states';
import { SqsFifoSender } from '#adapters/sqs-fifo-sender';
import { SqsQueueDepths } from '#adapters/sqs-queue-depths';
import { SqsQueueProvisioner } from '#adapters/sqs-queue-provisioner';
import { composeReply } from '#domain/compose-reply';
import { loadConfig, type IntakeConfig } from '#shared/config';
import { MailNotifier } from '#workflow/mail-notifier';

/**
 * The collaborators a Lambda handler may need, each built on first use and kept for the life of the
 * execution environment. A handler names only the ones it uses, so its bundle holds only their SDK
 * clients (the `@__PURE__` marks let esbuild drop the rest) and its cold start builds nothing else.
 * Endpoints, region and credentials come from the SDK's standard configuration.
 */
const once = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= build());
};

export const config = /* @__PURE__ */ once((): IntakeConfig => loadConfig());
export const now = (): Date => new Date();

const s3 = /* @__PURE__ */ once(
  () => new S3Client({ forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === 'true' }),
);
const sqs = /* @__PURE__ */ once(() => new SQSClient({}));
const ses = /* @__PURE__ */ once(() => new SESv2Client({}));
const documents = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  }),
);

export const blobs = /* @__PURE__ */ once(() => new S3BlobStore(s3()));
export const slots = /* @__PURE__ */ once(() => new DynamoDbSlotStore(documents(), config().activeJobsTable));
export const jobs = /* @__PURE__ */ once(() => new DynamoDbJobRecords(documents(), config().jobsTable));
export const interruptions = /* @__PURE__ */ once(
  () => new DynamoDbInterruptionLog(documents(), config().interruptionsTable),
);
export const admissionWindows = /* @__PURE__ */ once(
  () => new DynamoDbAdmissionWindows(documents(), config().admissionWindowsTable),
);
export const projects = /* @__PURE__ */ once(
  () => new DynamoDbProjectRegistry(documents(), config().projectsTable),
);
export const queues = /* @__PURE__ */ once(
  () => new SqsQueueProvisioner(sqs(), config().queuePrefix, { kmsKeyId: config().queueKmsKeyId }),
);
export const deadLetters = /* @__PURE__ */ once(() => new SqsFifoSender(sqs()));
export const notifier = /* @__PURE__ */ once(
  () => new MailNotifier(new SesMailer(ses()), config().mailDomain, composeReply),
);
const sfn = /* @__PURE__ */ once(() => new SFNClient({}));
export const executionStates = /* @__PURE__ */ once(() => new SfnExecutionStates(sfn()));
export const starter = /* @__PURE__ */ once(() => {
  const { stateMachineArn } = config();
  if (!stateMachineArn) throw new Error('STATE_MACHINE_ARN is not set: executions cannot be started');
  return new SfnExecutionStarter(sfn(), stateMachineArn);
});
export const queueDepths = /* @__PURE__ */ once(() => new SqsQueueDepths(sqs()));
export const backlogPublisher = /* @__PURE__ */ once(
  () => new CloudWatchBacklogPublisher(new CloudWatchClient({}), now),
);
