import { Template } from 'aws-cdk-lib/assertions';
import { createIntakeApp, type IntakeApp } from '../../lib/app.ts';
import { addPolicyChecks } from '../../lib/policy-checks.ts';
import { makeTempDirSync } from '../helpers/temp-dirs.ts';

/** A fixed, fake account and region: templates stay comparable and nothing reads credentials. */
export const TEST_ACCOUNT = '123456789012';
export const TEST_REGION = 'eu-west-1';
export const TEST_DOMAINS = ['intake.example.com', 'specs.example.org'];

export interface SynthOptions {
  env?: 'dev' | 'staging' | 'prod';
  /** Run esbuild for the Lambda assets (slow); otherwise CDK stages them unbundled. */
  bundle?: boolean;
  context?: Record<string, unknown>;
  /** Run cdk-nag and cfn-guard at synth, as `npm run synth` does (the report lands in `outdir`). */
  policyChecks?: boolean;
}

export interface Synthesized extends IntakeApp {
  template: Template;
  outdir: string;
}

/** Synthesizes one environment of the app, offline, with no Docker and no credentials. */
export const synthIntake = (options: SynthOptions = {}): Synthesized => {
  const outdir = makeTempDirSync('intake-cdk-');
  const context: Record<string, unknown> = {
    env: options.env ?? 'dev',
    mailDomains: TEST_DOMAINS.join(','),
    account: TEST_ACCOUNT,
    region: TEST_REGION,
    alarmEmail: 'ops@example.com',
    ...options.context,
  };
  if (!options.bundle) context['aws:cdk:bundling-stacks'] = [];
  const built = createIntakeApp({ outdir, context }, {});
  if (options.policyChecks) addPolicyChecks(built.app);
  built.app.synth();
  return { ...built, template: Template.fromStack(built.stack), outdir };
};

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface PolicyStatementJson {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: JsonObject;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The statements of every AWS::IAM::Policy attached to the role with this logical id. */
export const statementsOfRole = (template: Template, roleLogicalId: string): PolicyStatementJson[] => {
  const policies = template.findResources('AWS::IAM::Policy') as Record<
    string,
    { Properties: { Roles: Json[]; PolicyDocument: { Statement: PolicyStatementJson[] } } }
  >;
  return Object.values(policies)
    .filter((policy) =>
      policy.Properties.Roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
};

/** The one resource of a type whose logical id starts with `prefix`. */
export const logicalIdOf = (template: Template, type: string, prefix: string): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
};
