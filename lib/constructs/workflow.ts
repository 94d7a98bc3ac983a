import { Arn, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { IntakeConfig } from '../config.ts';
import { ASL_FUNCTION_PLACEHOLDERS, ASL_TABLE_PLACEHOLDERS, type HandlerName } from '../handlers.ts';
import { REASONS, acknowledgeWildcardResources } from '../nag.ts';
import { dataRemovalPolicy, retentionDays } from '../retention.ts';
import { HandlerFunction } from './handler-function.ts';
import { MAIL_PREFIX } from './mail-intake.ts';
import type { StateAndQueues } from './state-and-queues.ts';

export interface WorkflowProps {
  readonly config: IntakeConfig;
  readonly state: StateAndQueues;
  readonly mailBucket: s3.IBucket;
  /** The variables of lambdas/shared/config.ts, common to every handler. */
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
 * invokes, each with exactly the permissions its handler uses. A definition from a file gets no
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
    const emails = mailBucket.arnForObjects(`${MAIL_PREFIX.emails}*`);
    const identities = sesIdentityArns(this, config.mailDomains);

    // Releasing a slot hands it on: read the slot's waiters, wake the oldest, drop those whose task is gone.
    const wakesWaiters = (handler: HandlerFunction) => {
      handler.allow(
        'WakeSlotWaiters',
        ['dynamodb:Query', 'dynamodb:DeleteItem'],
        [state.slotWaiters.tableArn],
      );
      handler.allow('WakeWaitingTask', ['states:SendTaskSuccess'], ['*'], REASONS.taskTokens);
    };

    const parseEmail = fn('parse-email', 'ParseEmail');
    parseEmail.allow('ReadRawEmails', ['s3:GetObject'], [emails], REASONS.rawEmails);
    parseEmail.allow(
      'StoreInstructionAndAttachments',
      ['s3:PutObject'],
      [
        mailBucket.arnForObjects(`${MAIL_PREFIX.instructions}*`),
        mailBucket.arnForObjects(`${MAIL_PREFIX.attachments}*`),
      ],
      REASONS.jobObjects,
    );
    parseEmail.allow('ReadProjects', ['dynamodb:GetItem'], [state.projects.tableArn]);
    parseEmail.allow('RecordJob', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], [state.jobs.tableArn]);
    parseEmail.allow('CountAdmissions', ['dynamodb:UpdateItem'], [state.admissionWindows.tableArn]);

    const claimJob = fn('claim-job', 'ClaimJob');
    claimJob.allow('ClaimSlot', ['dynamodb:PutItem', 'dynamodb:GetItem'], [state.activeJobs.tableArn]);
    claimJob.allow(
      'ParkOnSlot',
      ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      [state.slotWaiters.tableArn],
    );
    claimJob.allow('AnswerOwnTask', ['states:SendTaskSuccess'], ['*'], REASONS.taskTokens);
    claimJob.allow('ReadProjects', ['dynamodb:GetItem'], [state.projects.tableArn]);
    claimJob.allow('RecordJob', ['dynamodb:UpdateItem'], [state.jobs.tableArn]);
    claimJob.allow(
      'CreateProjectQueues',
      [
        'sqs:CreateQueue',
        'sqs:GetQueueUrl',
        'sqs:GetQueueAttributes',
        'sqs:SetQueueAttributes',
        'sqs:TagQueue',
      ],
      [state.queueArnPattern()],
      REASONS.queuesAtRunTime,
    );

    const recordInterruption = fn('record-interruption', 'RecordInterruption');
    recordInterruption.allow('FlagLease', ['dynamodb:UpdateItem'], [state.activeJobs.tableArn]);
    recordInterruption.allow('AuditInterruption', ['dynamodb:PutItem'], [state.interruptions.tableArn]);
    recordInterruption.allow('RecordJob', ['dynamodb:UpdateItem'], [state.jobs.tableArn]);

    const finishJob = fn('finish-job', 'FinishJob');
    finishJob.allow('ReleaseSlot', ['dynamodb:DeleteItem'], [state.activeJobs.tableArn]);
    wakesWaiters(finishJob);
    finishJob.allow('RecordOutcome', ['dynamodb:UpdateItem'], [state.jobs.tableArn]);
    finishJob.allow('ReadRawEmails', ['s3:GetObject'], [emails], REASONS.rawEmails);
    finishJob.allow('ReplyFromMailDomain', ['ses:SendEmail', 'ses:SendRawEmail'], identities);

    const handleTimeout = fn('handle-timeout', 'HandleTimeout');
    handleTimeout.allow('ReleaseSlot', ['dynamodb:DeleteItem'], [state.activeJobs.tableArn]);
    wakesWaiters(handleTimeout);
    handleTimeout.allow('RecordOutcome', ['dynamodb:UpdateItem'], [state.jobs.tableArn]);
    handleTimeout.allow('NotifySender', ['ses:SendEmail'], identities);

    this.functions = {
      'parse-email': parseEmail,
      'claim-job': claimJob,
      'record-interruption': recordInterruption,
      'finish-job': finishJob,
      'handle-timeout': handleTimeout,
    };

    const stateMachineName = `${config.prefix}-email-processor`;
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
    // RunJob parks its task token on the slot's lease (aws-sdk:dynamodb:updateItem.waitForTaskToken).
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
    this.executionEndRecorder = fn('record-execution-end', 'RecordExecutionEnd');
    const executions = Arn.format(
      {
        service: 'states',
        resource: 'execution',
        resourceName: `${stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      Stack.of(this),
    );
    this.executionEndRecorder.allow(
      'ReadExecutionHistory',
      ['states:GetExecutionHistory'],
      [executions],
      'Execution ARNs are created per email at run time; the grant covers the executions of this one state machine only.',
    );
    this.executionEndRecorder.allow('ReleaseSlot', ['dynamodb:DeleteItem'], [state.activeJobs.tableArn]);
    wakesWaiters(this.executionEndRecorder);
    this.executionEndRecorder.allow('RecordOutcome', ['dynamodb:UpdateItem'], [state.jobs.tableArn]);
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
