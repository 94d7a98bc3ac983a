import { grantResources } from './grants.ts';
import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config.ts';
import type { DeploySettings } from './config.ts';
import { MailIntake } from './constructs/mail-intake.ts';
import { LambdaCanary } from './constructs/lambda-canary.ts';
import { Observability } from './constructs/observability.ts';
import { StateAndQueues } from './constructs/state-and-queues.ts';
import { Workers } from './constructs/workers.ts';
import { Workflow } from './constructs/workflow.ts';
import { WORKFLOW_HANDLERS } from './handlers.ts';
import { acknowledgeCdkInternals } from './nag.ts';
import { addStackOutputs } from './stack-outputs.ts';

export interface IntakeStackProps extends StackProps {
  readonly config: DeploySettings;
}

/**
 * One environment of intake: `intake-<env>`. Its parts are constructs with one job each —
 * {@link StateAndQueues}, {@link MailIntake}, {@link Workflow}, {@link Workers}, {@link Observability} —
 * in one stack, because they reference each other both ways (bucket → intake Lambda → state machine →
 * handlers → bucket) and deploy together; prod keeps its data through RETAIN removal policies,
 * deletion protection and termination protection instead of a separate stack.
 */
/**
 * Resource types CDK would tag but whose CloudFormation schema lacks `Tags` in some regions (cfn-lint
 * E3002 against the per-region resource schemas): a template that tags them fails validation there.
 */
export const UNTAGGED_RESOURCE_TYPES = [
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::CloudWatch::Dashboard',
] as const;

export class IntakeStack extends Stack {
  readonly state: StateAndQueues;
  readonly mail: MailIntake;
  readonly workflow: Workflow;
  readonly workers: Workers;
  readonly observability: Observability;
  readonly deployments: LambdaCanary;

  constructor(scope: Construct, id: string, props: IntakeStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.retainData });
    const { config } = props;
    const tagged = { excludeResourceTypes: [...UNTAGGED_RESOURCE_TYPES] };
    Tags.of(this).add('app', 'intake', tagged);
    Tags.of(this).add('environment', config.envName, tagged);

    this.state = new StateAndQueues(this, 'State', { config });
    this.mail = new MailIntake(this, 'MailIntake', { config });

    // The configuration every handler and the worker read (shared/config.ts).
    const environment: Record<string, string> = {
      [ENV.mailBucket]: this.mail.bucket.bucketName,
      [ENV.jobsTable]: this.state.jobs.tableName,
      [ENV.activeJobsTable]: this.state.activeJobs.tableName,
      [ENV.interruptionsTable]: this.state.interruptions.tableName,
      [ENV.projectsTable]: this.state.projects.tableName,
      [ENV.admissionWindowsTable]: this.state.admissionWindows.tableName,
      [ENV.slotWaitersTable]: this.state.slotWaiters.tableName,
      [ENV.queuePrefix]: config.queuePrefix,
      [ENV.mailDomain]: config.mailDomains[0] ?? '',
    };

    this.workflow = new Workflow(this, 'Workflow', {
      config,
      state: this.state,
      mailBucket: this.mail.bucket,
      environment,
    });
    const intake = this.mail.startExecutionsOn(
      this.workflow.stateMachine,
      environment,
      grantResources(this.state, this.mail.bucket, []),
    );
    this.workers = new Workers(this, 'Workers', {
      config,
      state: this.state,
      mailBucket: this.mail.bucket,
      environment,
    });
    const functions = [
      intake,
      ...WORKFLOW_HANDLERS.map(
        (name) =>
          this.workflow.functions[
            name as Exclude<typeof name, 'intake' | 'queue-backlog' | 'record-execution-end'>
          ],
      ),
      this.workflow.executionEndRecorder,
      this.workers.backlogFunction,
    ];
    this.observability = new Observability(this, 'Observability', {
      config,
      stateMachine: this.workflow.stateMachine,
      executionLogs: this.workflow.logGroup,
      functions,
      workers: this.workers,
      intakeFailures: this.mail.intakeFailures,
    });
    this.deployments = new LambdaCanary(this, 'Deployments', {
      config,
      functions,
      errorAlarms: this.observability.functionErrorAlarms,
    });

    addStackOutputs(this, {
      stateMachineArn: this.workflow.stateMachine.stateMachineArn,
      jobsTable: this.state.jobs.tableName,
      mailDomain: config.mailDomains[0] ?? '',
    });
    acknowledgeCdkInternals(this);
  }
}
