import { Arn, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DeploySettings } from '../config.ts';
import { ASL_FUNCTION_PLACEHOLDERS, ASL_TABLE_PLACEHOLDERS, type HandlerName } from '../handlers.ts';
import { REASONS, acknowledgeWildcardResources } from '../nag.ts';
import { dataRemovalPolicy, retentionDays } from '../retention.ts';
import { grantResources, handlerGrants } from '../grants.ts';
import { HandlerFunction } from './handler-function.ts';
import type { StateAndQueues } from './state-and-queues.ts';

export interface WorkflowProps {
  readonly config: DeploySettings;
  readonly state: StateAndQueues;
  readonly mailBucket: s3.IBucket;
  /** The variables of shared/config.ts, common to every handler. */
  readonly environment: Record<string, string>;
}

type WorkflowHandler = Exclude<HandlerName, 'intake' | 'queue-backlog' | 'record-execution-end'>;

/** `arn:aws:ses:<region>:<account>:identity/<domain>` for each mail domain. */
export const sesIdentityArns = (scope: Construct, domains: readonly string[]): string[] =>
  domains.map((domain) =>
    Arn.format({ service: 'ses', resource: 'identity', resourceName: domain }, Stack.of(scope)),
  );

/**
 * The `email-processor` state machine, deployed from `statemachines/email-processor.asl.json` with
 * definition substitutions (the deployed definition is that file), and the five Lambda handlers it
 * invokes, each with the permissions its handler's adapters declare. A definition from a file gets no
 * automatic grants, so the state machine's role is written out here from what the file calls.
 */
export class Workflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly functions: Record<WorkflowHandler, HandlerFunction>;
  /** Records executions that ended without an outcome (stopped, timed out, a failed Record step). */
  readonly executionEndRecorder: HandlerFunction;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const { config, state, mailBucket, environment } = props;
    const removalPolicy = dataRemovalPolicy(config);
    const fn = (name: WorkflowHandler | 'record-execution-end', logicalId: string) =>
      new HandlerFunction(this, logicalId, { config, name, environment });
    const identities = sesIdentityArns(this, config.mailDomains);

    const stateMachineName = `${config.prefix}-email-processor`;
    const executions = Arn.format(
      {
        service: 'states',
        resource: 'execution',
        resourceName: `${stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      Stack.of(this),
    );
    const resources = grantResources(state, mailBucket, identities, { executions });
    // Each role holds what the adapters of its handler's dependency set declare (lib/grants.ts).
    const withGrants = (name: WorkflowHandler | 'record-execution-end', logicalId: string) => {
      const handler = fn(name, logicalId);
      handler.allowAll(handlerGrants(name, resources));
      return handler;
    };
    const parseEmail = withGrants('parse-email', 'ParseEmail');
    const claimJob = withGrants('claim-job', 'ClaimJob');
    const recordInterruption = withGrants('record-interruption', 'RecordInterruption');
    const finishJob = withGrants('finish-job', 'FinishJob');
    const handleTimeout = withGrants('handle-timeout', 'HandleTimeout');

    this.functions = {
      'parse-email': parseEmail,
      'claim-job': claimJob,
      'record-interruption': recordInterruption,
      'finish-job': finishJob,
      'handle-timeout': handleTimeout,
    };

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: retentionDays(config.logRetentionDays),
      removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `${stateMachineName}: the Lambda functions and queues its definition calls`,
    });
    const invoked = Object.values(ASL_FUNCTION_PLACEHOLDERS).map(
      (name) => this.functions[name].function.functionArn,
    );
    const uniqueInvoked = [...new Set(invoked)];
    const versions = uniqueInvoked.map((arn) => `${arn}:*`);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeWorkflowFunctions',
        actions: ['lambda:InvokeFunction'],
        resources: [...uniqueInvoked, ...versions],
      }),
    );
    acknowledgeWildcardResources(this.role, versions, REASONS.functionVersions);
    // QueueJob, SendInterrupt and DeadLetterJob.
    const queues = [
      state.queueArnPattern('input'),
      state.queueArnPattern('interrupt'),
      state.queueArnPattern('dlq'),
    ];
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SendToProjectQueues',
        actions: ['sqs:SendMessage'],
        resources: queues,
      }),
    );
    acknowledgeWildcardResources(this.role, queues, REASONS.queuesAtRunTime);
    // RunJob parks its task token on the lease (aws-sdk:dynamodb:updateItem.waitForTaskToken).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ParkRunTokenOnLease',
        actions: ['dynamodb:UpdateItem'],
        resources: [state.activeJobs.tableArn],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for tracing and logging: xray:PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets and the CloudWatch Logs vended-delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) have no resource-level permissions, and Step Functions needs them to deliver execution logs and traces.',
    });

    const tableNames = { activeJobsTable: state.activeJobs.tableName };
    const definitionSubstitutions = {
      ...Object.fromEntries(
        Object.entries(ASL_FUNCTION_PLACEHOLDERS).map(([placeholder, name]) => [
          placeholder,
          this.functions[name].live.functionArn,
        ]),
      ),
      ...Object.fromEntries(
        Object.entries(ASL_TABLE_PLACEHOLDERS).map(([placeholder, field]) => [
          placeholder,
          tableNames[field],
        ]),
      ),
    };
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(config.stateMachineDefinitionFile),
      definitionSubstitutions,
      role: this.role,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      removalPolicy,
    });

    // Every email ends in one recorded outcome, also when its execution ends without a Record* state.
    this.executionEndRecorder = withGrants('record-execution-end', 'RecordExecutionEnd');
    new events.Rule(this, 'ExecutionEnded', {
      description: `${stateMachineName} executions that did not succeed`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [this.stateMachine.stateMachineArn],
          status: ['ABORTED', 'TIMED_OUT', 'FAILED'],
        },
      },
      targets: [new targets.LambdaFunction(this.executionEndRecorder.live, { retryAttempts: 8 })],
    });
  }
}
