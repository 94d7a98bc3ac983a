import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeploySettings } from '../config.ts';
import { HANDLERS, handlerEntry, type HandlerName } from '../handlers.ts';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '#contracts/metrics.ts';
import { REASONS } from '../nag.ts';
import { dataRemovalPolicy, retentionDays } from '../retention.ts';
import { grantStatements, type GrantStatement } from '../grants.ts';
import { lambdaBundleCode } from './lambda-code.ts';

/** The alias name of the version in service. */
export const LIVE_ALIAS = 'live';

export interface HandlerFunctionProps {
  readonly config: DeploySettings;
  readonly name: HandlerName;
  /** Non-secret configuration (the variables of shared/config.ts). */
  readonly environment: Record<string, string>;
}

/**
 * One Lambda handler: an esbuild bundle (lib/bundling.ts) on ARM64 and the latest Node.js runtime, with
 * Powertools settings, active tracing, its own log group with retention and its own role that starts
 * with nothing but writing to that log group — every other permission is granted explicitly.
 */
export class HandlerFunction extends Construct {
  readonly function: lambda.Function;
  /**
   * The alias every invoker calls (S3, Step Functions, EventBridge): it points at the published
   * version of this code, and CodeDeploy shifts it to a new version gradually (lib/constructs/lambda-canary.ts).
   */
  readonly live: lambda.Alias;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const { config, name } = props;
    const spec = HANDLERS[name];
    const functionName = `${config.prefix}-${name}`;
    const removalPolicy = dataRemovalPolicy(config);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: retentionDays(config.logRetentionDays),
      removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${functionName}: only what the ${name} handler calls`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const root = path.resolve(config.lambdaRoot, '..');
    this.function = new lambda.Function(this, 'Function', {
      functionName,
      description: spec.description,
      code: lambdaBundleCode(root, path.resolve(handlerEntry(config.lambdaRoot, name))),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memorySize,
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: config.envName === 'prod' ? 'INFO' : 'DEBUG',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.live = new lambda.Alias(this, 'Live', {
      aliasName: LIVE_ALIAS,
      version: this.function.currentVersion,
    });
    // Added by CDK for Tracing.ACTIVE.
    Validations.of(this.role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: REASONS.xray });
  }

  /** Adds the statements built from the handler's adapters (lib/grants.ts). */
  allowAll(statements: readonly GrantStatement[]): void {
    grantStatements(this.role, statements);
  }
}
