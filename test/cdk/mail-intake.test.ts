import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '#shared/config.ts';
import {
  TEST_ACCOUNT,
  TEST_DOMAINS,
  TEST_REGION,
  logicalIdOf,
  statementsOfRole,
  synthIntake,
  type JsonObject,
} from './synth.ts';

const { template } = synthIntake();
const mailBucket = logicalIdOf(template, 'AWS::S3::Bucket', 'MailIntakeMail');
const logBucket = logicalIdOf(template, 'AWS::S3::Bucket', 'MailIntakeAccessLogs');

describe('mail bucket', () => {
  it('is encrypted, private, logs access and expires raw emails after 30 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: logBucket }, LogFilePrefix: 'mail/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'expire-raw-emails',
            Prefix: 'emails/',
            ExpirationInDays: 30,
            Status: 'Enabled',
          }),
        ]),
      },
    });
  });

  it('lets only SES write emails/, from this account and this receipt rule, and denies non-TLS requests', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy', {
      Properties: { Bucket: { Ref: mailBucket } },
    });
    const [policy] = Object.values(policies) as {
      Properties: { PolicyDocument: { Statement: JsonObject[] } };
    }[];
    const statements = policy?.Properties.PolicyDocument.Statement ?? [];
    const ses = statements.filter((s) => JSON.stringify(s.Principal).includes('ses.amazonaws.com'));
    expect(ses).toHaveLength(1);
    expect(ses[0]).toMatchObject({
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [mailBucket, 'Arn'] }, '/emails/*']] },
      Condition: {
        StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
        ArnLike: {
          'aws:SourceArn': `arn:aws:ses:${TEST_REGION}:${TEST_ACCOUNT}:receipt-rule-set/intake-dev-inbound:receipt-rule/intake-dev-store-in-s3`,
        },
      },
    });
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // Nobody else is allowed anything on the mail bucket.
    const allows = statements.filter((s) => s.Effect === 'Allow');
    for (const statement of allows) {
      const principal = JSON.stringify(statement.Principal);
      expect(principal).toContain('ses.amazonaws.com');
    }
  });

  it('has an access-log bucket that is itself private, encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'expire-access-logs' })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
  });
});

describe('SES receipt', () => {
  it('has a rule set with one rule for the domains: scanning on, TLS required, stored under emails/', () => {
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
    template.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'intake-dev-inbound' });
    template.resourceCountIs('AWS::SES::ReceiptRule', 1);
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: { Ref: Match.stringLikeRegexp('^MailIntakeRuleSet') },
      Rule: {
        Name: 'intake-dev-store-in-s3',
        Enabled: true,
        Recipients: TEST_DOMAINS,
        ScanEnabled: true,
        TlsPolicy: 'Require',
        Actions: [{ S3Action: { BucketName: { Ref: mailBucket }, ObjectKeyPrefix: 'emails/' } }],
      },
    });
  });

  it('creates the rule only after the bucket policy that lets SES write', () => {
    const rules = template.findResources('AWS::SES::ReceiptRule');
    const [rule] = Object.values(rules) as { DependsOn?: string[] }[];
    const policyId = logicalIdOf(template, 'AWS::S3::BucketPolicy', 'MailIntakeMailPolicy');
    expect(rule?.DependsOn).toContain(policyId);
  });

  it('activates the rule set with a custom resource, and deactivates it on delete', () => {
    const [activation] = Object.values(template.findResources('Custom::SesActiveReceiptRuleSet')) as {
      Properties: { Create: string; Update: string; Delete: string };
      DependsOn: string[];
    }[];
    expect(activation).toBeDefined();
    const call = (json: unknown) =>
      JSON.parse(String(json)) as { service: string; action: string; parameters: JsonObject };
    const create = call(activation?.Properties.Create);
    expect(create).toMatchObject({
      service: 'SES',
      action: 'setActiveReceiptRuleSet',
      parameters: { RuleSetName: 'intake-dev-inbound' },
    });
    expect(call(activation?.Properties.Update)).toMatchObject({
      action: 'setActiveReceiptRuleSet',
      parameters: { RuleSetName: 'intake-dev-inbound' },
    });
    expect(call(activation?.Properties.Delete)).toMatchObject({
      action: 'setActiveReceiptRuleSet',
      parameters: {},
    });
    expect(activation?.DependsOn.some((id) => id.startsWith('MailIntakeRuleSetStoreInS3'))).toBe(true);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: 'ses:SetActiveReceiptRuleSet', Effect: 'Allow', Resource: '*' }],
      },
    });
  });
});

describe('intake trigger', () => {
  it('invokes the intake Lambda for objects created under emails/', () => {
    // The live alias, which CodeDeploy shifts between versions (test/cdk/lambda-canary.test.ts).
    const intake = logicalIdOf(template, 'AWS::Lambda::Alias', 'MailIntakeIntakeHandlerLive');
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: mailBucket },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'emails/' }] } },
            LambdaFunctionArn: { Ref: intake },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { Ref: intake },
      Principal: 's3.amazonaws.com',
      SourceAccount: TEST_ACCOUNT,
      SourceArn: { 'Fn::GetAtt': [mailBucket, 'Arn'] },
    });
  });

  it('gives the intake Lambda the state machine ARN and only GetObject on emails/, StartExecution and its failure queue', () => {
    const stateMachine = logicalIdOf(template, 'AWS::StepFunctions::StateMachine', 'WorkflowStateMachine');
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'intake-dev-intake',
      Environment: {
        Variables: Match.objectLike({
          [ENV.stateMachineArn]: { Ref: stateMachine },
          [ENV.mailBucket]: { Ref: mailBucket },
        }),
      },
    });
    const role = logicalIdOf(template, 'AWS::IAM::Role', 'MailIntakeIntakeHandlerRole');
    const statements = statementsOfRole(template, role).filter(
      (s) => s.Sid !== 'WriteOwnLogs' && !String(s.Action).startsWith('xray:'),
    );
    expect(statements).toEqual([
      expect.objectContaining({ Sid: 'BlobsReadObjects', Action: 's3:GetObject' }),
      expect.objectContaining({
        Sid: 'StarterStateMachine',
        Action: 'states:StartExecution',
        Resource: { Ref: stateMachine },
      }),
      expect.objectContaining({
        // CDK's grant for a failure destination: send, and find the queue.
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: {
          'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'MailIntakeIntakeFailures'), 'Arn'],
        },
      }),
    ]);
  });
});

describe('intake failures', () => {
  const queue = logicalIdOf(template, 'AWS::SQS::Queue', 'MailIntakeIntakeFailures');

  it('sends S3 events that failed the intake three times to an encrypted, TLS-only queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'intake-dev-intake-failures',
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
  });
});
