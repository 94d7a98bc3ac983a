import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { asList, synthIntake, type PolicyStatementJson } from './synth.ts';

// Two independent synths of the same environment, with bundling: they must be identical.
const first = synthIntake({ bundle: true });
const second = synthIntake({ bundle: true });

/** Actions that IAM only accepts with Resource "*" (no resource-level permissions). */
const STAR_RESOURCE_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  'ecr:GetAuthorizationToken',
  'sqs:ListQueues',
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
  'ses:SetActiveReceiptRuleSet',
  // no resource types; the queue-backlog role restricts it to the Intake namespace by condition
  'cloudwatch:PutMetricData',
  // CDK's own bucket-notifications handler
  's3:PutBucketNotification',
  // CDK's own VPC default-security-group restriction handler (scoped by its own statement)
]);

describe('cdk-nag AwsSolutions', () => {
  it('reports no finding that is not acknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(first.app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  it('gives every acknowledgement a reason a reviewer can check', () => {
    const acknowledgements: { path: string; id: string; reason: string }[] = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
            // aws-cdk-lib acknowledges some of its own cfn-lint rules; ours are the cdk-nag ones.
            if (id.includes('AwsSolutions')) acknowledgements.push({ path: construct.node.path, id, reason });
          }
        }
      }
      construct.node.children.forEach(visit);
    };
    visit(first.app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(80);
    }
  });
});

describe('IAM policies', () => {
  const statements = (): { resource: string; statement: PolicyStatementJson }[] => {
    const out: { resource: string; statement: PolicyStatementJson }[] = [];
    for (const [id, resource] of Object.entries(
      first.template.toJSON().Resources as Record<
        string,
        { Type: string; Properties: Record<string, unknown> }
      >,
    )) {
      if (resource.Type === 'AWS::IAM::Policy') {
        const doc = resource.Properties.PolicyDocument as { Statement: PolicyStatementJson[] };
        for (const statement of doc.Statement) out.push({ resource: id, statement });
      }
      if (resource.Type === 'AWS::IAM::Role') {
        for (const policy of (resource.Properties.Policies ?? []) as {
          PolicyDocument: { Statement: PolicyStatementJson[] };
        }[]) {
          for (const statement of policy.PolicyDocument.Statement) out.push({ resource: id, statement });
        }
      }
    }
    return out;
  };

  it('never allow a wildcard action (IAM policies, bucket, topic and key policies)', () => {
    for (const { resource, statement } of statements()) {
      for (const action of asList(statement.Action)) expect(action, resource).not.toContain('*');
    }
    const resources = first.template.toJSON().Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    for (const [id, resource] of Object.entries(resources)) {
      const doc = (resource.Properties?.PolicyDocument ?? resource.Properties?.KeyPolicy) as
        { Statement?: PolicyStatementJson[] } | undefined;
      for (const statement of doc?.Statement ?? []) {
        if (statement.Effect !== 'Allow') continue;
        for (const action of asList(statement.Action)) {
          // The key policy's account-root statement is the KMS default that delegates to IAM.
          if (action === 'kms:*' && JSON.stringify(statement).includes(':root')) continue;
          expect(action, id).not.toContain('*');
        }
      }
    }
  });

  it('use Resource "*" only for actions without resource-level permissions', () => {
    const offenders = statements()
      .filter(({ statement }) => statement.Effect === 'Allow' && asList(statement.Resource).includes('*'))
      .flatMap(({ resource, statement }) =>
        asList(statement.Action)
          .filter((a) => !STAR_RESOURCE_ACTIONS.has(a))
          .map((a) => `${resource}: ${a}`),
      );
    // CDK's VPC default-SG custom resource scopes its own actions to the security group.
    expect(offenders).toEqual([]);
  });
});

describe('synth', () => {
  it('is deterministic: two synths give identical templates and asset hashes', () => {
    const read = (outdir: string) =>
      readFileSync(path.join(outdir, `${first.stack.stackName}.template.json`), 'utf8');
    expect(read(second.outdir)).toBe(read(first.outdir));
    const assets = (outdir: string) =>
      readFileSync(path.join(outdir, `${first.stack.stackName}.assets.json`), 'utf8');
    expect(assets(second.outdir)).toBe(assets(first.outdir));
  });

  it('needs no account: the default env is resolved from context, not credentials', () => {
    expect(first.stack.account).toBe('123456789012');
    expect(first.stack.stackName).toBe('intake-dev');
  });
});
