import { DynamoDbInterruptionLog } from '#adapters/dynamodb-interruption-log';
import { DynamoDbJobRecords } from '#adapters/dynamodb-job-records';
import { DynamoDbProjectRegistry } from '#adapters/dynamodb-project-registry';
import { DynamoDbSlotStore } from '#adapters/dynamodb-slot-store';
import { S3BlobStore } from '#adapters/s3-blob-store';
import { SesMailer } from '#adapters/ses-mailer';
import { SfnExecutionStarter } from '#adapters/sfn-execution-starter';
import { SqsFifoSender } from '#adapters/sqs-fifo-sender';
import { SqsQueueProvisioner } from '#adapters/sqs-queue-provisioner';
import { composeReply } from '#domain/compose-reply';
import { loadConfig, type IntakeConfig } from '#shared/config';
import { MailNotifier } from '#workflow/mail-notifier';
import { sharedAwsClients, type AwsClients } from './aws-clients.ts';

/** Every adapter a workflow Lambda may need, built once per execution environment from its config. */
export function buildWorkflowDeps(config: IntakeConfig, clients: AwsClients) {
  const mailer = new SesMailer(clients.ses);
  return {
    config,
    now: () => new Date(),
    blobs: new S3BlobStore(clients.s3),
    slots: new DynamoDbSlotStore(clients.documents, config.activeJobsTable),
    jobs: new DynamoDbJobRecords(clients.documents, config.jobsTable),
    interruptions: new DynamoDbInterruptionLog(clients.documents, config.interruptionsTable),
    projects: new DynamoDbProjectRegistry(clients.documents, config.projectsTable),
    queues: new SqsQueueProvisioner(clients.sqs, config.queuePrefix, { kmsKeyId: config.queueKmsKeyId }),
    deadLetters: new SqsFifoSender(clients.sqs),
    mailer,
    notifier: new MailNotifier(mailer, config.mailDomain, composeReply),
    starter: config.stateMachineArn
      ? new SfnExecutionStarter(clients.sfn, config.stateMachineArn)
      : undefined,
  };
}
export type WorkflowDeps = ReturnType<typeof buildWorkflowDeps>;

let cached: WorkflowDeps | undefined;

/** The process's workflow dependencies, from the environment, built on first use. */
export function workflowDeps(): WorkflowDeps {
  cached ??= buildWorkflowDeps(loadConfig(), sharedAwsClients());
  return cached;
}
