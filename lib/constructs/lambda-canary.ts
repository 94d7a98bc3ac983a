import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { DeploySettings } from '../config.ts';
import type { HandlerFunction } from './handler-function.ts';

export interface LambdaCanaryProps {
  readonly config: DeploySettings;
  /** The handlers whose `live` alias CodeDeploy shifts. */
  readonly functions: readonly HandlerFunction[];
  /** Each handler's error alarm: in alarm during a deployment, the alias goes back to the old version. */
  readonly errorAlarms: ReadonlyMap<HandlerFunction, cloudwatch.IAlarm>;
}

/** 10% of invocations on the new version for 5 minutes, then all of them. */
export const LAMBDA_DEPLOYMENT_CONFIG = codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES;

/**
 * Gradual Lambda deployments, the serverless form of blue-green: every handler is invoked through
 * its `live` alias, and a code change publishes a new version that CodeDeploy moves the alias to,
 * 10% of traffic first. If the function's error alarm fires meanwhile, or the deployment fails or
 * is stopped, CodeDeploy moves the alias back and the CloudFormation update rolls back.
 */
export class LambdaCanary extends Construct {
  readonly application: codedeploy.LambdaApplication;
  readonly groups = new Map<HandlerFunction, codedeploy.LambdaDeploymentGroup>();

  constructor(scope: Construct, id: string, props: LambdaCanaryProps) {
    super(scope, id);
    const { config } = props;
    this.application = new codedeploy.LambdaApplication(this, 'Application', {
      applicationName: `${config.prefix}-functions`,
    });
    // One role for every group: CodeDeploy's own managed policy for Lambda deployments.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com'),
      description: `${config.prefix}: CodeDeploy shifts the handlers' live aliases`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSCodeDeployRoleForLambdaLimited'),
      ],
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        "AWS's managed policy for CodeDeploy Lambda deployments, limited to what a deployment does: read and update function aliases, read alarms, publish to SNS topics named CodeDeployTopic*. CodeDeploy invokes no hook functions here.",
    });

    for (const handler of props.functions) {
      const alarm = props.errorAlarms.get(handler);
      if (!alarm) throw new Error(`${handler.node.path}: no error alarm to roll its deployments back on`);
      this.groups.set(
        handler,
        new codedeploy.LambdaDeploymentGroup(this, handler.node.id, {
          application: this.application,
          deploymentGroupName: `${config.prefix}-${handler.node.id}`,
          alias: handler.live,
          deploymentConfig: LAMBDA_DEPLOYMENT_CONFIG,
          role,
          alarms: [alarm],
          autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
        }),
      );
    }
  }
}
