import { App, type AppProps } from 'aws-cdk-lib';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { resolveDeploySettings, type DeploySettings } from './config.ts';
import { IntakeStack } from './intake-stack.ts';
import { acknowledgeGuardExceptions } from './policy-checks.ts';

export interface IntakeApp {
  readonly app: App;
  readonly stack: IntakeStack;
  readonly config: DeploySettings;
}

/**
 * Builds the app for one environment (context `env`). The feature flags `cdk init` would write to
 * cdk.json are applied here, so that behaviour does not depend on CDK's legacy defaults (for example
 * ECS services keep their scaled desired count on deploy). Context from cdk.json or `-c` wins.
 */
export const createIntakeApp = (
  props: AppProps = {},
  env: Record<string, string | undefined> = process.env,
): IntakeApp => {
  const app = new App({ ...props, context: { ...CURRENTLY_RECOMMENDED_FLAGS, ...props.context } });
  const config = resolveDeploySettings(app.node, env);
  const stack = new IntakeStack(app, config.prefix, {
    config,
    env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
    description: `intake (${config.envName}): SES → S3 → Lambda → Step Functions → SQS FIFO → ECS story workers`,
  });
  acknowledgeGuardExceptions(stack, config);
  return { app, stack, config };
};
