import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUARD_EXCEPTIONS } from '../../lib/policy-checks.ts';
import { synthIntake } from './synth.ts';

interface PluginReport {
  pluginName: string;
  conclusion: string;
  violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
  suppressedViolations?: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
}

const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/** `npm run synth` for each environment: cdk-nag and the Control Tower cfn-guard rules as plugins. */
const reports = Object.fromEntries(
  ENVIRONMENTS.map((env) => {
    const { outdir } = synthIntake({ env, policyChecks: true });
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: PluginReport[];
    };
    return [env, report.pluginReports];
  }),
) as Record<(typeof ENVIRONMENTS)[number], PluginReport[]>;

const findings = (plugin: PluginReport, kind: 'violations' | 'suppressedViolations') =>
  (plugin[kind] ?? []).flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`));

describe.each(ENVIRONMENTS)('policy as code on intake-%s', (env) => {
  it('runs cfn-guard (Control Tower rules) next to cdk-nag, with no finding left unacknowledged', () => {
    const plugins = reports[env];
    // cdk-nag applies its own acknowledgements and reports only when something is left over.
    expect(plugins.map((p) => p.pluginName)).toContain('cdk-validator-cfnguard');
    for (const plugin of plugins) {
      expect(findings(plugin, 'violations'), plugin.pluginName).toEqual([]);
      expect(plugin.conclusion, plugin.pluginName).toBe('success');
    }
    // The guard binary really ran: the acknowledged findings are in its report.
    const guard = plugins.find((p) => p.pluginName === 'cdk-validator-cfnguard');
    expect(findings(guard as PluginReport, 'suppressedViolations').length).toBeGreaterThan(0);
  });
});

describe('cfn-guard exceptions', () => {
  it('each has a reason a reviewer can check', () => {
    for (const exception of GUARD_EXCEPTIONS)
      expect(exception.reason.length, exception.rule).toBeGreaterThan(80);
  });

  it('are all still needed: each acknowledges a real finding in some environment', () => {
    const used = new Set(
      ENVIRONMENTS.flatMap((env) =>
        reports[env]
          .filter((p) => p.pluginName === 'cdk-validator-cfnguard')
          .flatMap((p) => (p.suppressedViolations ?? []).map((v) => v.ruleName)),
      ),
    );
    expect(GUARD_EXCEPTIONS.map((e) => e.rule).filter((rule) => !used.has(rule))).toEqual([]);
  });

  it('keep prod to the stricter controls: log retention, mail versioning and EFS backups hold there', () => {
    const prodSuppressed = reports.prod.flatMap((p) => findings(p, 'suppressedViolations'));
    expect(prodSuppressed.filter((f) => f.startsWith('cloudwatch_log_group_retention_period_check'))).toEqual(
      [],
    );
    expect(prodSuppressed.filter((f) => f.startsWith('efs_automatic_backups_enabled_check'))).toEqual([]);
    expect(prodSuppressed.filter((f) => /^s3_bucket_versioning_enabled_check .*\/Mail\//.test(f))).toEqual(
      [],
    );
  });
});
