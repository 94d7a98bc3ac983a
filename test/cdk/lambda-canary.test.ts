import { describe, expect, it } from 'vitest';
import { HANDLER_NAMES } from '../../lib/handlers.ts';
import { synthIntake, type JsonObject } from './synth.ts';

const { template } = synthIntake({ env: 'prod' });

type Resource = { Type: string; Properties: JsonObject; UpdatePolicy?: JsonObject };
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const ref = (value: unknown): string | undefined => (value as { Ref?: string } | undefined)?.Ref;

const aliases = ofType('AWS::Lambda::Alias');
const aliasIds = new Set(aliases.map(([id]) => id));
const groups = Object.fromEntries(ofType('AWS::CodeDeploy::DeploymentGroup'));

describe('gradual Lambda deployments', () => {
  it('give every handler a live alias on a published version of that same function', () => {
    expect(aliases).toHaveLength(HANDLER_NAMES.length);
    for (const [, alias] of aliases) {
      expect(alias.Properties.Name).toBe('live');
      const functionId = ref(alias.Properties.FunctionName) as string;
      expect(resources[functionId]?.Type).toBe('AWS::Lambda::Function');
      const [versionId] = (alias.Properties.FunctionVersion as { 'Fn::GetAtt': [string, string] })[
        'Fn::GetAtt'
      ];
      const version = resources[versionId];
      expect(version?.Type).toBe('AWS::Lambda::Version');
      expect(ref(version?.Properties.FunctionName)).toBe(functionId);
    }
  });

  it('shift each alias with CodeDeploy, 10% for 5 minutes, rolling back on the function’s error alarm', () => {
    for (const [aliasId, alias] of aliases) {
      const update = alias.UpdatePolicy?.CodeDeployLambdaAliasUpdate as JsonObject | undefined;
      expect(update, aliasId).toBeDefined();
      const group = groups[ref(update?.DeploymentGroupName) as string];
      expect(group?.Properties.DeploymentConfigName).toBe('CodeDeployDefault.LambdaCanary10Percent5Minutes');
      expect(group?.Properties.AutoRollbackConfiguration).toEqual({
        Enabled: true,
        Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
      });
      const alarmConfig = group?.Properties.AlarmConfiguration as {
        Enabled: boolean;
        Alarms: { Name: unknown }[];
      };
      expect(alarmConfig.Enabled).toBe(true);
      // The alarm watches this alias's function's Errors.
      const [alarm] = alarmConfig.Alarms.map(({ Name }) => resources[ref(Name) as string]);
      expect(alarm?.Properties.MetricName).toBe('Errors');
      const dimensions = alarm?.Properties.Dimensions as { Name: string; Value: unknown }[];
      expect(dimensions.map((d) => ref(d.Value))).toEqual([ref(alias.Properties.FunctionName)]);
    }
  });

  it('are what every invoker calls: the state machine, the S3 notification and the EventBridge rules', () => {
    const [[, machine]] = ofType('AWS::StepFunctions::StateMachine') as [[string, Resource]];
    const functionArns = Object.entries(machine.Properties.DefinitionSubstitutions as JsonObject).filter(
      ([key]) => key.endsWith('FunctionArn'),
    );
    expect(functionArns.length).toBeGreaterThan(0);
    for (const [key, value] of functionArns) expect(aliasIds.has(ref(value) as string), key).toBe(true);

    const [[, notifications]] = ofType('Custom::S3BucketNotifications') as [[string, Resource]];
    const configurations = (notifications.Properties.NotificationConfiguration as JsonObject)
      .LambdaFunctionConfigurations as JsonObject[];
    for (const configuration of configurations)
      expect(aliasIds.has(ref(configuration.LambdaFunctionArn) as string)).toBe(true);

    const lambdaTargets = ofType('AWS::Events::Rule').flatMap(([, rule]) =>
      (rule.Properties.Targets as JsonObject[]).filter((target) => ref(target.Arn)),
    );
    expect(lambdaTargets.length).toBe(2);
    for (const target of lambdaTargets) expect(aliasIds.has(ref(target.Arn) as string)).toBe(true);

    // Nothing is allowed to invoke an unqualified function: every invoke permission names an alias.
    for (const [id, permission] of ofType('AWS::Lambda::Permission')) {
      const name = ref(permission.Properties.FunctionName);
      if (
        name &&
        resources[name]?.Type === 'AWS::Lambda::Function' &&
        !id.startsWith('BucketNotificationsHandler')
      )
        expect.fail(`${id} lets ${String(permission.Properties.Principal)} invoke ${name} unqualified`);
    }
    const [[, asyncConfig]] = ofType('AWS::Lambda::EventInvokeConfig') as [[string, Resource]];
    expect(JSON.stringify(asyncConfig.Properties.Qualifier)).toContain('MailIntakeIntakeHandlerLive');
  });
});
