import { Arn, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dataRemovalPolicy } from '../retention.ts';
import { newInputQueueNoticesName, type QueueKind } from '#contracts/identifiers.ts';
import { TABLE_KEYS } from '#contracts/tables.ts';
import type { DeploySettings } from '../config.ts';

export interface StateAndQueuesProps {
  readonly config: DeploySettings;
}

/** The role a run-time queue plays; its name is `<queuePrefix>-<kind>-<project>-<user>.fifo`. */

/**
 * The workflow's state: five DynamoDB tables (on demand, point-in-time recovery, encrypted, TTL where
 * the data model has one) and the naming of the per project-user SQS queues.
 *
 * The queues themselves are created at run time by claim-job, one set per project and user, so no
 * synth-time resource exists for them; this construct owns their name prefix and the ARN patterns that
 * every IAM grant is scoped to. The code that creates them sets SQS-managed server-side encryption
 * (SSE-SQS: no KMS key to manage, no kms grants for producers and consumers), the FIFO DLQ redrive
 * policy and a policy that denies any request without TLS.
 */
export class StateAndQueues extends Construct {
  readonly jobs: dynamodb.Table;
  readonly activeJobs: dynamodb.Table;
  readonly interruptions: dynamodb.Table;
  /** Admission rate-limit windows per sender and per project. */
  readonly admissionWindows: dynamodb.Table;
  readonly projects: dynamodb.Table;
  readonly slotWaiters: dynamodb.Table;
  /** ClaimJob announces each new input queue here; workers long-poll it (standard, short-lived). */
  readonly newQueueNotices: sqs.Queue;
  readonly queuePrefix: string;

  constructor(scope: Construct, id: string, props: StateAndQueuesProps) {
    super(scope, id);
    const { config } = props;
    this.queuePrefix = config.queuePrefix;

    const table = (
      logicalId: string,
      name: string,
      keys: { partitionKey: string; sortKey?: string; ttlAttribute?: string },
    ) =>
      new dynamodb.Table(this, logicalId, {
        tableName: `${config.prefix}-${name}`,
        partitionKey: { name: keys.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: keys.sortKey ? { name: keys.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
        timeToLiveAttribute: keys.ttlAttribute,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        deletionProtection: config.retainData,
        removalPolicy: dataRemovalPolicy(config),
      });

    this.jobs = table('Jobs', 'jobs', TABLE_KEYS.jobs);
    this.activeJobs = table('ActiveJobs', 'active-jobs', TABLE_KEYS.activeJobs);
    this.interruptions = table('Interruptions', 'interruptions', TABLE_KEYS.interruptions);
    this.projects = table('Projects', 'projects', TABLE_KEYS.projects);
    this.admissionWindows = table('AdmissionWindows', 'admission-windows', TABLE_KEYS.admissionWindows);
    this.slotWaiters = table('SlotWaiters', 'slot-waiters', TABLE_KEYS.slotWaiters);
    // A notice only saves a worker the wait for its next ListQueues, so it is not kept long, and one
    // that no worker takes is simply dropped: there is no dead-letter queue to watch.
    this.newQueueNotices = new sqs.Queue(this, 'NewInputQueueNotices', {
      queueName: newInputQueueNoticesName(config.queuePrefix),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.minutes(15),
    });
    Validations.of(this.newQueueNotices).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'A new-queue notice only saves a worker the wait for its next ListQueues; one that fails is dropped on purpose, and the job is found by that discovery.',
    });
  }

  /** `arn:aws:sqs:<region>:<account>:<queuePrefix>-<kind>-*`, or every queue of the prefix. */
  queueArnPattern(kind?: QueueKind): string {
    return Arn.format(
      {
        service: 'sqs',
        resource: kind ? `${this.queuePrefix}-${kind}-*` : `${this.queuePrefix}-*`,
      },
      Stack.of(this),
    );
  }
}
