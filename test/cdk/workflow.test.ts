import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '#shared/config.ts';
import { ASL_FUNCTION_PLACEHOLDERS, ASL_TABLE_PLACEHOLDERS, HANDLER_NAMES } from '../../lib/handlers.ts';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '#contracts/metrics.ts';
import {
  TEST_ACCOUNT,
  TEST_REGION,
  asList,
  logicalIdOf,
  statementsOfRole,
  synthIntake,
  type JsonObject,
} from './synth.ts';

const { template, outdir } = synthIntake({ bundle: true });
const functions = template.findResources('AWS::Lambda::Function', {
  Properties: { FunctionName: Match.stringLikeRegexp('^intake-dev-') },
}) as Record<
  string,
  {
    Properties: JsonObject & {
      FunctionName: string;
      Code: { S3Key: string };
      Environment: { Variables: JsonObject };
    };
  }
>;
const functionId = (handler: string): string => {
  const found = Object.entries(functions).find(
    ([, fn]) => fn.Properties.FunctionName === `intake-dev-${handler}`,
  );
  if (!found) throw new Error(`no function for ${handler}`);
  return found[0];
};
/** The `live` alias of a handler's function: what the state machine invokes. */
const liveAliasId = (handler: string): string => {
  const aliases = template.findResources('AWS::Lambda::Alias', {
    Properties: { FunctionName: { Ref: functionId(handler) }, Name: 'live' },
  });
  const [id] = Object.keys(aliases);
  if (!id) throw new Error(`no live alias for ${handler}`);
  return id;
};
const roleOf = (handler: string): string => {
  const role = functions[functionId(handler)]?.Properties.Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
};
const tableArn = (prefix: string) => ({
  'Fn::GetAtt': [logicalIdOf(template, 'AWS::DynamoDB::Table', prefix), 'Arn'],
});
const mailBucket = logicalIdOf(template, 'AWS::S3::Bucket', 'MailIntakeMail');
const objects = (prefix: string) => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [mailBucket, 'Arn'] }, `/${prefix}*`]],
});
const queues = (pattern: string) => `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:intake-dev-${pattern}`;
const identities = ['intake.example.com', 'specs.example.org'].map(
  (d) => `arn:aws:ses:${TEST_REGION}:${TEST_ACCOUNT}:identity/${d}`,
);

/** A role's statements minus the two every handler has (own logs, X-Ray), as Sid → {actions, resources}. */
const sorted = <T>(items: T[]): T[] =>
  [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const grantsOf = (handler: string) =>
  Object.fromEntries(
    statementsOfRole(template, roleOf(handler))
      .filter((s) => s.Sid !== 'WriteOwnLogs' && !asList(s.Action).every((a) => a.startsWith('xray:')))
      .map((s) => [s.Sid, { actions: asList(s.Action).sort(), resources: sorted(asList(s.Resource)) }]),
  );

describe('Lambda functions', () => {
  it('exist for every handler, on ARM64 and the latest Node.js runtime, traced, with Powertools settings', () => {
    expect(
      Object.values(functions)
        .map((fn) => fn.Properties.FunctionName)
        .sort(),
    ).toEqual(HANDLER_NAMES.map((n) => `intake-dev-${n}`).sort());
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Architectures: ['arm64'],
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: expect.anything() },
      });
      expect(Number(fn.Properties.Timeout)).toBeLessThanOrEqual(60);
      expect(Number(fn.Properties.MemorySize)).toBeGreaterThanOrEqual(256);
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
        [ENV.queuePrefix]: 'intake-dev',
        [ENV.mailDomain]: 'intake.example.com',
        [ENV.jobsTable]: { Ref: logicalIdOf(template, 'AWS::DynamoDB::Table', 'StateJobs') },
      });
    }
  });

  it('are esbuild bundles: one minified ESM file with its source map, the AWS SDK inside', () => {
    for (const fn of Object.values(functions)) {
      const dir = path.join(outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      expect(existsSync(path.join(dir, 'index.mjs'))).toBe(true);
      expect(existsSync(path.join(dir, 'index.mjs.map'))).toBe(true);
      const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      // Minified: few, long lines; no TypeScript left; ESM with the require shim for CJS deps.
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      expect(code).toContain('createRequire');
      expect(code).toMatch(/export\s*\{[^}]*handler/);
      expect(statSync(path.join(dir, 'index.mjs')).size).toBeGreaterThan(1000);
      expect(fn.Properties.Code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    }
  });

  it('each write only to their own log group with a retention', () => {
    for (const handler of HANDLER_NAMES) {
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/aws/lambda/intake-dev-${handler}`,
        RetentionInDays: 14,
      });
      const logs = statementsOfRole(template, roleOf(handler)).find((s) => s.Sid === 'WriteOwnLogs');
      expect(logs?.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    }
  });

  // The roles are built from the adapters' declarations (test/cdk/grants.test.ts proves they match);
  // this spells out what that gives each handler, resources included, for review.
  it('have exactly the permissions their handlers use', () => {
    expect(grantsOf('parse-email')).toEqual({
      BlobsReadObjects: { actions: ['s3:GetObject'], resources: [objects('emails/')] },
      BlobsWrittenObjects: {
        actions: ['s3:PutObject'],
        resources: sorted([objects('instructions/'), objects('attachments/')]),
      },
      ProjectsTable: { actions: ['dynamodb:GetItem'], resources: [tableArn('StateProjects')] },
      JobsTable: { actions: ['dynamodb:UpdateItem'], resources: [tableArn('StateJobs')] },
      AdmissionWindowsTable: {
        actions: ['dynamodb:UpdateItem'],
        resources: [tableArn('StateAdmissionWindows')],
      },
    });
    expect(grantsOf('claim-job')).toEqual({
      LeasesTable: { actions: ['dynamodb:PutItem'], resources: [tableArn('StateActiveJobs')] },
      WaitersTable: {
        actions: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
        resources: [tableArn('StateSlotWaiters')],
      },
      WakerTaskTokens: { actions: ['states:SendTaskSuccess'], resources: ['*'] },
      JobsTable: { actions: ['dynamodb:UpdateItem'], resources: [tableArn('StateJobs')] },
      QueuesQueues: {
        actions: [
          'sqs:CreateQueue',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:SetQueueAttributes',
          'sqs:TagQueue',
        ],
        resources: [queues('*')],
      },
      QueuesNewQueueNotices: {
        actions: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
        resources: [
          { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'StateNewInputQueueNotices'), 'Arn'] },
        ],
      },
    });
    expect(grantsOf('record-interruption')).toEqual({
      LeasesTable: { actions: ['dynamodb:UpdateItem'], resources: [tableArn('StateActiveJobs')] },
      InterruptionsTable: { actions: ['dynamodb:PutItem'], resources: [tableArn('StateInterruptions')] },
      JobsTable: { actions: ['dynamodb:UpdateItem'], resources: [tableArn('StateJobs')] },
    });
    const releasesLease = {
      LeasesTable: { actions: ['dynamodb:DeleteItem'], resources: [tableArn('StateActiveJobs')] },
      WaitersTable: {
        actions: ['dynamodb:DeleteItem', 'dynamodb:Query'],
        resources: [tableArn('StateSlotWaiters')],
      },
      WakerTaskTokens: { actions: ['states:SendTaskSuccess'], resources: ['*'] },
    };
    const recordsOutcome = {
      JobsTable: { actions: ['dynamodb:UpdateItem'], resources: [tableArn('StateJobs')] },
    };
    const notifies = {
      NotifierMailIdentities: { actions: ['ses:SendEmail'], resources: sorted(identities) },
    };
    expect(grantsOf('finish-job')).toEqual({ ...releasesLease, ...recordsOutcome, ...notifies });
    expect(grantsOf('handle-timeout')).toEqual({
      ...releasesLease,
      ...recordsOutcome,
      ...notifies,
    });
    const recorder = grantsOf('record-execution-end');
    expect(Object.keys(recorder).sort()).toEqual([
      'ExecutionStatesExecutions',
      'JobsTable',
      'LeasesTable',
      'WaitersTable',
      'WakerTaskTokens',
    ]);
    expect(recorder).toMatchObject(releasesLease);
    expect(recorder.ExecutionStatesExecutions?.actions).toEqual(['states:GetExecutionHistory']);
    expect(JSON.stringify(recorder.ExecutionStatesExecutions?.resources)).toContain(
      ':execution:intake-dev-email-processor:*',
    );
  });

  it('grant nothing their handlers do not call (the two hand-copied extras are gone)', () => {
    const actionsOf = (handler: string): string[] =>
      Object.values(grantsOf(handler)).flatMap((g) => (g as { actions: string[] }).actions);
    expect(actionsOf('finish-job')).not.toContain('s3:GetObject');
    expect(grantsOf('claim-job').LeasesTable?.actions).not.toContain('dynamodb:GetItem');
  });

  it('hand every execution that did not succeed to the recorder, which records it unless the workflow did', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('WorkflowRecordExecutionEndLive') },
          RetryPolicy: { MaximumRetryAttempts: 8 },
        }),
      ],
    });
  });
});

describe('state machine', () => {
  const [stateMachine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as {
    Properties: {
      DefinitionS3Location: { Key: string };
      DefinitionSubstitutions: Record<string, JsonObject>;
      RoleArn: JsonObject;
    } & JsonObject;
  }[];

  it('deploys the ASL file itself: the definition equals the file after substitution', () => {
    const file = readFileSync('statemachines/email-processor.asl.json', 'utf8');
    const substitutions = stateMachine?.Properties.DefinitionSubstitutions ?? {};
    // Every placeholder in the file is substituted by the ARN of the live alias of the function
    // lib/handlers.ts names (an alias's Ref is its ARN).
    const placeholders = [...new Set([...file.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]))].sort();
    expect(placeholders).toEqual(
      [...Object.keys(ASL_FUNCTION_PLACEHOLDERS), ...Object.keys(ASL_TABLE_PLACEHOLDERS)].sort(),
    );
    for (const [placeholder, handler] of Object.entries(ASL_FUNCTION_PLACEHOLDERS)) {
      expect(substitutions[placeholder]).toEqual({ Ref: liveAliasId(handler) });
    }
    expect(substitutions.ActiveJobsTableName).toEqual({
      Ref: logicalIdOf(template, 'AWS::DynamoDB::Table', 'StateActiveJobs'),
    });
    const substitute = (text: string) =>
      text.replace(/\$\{(\w+)\}/g, (_match, key: string) =>
        JSON.stringify(`TOKEN[${JSON.stringify(substitutions[key])}]`).slice(1, -1),
      );
    // CDK uploads the file unchanged as an asset; CloudFormation applies the substitutions.
    const deployed = readFileSync(
      path.join(outdir, `asset.${stateMachine?.Properties.DefinitionS3Location.Key ?? ''}`),
      'utf8',
    );
    expect(deployed).toBe(file);
    const parsed = JSON.parse(substitute(deployed)) as JsonObject;
    expect(parsed).toEqual(JSON.parse(substitute(file)));
    expect(JSON.stringify(parsed)).not.toMatch(/\$\{/);
    const states = parsed.States as Record<string, { Parameters?: { FunctionName?: string } }>;
    expect(states.ParseEmail?.Parameters?.FunctionName).toBe(
      `TOKEN[${JSON.stringify({ Ref: liveAliasId('parse-email') })}]`,
    );
  });

  it('is a traced Standard workflow that logs everything to a log group with retention', () => {
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', 'WorkflowExecutionLogs');
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/intake-dev-email-processor',
      RetentionInDays: 14,
    });
    expect(stateMachine?.Properties).toMatchObject({
      StateMachineName: 'intake-dev-email-processor',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroup, 'Arn'] } } }],
      },
    });
  });

  it('has a role that may invoke exactly the five functions and send to the input, interrupt and dead-letter queues', () => {
    const role = logicalIdOf(template, 'AWS::IAM::Role', 'WorkflowRole');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'states.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT } },
          }),
        ],
      },
    });
    const statements = statementsOfRole(template, role);
    const invoke = statements.find((s) => s.Sid === 'InvokeWorkflowFunctions');
    const arns = [...new Set(Object.values(ASL_FUNCTION_PLACEHOLDERS))].map((h) => ({
      'Fn::GetAtt': [functionId(h), 'Arn'],
    }));
    expect(invoke?.Action).toBe('lambda:InvokeFunction');
    expect(sorted(asList(invoke?.Resource))).toEqual(
      sorted([...arns, ...arns.map((arn) => ({ 'Fn::Join': ['', [arn, ':*']] }))]),
    );
    expect(statements.find((s) => s.Sid === 'SendToProjectQueues')).toMatchObject({
      Action: 'sqs:SendMessage',
      Resource: [queues('dlq-*'), queues('input-*'), queues('interrupt-*')],
    });
    expect(statements.find((s) => s.Sid === 'ParkRunTokenOnLease')).toMatchObject({
      Action: 'dynamodb:UpdateItem',
      Resource: {
        'Fn::GetAtt': [logicalIdOf(template, 'AWS::DynamoDB::Table', 'StateActiveJobs'), 'Arn'],
      },
    });
    // The rest is what CDK adds for logging and tracing, and nothing else.
    const others = statements.filter((s) => s.Sid === undefined).flatMap((s) => asList(s.Action));
    for (const action of others) expect(action).toMatch(/^(logs|xray):/);
  });
});
