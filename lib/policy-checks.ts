import { CfnResource, Validations, type App, type Stack } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { DeploySettings } from './config.ts';

/**
 * Policy as code at synth time: cdk-nag's AwsSolutions rules and the AWS Control Tower proactive
 * controls (cfn-guard rules shipped by `@cdklabs/cdk-validator-cfnguard`, run by its cfn-guard
 * binary on every synthesized template). A finding fails `cdk synth` unless acknowledged on the
 * resource with a reason: cdk-nag's next to the resource's construct, cfn-guard's in
 * {@link GUARD_EXCEPTIONS} below.
 */
export const addPolicyChecks = (app: App): void => {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
};

/** How CDK names a cfn-guard rule in a finding and in an acknowledgement. */
export const guardRuleId = (rule: string): string => `cdk-validator-cfnguard::${rule}`;

export interface GuardException {
  /** The cfn-guard rule name, e.g. `lambda_inside_vpc_check`. */
  readonly rule: string;
  /** The CloudFormation resource type it is acknowledged on. */
  readonly resourceType: string;
  /** Narrows it further (by construct path or environment); every resource of the type if absent. */
  readonly when?: (resource: CfnResource, config: DeploySettings) => boolean;
  readonly reason: string;
}

const pathIncludes =
  (...parts: string[]) =>
  (resource: CfnResource): boolean =>
    parts.some((part) => resource.node.path.includes(part));
const nonProd = (_: CfnResource, config: DeploySettings): boolean => !config.retainData;

/** Every Control Tower control this stack does not meet, where and why. */
export const GUARD_EXCEPTIONS: readonly GuardException[] = [
  {
    rule: 'lambda_inside_vpc_check',
    resourceType: 'AWS::Lambda::Function',
    reason:
      'The functions call only AWS APIs (S3, DynamoDB, SQS, Step Functions, SES, CloudWatch) over TLS with IAM; a VPC would add ENIs, NAT traffic cost and cold-start time without reaching anything private. The only private resource, the workspaces file system, is used by the workers alone.',
  },
  {
    rule: 'cloudwatch_log_group_encrypted_check',
    resourceType: 'AWS::Logs::LogGroup',
    reason:
      'CloudWatch Logs encrypts every log group at rest with service-owned keys; the logs hold no secrets (handlers and the worker log ids and outcomes, never tokens or mail bodies), so a customer managed key per group would add a key policy and cost without protecting more.',
  },
  {
    rule: 'cloudwatch_log_group_retention_period_check',
    resourceType: 'AWS::Logs::LogGroup',
    when: nonProd,
    reason:
      'dev and staging keep logs for a short, configurable time (context logRetentionDays, 14 and 30 days) to limit cost; prod keeps them for a year, which this control then finds compliant.',
  },
  {
    rule: 'subnet_auto_assign_public_ip_disabled_check',
    resourceType: 'AWS::EC2::Subnet',
    when: pathIncludes('/Vpc/public'),
    reason:
      "The worker VPC's public subnets hold only the NAT gateways and need public addresses for them; the Fargate tasks run in the private subnets without public IPs (assignPublicIp false).",
  },
  {
    rule: 'ecs_task_definition_nonroot_user_check',
    resourceType: 'AWS::ECS::TaskDefinition',
    reason:
      'The uid sandbox switches each validation command to a lent unprivileged uid, which needs the worker process to start as uid 0; every Linux capability it does not use is dropped and the image itself runs as uid 10001 elsewhere (containers/story-processor/README.md, Sandbox).',
  },
  {
    rule: 'ecs_containers_readonly_access_check',
    resourceType: 'AWS::ECS::TaskDefinition',
    reason:
      'git, the model tools and validation commands write temporary files and per-user homes for the lent sandbox uids inside the container; only the bare repositories of projects without a repository live on the EFS volume, clones and worktrees on task-local storage. A read-only root file system would need a writable volume for each of these paths.',
  },
  {
    rule: 'efs_automatic_backups_enabled_check',
    resourceType: 'AWS::EFS::FileSystem',
    when: nonProd,
    reason:
      'The workspaces file system is a cache: the remote branch is the checkpoint and any worker rebuilds a workspace from it. dev and staging skip backups; prod has them on.',
  },
  {
    rule: 'kms_create_grant_aws_service_check',
    resourceType: 'AWS::KMS::Key',
    when: pathIncludes('/AlarmTopicKey/'),
    reason:
      'The alarm topic key is used by SNS and CloudWatch only through their service principals, which need no grants; its policy gives the account root the default key administration, and no role of the stack is allowed kms:CreateGrant on it.',
  },
  {
    rule: 's3_bucket_default_encryption_kms_check',
    resourceType: 'AWS::S3::Bucket',
    reason:
      'Both buckets use SSE-S3 (AES-256): server access logs can be delivered only to an SSE-S3 bucket, and the mail bucket is written by SES receiving and read by the handlers and workers, whose roles would otherwise each need kms:Decrypt on a customer managed key for no further protection.',
  },
  {
    rule: 's3_bucket_versioning_enabled_check',
    resourceType: 'AWS::S3::Bucket',
    when: (resource, config) => pathIncludes('/AccessLogs/')(resource) || !config.retainData,
    reason:
      'Server access logs are written once and expired by lifecycle; dev and staging mail is disposable. The prod mail bucket is versioned and this control finds it compliant.',
  },
  {
    rule: 's3_bucket_logging_enabled_check',
    resourceType: 'AWS::S3::Bucket',
    when: pathIncludes('/AccessLogs/'),
    reason:
      "This is the destination of the mail bucket's server access logs; logging it into itself would recurse and logging it elsewhere adds no audit trail.",
  },
  {
    rule: 's3_event_notifications_enabled_check',
    resourceType: 'AWS::S3::Bucket',
    reason:
      "The mail bucket's emails/ → intake Lambda notification is configured by CDK's bucket-notifications custom resource, so the template's bucket has no NotificationConfiguration; the access-log bucket has nothing to notify.",
  },
  {
    rule: 's3_bucket_object_lock_enabled_check',
    resourceType: 'AWS::S3::Bucket',
    reason:
      'Raw emails and access logs expire by lifecycle rule (30 and 90/365 days); Object Lock would keep them past that, and prod versioning with deletion protection already guards kept mail.',
  },
  {
    rule: 'sqs_dlq_check',
    resourceType: 'AWS::SQS::Queue',
    when: pathIncludes('/IntakeFailures/'),
    reason:
      'This queue is itself the dead-letter destination of the intake Lambda: failed S3 events stay here, with an alarm, until a person replays them.',
  },
  {
    rule: 'sqs_dlq_check',
    resourceType: 'AWS::SQS::Queue',
    when: pathIncludes('/NewInputQueueNotices/'),
    reason:
      'A new-queue notice only saves a worker the wait for its next ListQueues; one that fails is dropped on purpose, and the job is found by that discovery.',
  },
];

const cfnResourcesOf = (root: IConstruct): CfnResource[] =>
  root.node.findAll().filter((construct): construct is CfnResource => CfnResource.isCfnResource(construct));

/** Acknowledges each {@link GUARD_EXCEPTIONS} entry on the resources it applies to. */
export const acknowledgeGuardExceptions = (stack: Stack, config: DeploySettings): void => {
  for (const resource of cfnResourcesOf(stack)) {
    for (const exception of GUARD_EXCEPTIONS) {
      if (resource.cfnResourceType !== exception.resourceType) continue;
      if (exception.when && !exception.when(resource, config)) continue;
      Validations.of(resource).acknowledge({ id: guardRuleId(exception.rule), reason: exception.reason });
    }
  }
};
