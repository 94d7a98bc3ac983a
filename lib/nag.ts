import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag v3 (pinned 3.0.2) acknowledgements. v3 checks each finding separately, named
 * `AwsSolutions-IAM5[Resource::<flattened ARN>]`, where the ARN's intrinsics are flattened the way
 * cdk-nag prints them (`<Logical.Arn>`, `<AWS::AccountId>`). The helpers below compute those names
 * from the same tokens the grants use, so an acknowledgement always matches its own grant and nothing
 * else.
 */

type CfnValue = string | number | boolean | null | undefined | CfnValue[] | { [key: string]: CfnValue };

/** Flattens a resolved CloudFormation value like cdk-nag's `flattenCfnReference`. */
export const flattenReference = (value: CfnValue): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return join[1].map(flattenReference).join(join[0]);
  }
  if (value['Fn::Sub'] !== undefined) return flattenReference(value['Fn::Sub']);
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `<${flattenReference(getAtt[0])}.${flattenReference(getAtt[1])}>`;
  if (value['Fn::ImportValue'] !== undefined) return flattenReference(value['Fn::ImportValue']);
  if (value.Ref !== undefined) return `<${flattenReference(value.Ref)}>`;
  return JSON.stringify(value);
};

/** The cdk-nag finding id of a wildcard resource in an IAM policy. */
export const wildcardResourceFinding = (scope: IConstruct, resource: string): string | undefined => {
  const flat = flattenReference(Stack.of(scope).resolve(resource) as CfnValue);
  return flat.includes('*') ? `AwsSolutions-IAM5[Resource::${flat}]` : undefined;
};

/** Acknowledges each wildcard among `resources` on `scope` (a role or its policy) with `reason`. */
export const acknowledgeWildcardResources = (
  scope: IConstruct,
  resources: readonly string[],
  reason: string,
): void => {
  for (const resource of resources) {
    const id = wildcardResourceFinding(scope, resource);
    if (id) Validations.of(scope).acknowledge({ id, reason });
  }
};

export const REASONS = {
  xray: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions, so IAM requires Resource "*"; CDK adds exactly these two actions for active tracing.',
  queuesAtRunTime:
    "The per project-user queues are created at run time by claim-job, so their ARNs do not exist at synth time; the grant is scoped to this environment's queue-name prefix and queue role (input, dlq, interrupt) in this account and region.",
  rawEmails:
    "Raw emails are stored by SES under emails/<SES message id>; the handler reads only the key named in its event or state, and the grant is limited to that prefix of this environment's mail bucket.",
  jobObjects:
    "Instructions and attachments are stored per job under these prefixes of this environment's mail bucket; the grant is limited to the prefix, not the bucket.",
  taskTokens:
    'states:SendTaskSuccess has no resource-level permissions, so IAM requires Resource "*"; the call is authorised by the task token, which only the waiting execution hands out.',
  queueList:
    'sqs:ListQueues has no resource-level permissions, so IAM requires Resource "*"; queues are listed by this environment\'s name prefix, and every call on a queue is scoped to that prefix.',
  executions:
    'Execution ARNs are created per email at run time; the grant covers the executions of this one state machine only.',
  metricNamespace:
    'cloudwatch:PutMetricData has no resource-level permissions, so IAM requires Resource "*"; the cloudwatch:namespace condition restricts it to the one namespace.',
  repositorySecrets:
    "Project repository tokens are secrets created outside CDK under this environment's repository-secret prefix; a secret ARN ends in a random suffix, so the grant names the prefix, never all secrets.",
  functionVersions:
    'The "<function ARN>:*" form covers versions and aliases of this one function (Step Functions invokes a qualified ARN when one is substituted); it is scoped to the function, not to Lambda.',
} as const;

const BASIC_EXECUTION_ROLE =
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/**
 * Acknowledges findings on the singleton Lambda functions that aws-cdk-lib itself adds to the stack
 * (the AwsCustomResource provider and the S3 bucket-notifications handler); their roles are created
 * by CDK and cannot be configured.
 */
export const acknowledgeCdkInternals = (stack: Stack): void => {
  for (const child of stack.node.children) {
    if (child.node.id.startsWith('AWS679f53fac002430cb0da5b7982bd2287')) {
      Validations.of(child).acknowledge({
        id: BASIC_EXECUTION_ROLE,
        reason:
          "CDK's AwsCustomResource provider Lambda (activates the SES receipt rule set) is created by aws-cdk-lib with the AWS managed AWSLambdaBasicExecutionRole, which only allows writing its own CloudWatch logs; CDK does not let us replace that role.",
      });
    }
    if (child.node.id.startsWith('BucketNotificationsHandler')) {
      Validations.of(child).acknowledge({
        id: BASIC_EXECUTION_ROLE,
        reason:
          "CDK's S3 bucket-notifications handler (configures the emails/ → intake Lambda notification at deploy time) is created by aws-cdk-lib with the AWS managed AWSLambdaBasicExecutionRole, which only allows writing its own CloudWatch logs; CDK does not let us replace that role.",
      });
    }
  }
};
