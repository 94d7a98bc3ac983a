import { systemClock, type Clock } from '../contracts/clock.ts';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchBacklogPublisher } from '../adapters/cloudwatch-backlog-publisher.ts';
import { DynamoDbAdmissionWindows } from '../adapters/dynamodb-admission-windows.ts';
import { DynamoDbInterruptionLog } from '../adapters/dynamodb-interruption-log.ts';
import { DynamoDbJobRecords } from '../adapters/dynamodb-job-records.ts';
import { DynamoDbProjectRegistry } from '../adapters/dynamodb-project-registry.ts';
import { DynamoDbLeaseStore } from '../adapters/dynamodb-lease-store.ts';
import { DynamoDbLeaseWaiters } from '../adapters/dynamodb-lease-waiters.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import { SfnExecutionStarter } from '../adapters/sfn-execution-starter.ts';
import { SfnExecutionStates } from '../adapters/sfn-execution-states.ts';
import { SfnTaskWaker } from '../adapters/sfn-task-waker.ts';
import { SqsQueueDepths } from '../adapters/sqs-queue-depths.ts';
import { SqsQueueProvisioner } from '../adapters/sqs-queue-provisioner.ts';
import { composeReply } from '../domain/compose-reply.ts';
import { MailNotifier } from '../workflow/mail-notifier.ts';
import { sdkClientConfig } from './aws-client-settings.ts';
import { noLambdaMetrics, powertoolsLambdaMetrics } from './lambda-metrics.ts';
import { documentClientOf } from './aws-clients.ts';
import type { HandlerContext } from './handler-context.ts';

/**
 * The collaborators a Lambda handler may need, each built on first use for a context and kept with
 * it (for the life of the execution environment on Lambda; per runtime locally). A handler names
 * only the ones it uses, so its bundle holds only their SDK clients (the `@__PURE__` marks let
 * esbuild drop the rest) and its cold start builds nothing else.
 */
const perContext = <T>(build: (context: HandlerContext) => T): ((context: HandlerContext) => T) => {
  const built = new WeakMap<HandlerContext, T>();
  return (context) => {
    if (built.has(context)) return built.get(context) as T;
    const value = build(context);
    built.set(context, value);
    return value;
  };
};

/** The machine's clock (a collaborator like the others, so that tests can hold time still). */
export const clock: Clock = systemClock;

const s3 = /* @__PURE__ */ perContext(
  ({ aws }) => new S3Client({ ...sdkClientConfig(aws), forcePathStyle: aws.s3ForcePathStyle ?? false }),
);
const sqs = /* @__PURE__ */ perContext(({ aws }) => new SQSClient(sdkClientConfig(aws)));
const ses = /* @__PURE__ */ perContext(({ aws }) => new SESv2Client(sdkClientConfig(aws)));
const documents = /* @__PURE__ */ perContext(({ aws }) =>
  documentClientOf(new DynamoDBClient(sdkClientConfig(aws))),
);
const sfn = /* @__PURE__ */ perContext(({ aws }) => new SFNClient(sdkClientConfig(aws)));

export const blobs = /* @__PURE__ */ perContext((context) => new S3BlobStore(s3(context)));
export const leases = /* @__PURE__ */ perContext(
  (context) => new DynamoDbLeaseStore(documents(context), context.config.activeJobsTable),
);
export const waiters = /* @__PURE__ */ perContext(
  (context) => new DynamoDbLeaseWaiters(documents(context), context.config.slotWaitersTable),
);
export const waker = /* @__PURE__ */ perContext((context) => new SfnTaskWaker(sfn(context)));
/** Releasing a lease hands it on: the lease store, its waiters and the waker. */
export const leaseRelease = (context: HandlerContext) => ({
  leases: leases(context),
  waiters: waiters(context),
  waker: waker(context),
});
export const jobs = /* @__PURE__ */ perContext(
  (context) => new DynamoDbJobRecords(documents(context), context.config.jobsTable),
);
export const interruptions = /* @__PURE__ */ perContext(
  (context) => new DynamoDbInterruptionLog(documents(context), context.config.interruptionsTable),
);
export const projects = /* @__PURE__ */ perContext(
  (context) => new DynamoDbProjectRegistry(documents(context), context.config.projectsTable),
);
export const admissionWindows = /* @__PURE__ */ perContext(
  (context) => new DynamoDbAdmissionWindows(documents(context), context.config.admissionWindowsTable),
);
export const queues = /* @__PURE__ */ perContext(
  (context) =>
    new SqsQueueProvisioner(sqs(context), context.config.queuePrefix, {
      kmsKeyId: context.config.queueKmsKeyId,
    }),
);
export const notifier = /* @__PURE__ */ perContext(
  (context) => new MailNotifier(new SesMailer(ses(context)), context.config.mailDomain, composeReply),
);
export const executionStates = /* @__PURE__ */ perContext((context) => new SfnExecutionStates(sfn(context)));
export const starter = /* @__PURE__ */ perContext((context) => {
  const { stateMachineArn } = context.config;
  if (!stateMachineArn) throw new Error('STATE_MACHINE_ARN is not set: executions cannot be started');
  return new SfnExecutionStarter(sfn(context), stateMachineArn);
});
export const queueDepths = /* @__PURE__ */ perContext((context) => new SqsQueueDepths(sqs(context)));
export const backlogPublisher = /* @__PURE__ */ perContext(
  ({ aws }) => new CloudWatchBacklogPublisher(new CloudWatchClient(sdkClientConfig(aws)), clock),
);
/** The contract's metrics, published on Lambda (Powertools EMF) and dropped in the local runtime. */
export const metrics = /* @__PURE__ */ perContext((context) =>
  context.publishMetrics ? powertoolsLambdaMetrics() : noLambdaMetrics,
);
