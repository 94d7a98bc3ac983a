import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { resolveDeploySettings } from '../../lib/config.ts';
import { SES_RECEIVING_REGIONS } from '../../lib/ses-regions.ts';
import { makeTempDirSync } from '../helpers/temp-dirs.ts';

// An App without `outdir` makes a temporary cdk.out of its own, which nothing removes.
const outdir = makeTempDirSync('intake-cdk-config-');
const configFor = (context: Record<string, unknown>) =>
  resolveDeploySettings(new App({ context, outdir }).node, {});

describe('configuration from context', () => {
  it('defaults to dev with a placeholder domain, destroyable data and workers that scale to zero', () => {
    const config = configFor({});
    expect(config).toMatchObject({
      envName: 'dev',
      prefix: 'intake-dev',
      queuePrefix: 'intake-dev',
      mailDomains: ['intake-dev.example.com'],
      retainData: false,
      worker: { minCapacity: 0, maxCapacity: 2 },
      anthropicSecretName: 'intake/dev/anthropic-api-key',
      repositorySecretPrefix: 'intake/dev/repositories/',
      lambdaRoot: 'lambdas',
      workerBuildContext: '.',
      workerDockerfile: 'containers/story-processor/Dockerfile',
    });
    expect(config.account).toBeUndefined();
  });

  it('fails for a region where SES does not receive email, naming the regions where it does', () => {
    expect(() => configFor({ region: 'af-south-1' })).toThrow(
      /SES does not receive email in af-south-1\. Deploy to one of: us-east-1, .*eu-west-1/,
    );
    expect(() =>
      resolveDeploySettings(new App({ outdir }).node, { CDK_DEFAULT_REGION: 'sa-east-1' }),
    ).toThrow(/sa-east-1/);
    for (const region of SES_RECEIVING_REGIONS) expect(configFor({ region }).region).toBe(region);
  });

  it('keeps data in prod and requires its mail domains', () => {
    expect(() => configFor({ env: 'prod' })).toThrow(/mailDomains is required/);
    const prod = configFor({ env: 'prod', mailDomains: 'a.example.com, B.example.org' });
    expect(prod).toMatchObject({
      retainData: true,
      mailDomains: ['a.example.com', 'b.example.org'],
      logRetentionDays: 365,
    });
  });

  it('reads worker capacity and alarm email, and rejects bad values', () => {
    expect(
      configFor({
        env: 'staging',
        mailDomains: 'x.example.com',
        workerMinCapacity: '1',
        workerMaxCapacity: 3,
        alarmEmail: 'a@b.co',
      }),
    ).toMatchObject({
      worker: { minCapacity: 1, maxCapacity: 3 },
      alarmEmail: 'a@b.co',
    });
    expect(() => configFor({ env: 'qa' })).toThrow(/env must be one of/);
    expect(() => configFor({ workerMinCapacity: -1 })).toThrow(/whole number/);
    expect(() => configFor({ workerMinCapacity: 3, workerMaxCapacity: 2 })).toThrow(/workerMaxCapacity/);
    expect(() => configFor({ mailDomains: 'not a domain' })).toThrow(/Not a domain/);
    expect(() => configFor({ queuePrefix: 'a-very-long-queue-prefix-indeed' })).toThrow(/queuePrefix/);
  });
});
