import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { capacitySteps } from '../../lib/constructs/workers.ts';
import { HANDLER_NAMES } from '../../lib/handlers.ts';
import { UNTAGGED_RESOURCE_TYPES } from '../../lib/intake-stack.ts';
import { MODEL_KEY_PLACEHOLDER, MODEL_KEY_SECRET_ENV } from '#contracts/model-key.ts';
import {
  TEST_ACCOUNT,
  TEST_REGION,
  asList,
  logicalIdOf,
  statementsOfRole,
  synthIntake,
  type JsonObject,
} from './synth.ts';

// prod: the environment whose data must survive, with a worker minimum of zero to check that it is allowed.
const { template } = synthIntake({ env: 'prod', context: { workerMinCapacity: 0, workerMaxCapacity: 6 } });

describe('tables', () => {
  const tables = template.findResources('AWS::DynamoDB::Table') as Record<
    string,
    { Properties: JsonObject; DeletionPolicy: string }
  >;

  it('are on demand, encrypted, with point-in-time recovery, string pk (and sk), TTL where the model has one', () => {
    const byName = Object.fromEntries(
      Object.values(tables).map((t) => [t.Properties.TableName, t.Properties]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      'intake-prod-active-jobs',
      'intake-prod-admission-windows',
      'intake-prod-interruptions',
      'intake-prod-jobs',
      'intake-prod-projects',
      'intake-prod-slot-waiters',
    ]);
    for (const table of Object.values(byName)) {
      expect(table).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      });
    }
    expect(byName['intake-prod-jobs']?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(byName['intake-prod-interruptions']?.TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
    expect(byName['intake-prod-admission-windows']?.TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
    expect(byName['intake-prod-active-jobs']?.TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
    expect(byName['intake-prod-active-jobs']?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(byName['intake-prod-projects']?.TimeToLiveSpecification).toBeUndefined();
    expect(byName['intake-prod-slot-waiters']?.TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
  });

  it('are kept in prod, as are the mail bucket and the workspaces', () => {
    const kept = { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' };
    for (const table of Object.values(tables)) expect(table).toMatchObject(kept);
    template.hasResource('AWS::S3::Bucket', {
      ...kept,
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
    });
    template.hasResource('AWS::EFS::FileSystem', kept);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('never leaves a resource behind when its first create fails, so a retried deploy cannot hit "already exists"', () => {
    const resources = Object.entries(template.toJSON().Resources as Record<string, JsonObject>);
    // A fixed physical name (TableName, BucketName, LogGroupName, …) is what a leftover collides with.
    const fixedName = (resource: JsonObject) =>
      Object.entries((resource.Properties ?? {}) as JsonObject).some(
        ([key, value]) =>
          /Name$/.test(key) && (typeof value === 'string' || JSON.stringify(value).includes('intake-')),
      );
    const retainedOnCreate = resources.filter(
      ([, resource]) => resource.DeletionPolicy === 'Retain' && fixedName(resource),
    );
    expect(retainedOnCreate.map(([id]) => id)).toEqual([]);
    expect(resources.filter(([, r]) => r.DeletionPolicy === 'RetainExceptOnCreate').length).toBeGreaterThan(
      5,
    );
  });
});

describe('workers', () => {
  it('run an ARM64 Fargate task with the key from Secrets Manager, logs and the EFS workspaces', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      // Repository caches and worktrees on task-local storage, where the uid sandbox can lend them.
      EphemeralStorage: { SizeInGiB: 50 },
      Volumes: [
        { Name: 'scratch' },
        Match.objectLike({
          Name: 'workspaces',
          EFSVolumeConfiguration: Match.objectLike({
            TransitEncryption: 'ENABLED',
            AuthorizationConfig: Match.objectLike({ IAM: 'ENABLED' }),
          }),
        }),
      ],
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'story-processor',
          Secrets: [
            {
              Name: 'ANTHROPIC_API_KEY',
              ValueFrom: {
                Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'WorkersAnthropicApiKey'),
              },
            },
          ],
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          MountPoints: [
            // Under the image's root-only /durable: EFS answers every uid as the access point's user.
            { ContainerPath: '/durable/workspaces', ReadOnly: false, SourceVolume: 'workspaces' },
            { ContainerPath: '/scratch', ReadOnly: false, SourceVolume: 'scratch' },
          ],
          // The uid sandbox: root to lend uids, only the capabilities it uses, none added.
          User: '0',
          LinuxParameters: {
            Capabilities: {
              Drop: [
                'AUDIT_WRITE',
                'FOWNER',
                'FSETID',
                'MKNOD',
                'NET_BIND_SERVICE',
                'NET_RAW',
                'SETFCAP',
                'SYS_CHROOT',
              ],
            },
          },
          Environment: Match.arrayWith([
            { Name: 'WORKSPACE_ROOT', Value: '/durable/workspaces' },
            { Name: 'REMOTE_WORKSPACE_ROOT', Value: '/scratch/workspaces' },
            { Name: 'SANDBOX_MODE', Value: 'uid' },
            { Name: 'SANDBOX_UID_NETWORK', Value: 'accept' },
          ]),
        }),
      ],
    });
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as {
      Properties: { ContainerDefinitions: { Environment: { Name: string }[] }[] };
    }[];
    const names = task?.Properties.ContainerDefinitions[0]?.Environment.map((e) => e.Name) ?? [];
    expect(names.some((name) => /KEY|SECRET|TOKEN|PASSWORD/i.test(name))).toBe(false);
    template.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: '10001', Gid: '10001' },
      RootDirectory: Match.objectLike({ Path: '/workspaces' }),
    });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
  });

  it('can start on a first deploy: the stack owns the key secret (a placeholder until set) and the service starts at zero tasks', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: Match.objectLike({
        Name: 'intake/prod/anthropic-api-key',
        SecretString: MODEL_KEY_PLACEHOLDER,
      }),
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 0,
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: MODEL_KEY_SECRET_ENV, Value: 'intake/prod/anthropic-api-key' },
          ]),
        }),
      ],
    });
  });

  it("have a task role with exactly the worker's permissions", () => {
    const role = logicalIdOf(template, 'AWS::IAM::Role', 'WorkersTaskTaskRole');
    const bySid = Object.fromEntries(
      statementsOfRole(template, role).map((s) => [s.Sid ?? asList(s.Action).join(','), s]),
    );
    const queues = (kind: string) => `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:intake-prod-${kind}-*`;
    // Built from the worker's adapters (grants.test.ts checks the actions against their declarations).
    expect(Object.keys(bySid).sort()).toEqual(
      [
        'QueueQueues',
        'QueueQueueList',
        'NoticesNewQueueNotices',
        'CallbacksTaskTokens',
        'RecordsTable',
        'LeasesTable',
        'BlobsReadObjects',
        'MailerMailIdentities',
        'CredentialsRepositorySecrets',
        'elasticfilesystem:ClientMount,elasticfilesystem:ClientWrite',
      ].sort(),
    );
    // The job queues and the interrupt queues only: the worker never touches a dead-letter queue.
    expect(bySid.QueueQueues?.Resource).toEqual([queues('input'), queues('interrupt')]);
    expect(asList(bySid.QueueQueues?.Action ?? []).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:ReceiveMessage',
    ]);
    expect(bySid.QueueQueueList).toMatchObject({ Action: 'sqs:ListQueues', Resource: '*' });
    // The stack's one notices queue, long-polled for new input queues.
    expect(asList(bySid.NoticesNewQueueNotices?.Action ?? []).sort()).toEqual([
      'sqs:DeleteMessage',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    expect(bySid.NoticesNewQueueNotices?.Resource).toEqual({
      'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'StateNewInputQueueNotices'), 'Arn'],
    });
    expect(asList(bySid.CallbacksTaskTokens?.Action ?? []).sort()).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
      'states:SendTaskSuccess',
    ]);
    expect(JSON.stringify(bySid.RecordsTable?.Resource)).toContain('StateJobs');
    expect(JSON.stringify(bySid.LeasesTable?.Resource)).toContain('StateActiveJobs');
    expect(JSON.stringify(bySid.BlobsReadObjects?.Resource)).toContain('/instructions/*');
    expect(JSON.stringify(bySid.BlobsReadObjects?.Resource)).toContain('/attachments/*');
    expect(JSON.stringify(bySid.BlobsReadObjects?.Resource)).not.toContain('/emails/');
    // Repository tokens: read-only, and only the secrets under the repository-secret prefix.
    expect(bySid.CredentialsRepositorySecrets).toMatchObject({ Action: 'secretsmanager:GetSecretValue' });
    expect(JSON.stringify(bySid.CredentialsRepositorySecrets?.Resource)).toContain(
      `:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:intake/prod/repositories/*`,
    );
    const secretStatements = Object.values(bySid).filter((statement) =>
      asList(statement.Action).some((action) => String(action).startsWith('secretsmanager:')),
    );
    expect(secretStatements).toHaveLength(1);
  });

  it('tells the worker the repository-secret prefix', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'REPOSITORY_CREDENTIALS_PREFIX', Value: 'intake/prod/repositories/' },
          ]),
        }),
      ]),
    });
  });

  it('scale on the backlog of the run-time input queues, down to the configured minimum (zero allowed)', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 6,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
    const alarms = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        Metrics: Match.arrayWith([Match.objectLike({ Expression: 'waiting + running' })]),
      },
    });
    expect(Object.keys(alarms)).toHaveLength(2);
    for (const alarm of Object.values(alarms) as {
      Properties: { Metrics: JsonObject[]; AlarmActions: JsonObject[] };
    }[]) {
      const inputs = alarm.Properties.Metrics.filter((metric) => metric.MetricStat);
      expect(inputs.map((metric) => metric.MetricStat)).toEqual([
        expect.objectContaining({
          Metric: {
            Namespace: 'Intake',
            MetricName: 'WaitingJobs',
            Dimensions: [{ Name: 'QueuePrefix', Value: 'intake-prod' }],
          },
          Stat: 'Maximum',
          Period: 60,
        }),
        expect.objectContaining({
          Metric: {
            Namespace: 'Intake',
            MetricName: 'RunningJobs',
            Dimensions: [{ Name: 'QueuePrefix', Value: 'intake-prod' }],
          },
        }),
      ]);
      const policies = Object.keys(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(policies).toContain((alarm.Properties.AlarmActions[0] as { Ref: string }).Ref);
    }
    const policies = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')) as {
      Properties: {
        StepScalingPolicyConfiguration: { AdjustmentType: string; StepAdjustments: JsonObject[] };
      };
    }[];
    for (const policy of policies) {
      expect(policy.Properties.StepScalingPolicyConfiguration.AdjustmentType).toBe('ExactCapacity');
    }
    const capacities = policies.flatMap((policy) =>
      policy.Properties.StepScalingPolicyConfiguration.StepAdjustments.map((step) => step.ScalingAdjustment),
    );
    expect(Math.min(...(capacities as number[]))).toBe(0);
    expect(Math.max(...(capacities as number[]))).toBe(6);
  });

  it('sizes the service to the jobs: enough tasks for every waiting or running job, within the bounds', () => {
    expect(capacitySteps({ minCapacity: 0, maxCapacity: 3, jobsPerTask: 2 })).toEqual([
      { upper: 0.5, change: 0 },
      { lower: 0.5, upper: 2.5, change: 1 },
      { lower: 2.5, upper: 4.5, change: 2 },
      { lower: 4.5, change: 3 },
    ]);
    expect(capacitySteps({ minCapacity: 2, maxCapacity: 3, jobsPerTask: 1 })[1]).toEqual({
      lower: 0.5,
      upper: 1.5,
      change: 2,
    });
  });

  it('has scaling alarms that can never both be in alarm for one job count', () => {
    const thresholds = (of: Template) => {
      const alarms = Object.values(of.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
        JSON.stringify(alarm).includes('ScaleOnJobs'),
      ) as { Properties: { ComparisonOperator: string; Threshold: number } }[];
      const find = (prefix: string) =>
        alarms.find((a) => a.Properties.ComparisonOperator.startsWith(prefix))?.Properties.Threshold ?? NaN;
      return { lower: find('LessThan'), upper: find('GreaterThan') };
    };
    for (const synthesized of [template, synthIntake({ env: 'dev' }).template]) {
      const { lower, upper } = thresholds(synthesized);
      expect(Number.isInteger(lower) || Number.isInteger(upper)).toBe(false);
      expect(lower).toBeLessThanOrEqual(upper);
      // Job counts are whole numbers: none is both ≤ the lower and ≥ the upper threshold.
      for (let jobs = 0; jobs <= 20; jobs++)
        expect(jobs <= lower && jobs >= upper, `${jobs} jobs`).toBe(false);
    }
  });

  it('measures the run-time queues every minute with a function that may only read their depths and publish', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('WorkersQueueBacklogLive') } })],
    });
    const roles = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('QueueBacklogRole') }] },
    });
    const statements = Object.values(roles).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: JsonObject[] } } }).Properties.PolicyDocument
          .Statement,
    );
    const bySid = Object.fromEntries(statements.map((statement) => [statement.Sid, statement]));
    expect(bySid.BacklogPublisherMetricNamespace).toMatchObject({
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Intake' } },
    });
    expect(bySid.QueueDepthsQueueList).toMatchObject({ Action: 'sqs:ListQueues', Resource: '*' });
    expect(bySid.QueueDepthsQueues).toMatchObject({ Action: 'sqs:GetQueueAttributes' });
    expect(JSON.stringify(bySid.QueueDepthsQueues)).toContain('intake-prod-input-*');
    expect(JSON.stringify(bySid.QueueDepthsQueues)).toContain('intake-prod-dlq-*');
  });
});

describe('observability', () => {
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<
    string,
    { Properties: JsonObject & { AlarmName?: string; AlarmActions?: JsonObject[] } }
  >;
  const named = Object.fromEntries(
    Object.values(alarms)
      .filter((a) => a.Properties.AlarmName)
      .map((a) => [a.Properties.AlarmName, a.Properties]),
  );
  const topic = logicalIdOf(template, 'AWS::SNS::Topic', 'ObservabilityAlarms');

  it('has an encrypted, TLS-only topic with the alarm email subscribed', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('alarms to the topic on failed and timed-out executions, dead letters, heartbeat timeouts, Lambda errors and throttles', () => {
    const expected = [
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'DeadLetterMessages',
      'IntakeFailures',
      'WorkerHeartbeatTimeouts',
      ...[
        'IntakeHandler',
        'ParseEmail',
        'ClaimJob',
        'RecordInterruption',
        'FinishJob',
        'HandleTimeout',
        'RecordExecutionEnd',
        'QueueBacklog',
      ].flatMap((f) => [`${f}Errors`, `${f}Throttles`]),
    ].map((name) => `intake-prod-${name}`);
    expect(Object.keys(named).sort()).toEqual(expected.sort());
    expect(HANDLER_NAMES).toHaveLength(8);
    for (const alarm of Object.values(named) as { AlarmActions?: JsonObject[] }[])
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
    expect(named['intake-prod-ExecutionsFailed']).toMatchObject({
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Threshold: 1,
    });
    expect(named['intake-prod-ExecutionsTimedOut']).toMatchObject({
      MetricName: 'ExecutionsTimedOut',
      Namespace: 'AWS/States',
    });
    expect(named['intake-prod-DeadLetterMessages']).toMatchObject({
      Threshold: 1,
      Namespace: 'Intake',
      MetricName: 'DeadLetterMessages',
      Dimensions: [{ Name: 'QueuePrefix', Value: 'intake-prod' }],
    });
    expect(named['intake-prod-WorkerHeartbeatTimeouts']).toMatchObject({
      MetricName: 'WorkerHeartbeatTimeouts',
      Namespace: 'Intake',
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.type = "ExecutionFailed") && ($.details.error = "Job.TimedOut") }',
      MetricTransformations: [
        Match.objectLike({
          MetricName: 'WorkerHeartbeatTimeouts',
          MetricNamespace: 'Intake',
          MetricValue: '1',
        }),
      ],
    });
  });

  it('has a dashboard with the seeded metrics', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: JsonObject };
    }[];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of [
      'EmailsReceived',
      'JobsCompleted',
      'StoryDurationMs',
      'ValidationPassed',
      'ValidationFailed',
      'AutoFixSucceeded',
      'AutoFixFailed',
      'JobsTimedOut',
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('Outcome');
  });
});

describe('tags', () => {
  const resources = Object.values(template.toJSON().Resources as Record<string, JsonObject>);

  it('tags what CloudFormation lets every region tag, and leaves out the types some regions refuse', () => {
    for (const type of UNTAGGED_RESOURCE_TYPES) {
      const ofType = resources.filter((resource) => resource.Type === type);
      expect(ofType.length, type).toBeGreaterThan(0);
      for (const resource of ofType) expect((resource.Properties as JsonObject).Tags, type).toBeUndefined();
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      Tags: Match.arrayWith([{ Key: 'app', Value: 'intake' }]),
    });
  });
});
