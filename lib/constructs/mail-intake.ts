import { Arn, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { dataRemovalPolicy } from '../retention.ts';
import type { DeploySettings } from '../config.ts';
import { handlerGrants, type GrantResources } from '../grants.ts';
import { HandlerFunction } from './handler-function.ts';

/** Key prefixes in the mail bucket. SES writes `emails/`; parse-email writes the other two. */
export const MAIL_PREFIX = {
  emails: 'emails/',
  instructions: 'instructions/',
  attachments: 'attachments/',
} as const;

/** Raw mail is kept this long, then expires. */
export const EMAIL_RETENTION_DAYS = 30;

export interface MailIntakeProps {
  readonly config: DeploySettings;
}

/**
 * SES inbound → S3 → intake Lambda.
 *
 * A private, encrypted, TLS-only mail bucket whose policy lets only SES write, and only from this
 * account's receipt rule; a receipt rule set with one rule for the configured domains (spam and virus
 * scanning on, TLS required) that stores each message under `emails/`; a custom resource that makes
 * the rule set the active one (CloudFormation cannot); and, once the workflow exists,
 * {@link MailIntake.startExecutionsOn} adds the intake Lambda and the S3 notification that invokes it.
 */
export class MailIntake extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly ruleSet: ses.ReceiptRuleSet;
  readonly rule: ses.ReceiptRule;
  readonly ruleSetName: string;
  readonly ruleName: string;
  /**
   * S3 events whose intake invocation still failed after Lambda's two retries: the email is in S3
   * but has no execution yet. Each message holds the event, so a person can replay it.
   */
  readonly intakeFailures: sqs.Queue;
  private readonly config: DeploySettings;

  constructor(scope: Construct, id: string, props: MailIntakeProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    const stack = Stack.of(this);
    const removalPolicy = dataRemovalPolicy(config);
    this.ruleSetName = `${config.prefix}-inbound`;
    this.ruleName = `${config.prefix}-store-in-s3`;

    this.intakeFailures = new sqs.Queue(this, 'IntakeFailures', {
      queueName: `${config.prefix}-intake-failures`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.intakeFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the intake Lambda; failed S3 events stay here, with an alarm, until a person replays them.',
    });

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(config.retainData ? 365 : 90) }],
      // No autoDeleteObjects: its CDK-managed policy grants wildcard actions. Empty the buckets
      // before destroying a dev or staging stack (README, "Deploy to AWS").
      removalPolicy,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        "This is the destination of the mail bucket's server access logs; logging the log bucket into itself or another bucket would recurse without adding an audit trail.",
    });

    this.bucket = new s3.Bucket(this, 'Mail', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // Versions protect kept mail from overwrite or deletion where data is kept (prod).
      versioned: config.retainData,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'mail/',
      lifecycleRules: [
        {
          id: 'expire-raw-emails',
          prefix: MAIL_PREFIX.emails,
          expiration: Duration.days(EMAIL_RETENTION_DAYS),
        },
        {
          id: 'expire-old-versions',
          noncurrentVersionExpiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });

    const ruleArn = Arn.format(
      {
        service: 'ses',
        resource: 'receipt-rule-set',
        resourceName: `${this.ruleSetName}:receipt-rule/${this.ruleName}`,
      },
      stack,
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlySesReceiptRuleWritesEmails',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${MAIL_PREFIX.emails}*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': ruleArn },
        },
      }),
    );

    this.ruleSet = new ses.ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: this.ruleSetName });
    this.rule = this.ruleSet.addRule('StoreInS3', {
      receiptRuleName: this.ruleName,
      recipients: [...config.mailDomains],
      scanEnabled: true,
      tlsPolicy: ses.TlsPolicy.REQUIRE,
      enabled: true,
      actions: [
        {
          bind: () => ({
            s3Action: { bucketName: this.bucket.bucketName, objectKeyPrefix: MAIL_PREFIX.emails },
          }),
        },
      ],
    });
    // SES checks that it may write to the bucket when the rule is created.
    if (this.bucket.policy) this.rule.node.addDependency(this.bucket.policy);

    const activation = new cr.AwsCustomResource(this, 'ActivateRuleSet', {
      resourceType: 'Custom::SesActiveReceiptRuleSet',
      onCreate: {
        service: 'SES',
        action: 'setActiveReceiptRuleSet',
        parameters: { RuleSetName: this.ruleSetName },
        physicalResourceId: cr.PhysicalResourceId.of(this.ruleSetName),
      },
      onUpdate: {
        service: 'SES',
        action: 'setActiveReceiptRuleSet',
        parameters: { RuleSetName: this.ruleSetName },
        physicalResourceId: cr.PhysicalResourceId.of(this.ruleSetName),
      },
      // No RuleSetName deactivates the active rule set, so CloudFormation can then delete it.
      onDelete: { service: 'SES', action: 'setActiveReceiptRuleSet', parameters: {} },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
    });
    // Activate after the rule exists; deactivate before the rule set is deleted.
    activation.node.addDependency(this.rule);
    Validations.of(activation).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ses:SetActiveReceiptRuleSet has no resource-level permissions (Service Authorization Reference lists no resource type), so IAM requires Resource "*". The role belongs to the activation custom resource and holds only this one action.',
    });
  }

  /**
   * Adds the intake Lambda (S3 ObjectCreated on `emails/` → StartExecution) and the notification.
   * SES writes a test object `emails/AMAZON_SES_SETUP_NOTIFICATION` when the rule is created; the
   * handler must ignore it.
   */
  startExecutionsOn(
    stateMachine: sfn.IStateMachine,
    environment: Record<string, string>,
    resources: GrantResources,
  ): HandlerFunction {
    const intake = new HandlerFunction(this, 'IntakeHandler', {
      config: this.config,
      name: 'intake',
      environment: { ...environment, STATE_MACHINE_ARN: stateMachine.stateMachineArn },
    });
    intake.allowAll(handlerGrants('intake', { ...resources, stateMachine: stateMachine.stateMachineArn }));
    intake.live.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(this.intakeFailures),
    });
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(intake.live), {
      prefix: MAIL_PREFIX.emails,
    });
    return intake;
  }
}
