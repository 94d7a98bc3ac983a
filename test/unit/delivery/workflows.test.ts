import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const workflowDir = join('.github', 'workflows');
const workflowFiles = (await readdir(workflowDir)).filter((name) => name.endsWith('.yml'));
const workflowText = async (name: string): Promise<string> => readFile(join(workflowDir, name), 'utf8');

const Step = z.object({
  uses: z.string().optional(),
  run: z.string().optional(),
  with: z.record(z.string(), z.unknown()).optional(),
});
const Job = z.object({
  needs: z.union([z.string(), z.array(z.string())]).optional(),
  strategy: z.object({ matrix: z.record(z.string(), z.unknown()) }).optional(),
  if: z.string().optional(),
  environment: z.string().optional(),
  steps: z.array(Step),
});
const Workflow = z.object({
  on: z.record(z.string(), z.unknown()),
  permissions: z.record(z.string(), z.string()).optional(),
  jobs: z.record(z.string(), Job),
});
const workflow = async (name: string): Promise<z.infer<typeof Workflow>> =>
  Workflow.parse(parse(await workflowText(name)));

/** `npm run X`, `npm test` and `npm start` as written in a shell line or a README code span. */
const npmScriptsCalled = (text: string): string[] =>
  [...text.matchAll(/\bnpm (?:run(?: -s)? ([\w:-]+)|(test|start)\b)/g)].map(
    (match) => match[1] ?? match[2] ?? '',
  );

describe('GitHub workflows', () => {
  it('has the CI and the deploy workflow', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml', 'smoke.yml']));
  });

  it.each(workflowFiles)('%s passes the workflow schema (action-validator)', async (name) => {
    expect(validateWorkflow(await workflowText(name)).errors).toEqual([]);
  });

  it('the validator rejects a workflow that breaks the schema', () => {
    const broken = 'on: push\njobs:\n  check:\n    runs-on: ubuntu-24.04\n    stepz: []\n';
    expect(validateWorkflow(broken).errors).not.toEqual([]);
  });

  it('CI runs lint, typecheck, tests with coverage, the production audit and every synth', async () => {
    const ci = await workflow('ci.yml');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    const runs = Object.values(ci.jobs).flatMap((job) => job.steps.map((step) => step.run ?? ''));
    for (const command of [
      'npm ci --no-audit --no-fund',
      'npm run lint',
      'npm run typecheck',
      'npm test',
      'npm audit --omit=dev --audit-level=high',
    ])
      expect(runs).toContain(command);
    expect(runs.some((run) => run.includes('npm run smoke -- --endpoint .intake'))).toBe(true);
    const synthText = await workflowText('ci.yml');
    for (const env of ['dev', 'staging', 'prod']) expect(synthText).toContain(`env: ${env}\n`);
    expect(runs.some((run) => run.startsWith('npm run synth -- -c env=${{ matrix.env }}'))).toBe(true);
  });

  it('deploys with OIDC role assumption and no stored keys, dev → staging, prod on a tag', async () => {
    const text = await workflowText('deploy.yml');
    const deploy = await workflow('deploy.yml');
    expect(deploy.permissions?.['id-token']).toBe('write');
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|secrets\.AWS/i);

    const { dev, staging, prod } = deploy.jobs;
    expect(dev?.if).toBe("github.ref == 'refs/heads/main'");
    expect(staging?.needs).toBe('dev');
    expect(prod?.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(prod?.environment).toBe('prod');
    for (const [name, job] of Object.entries(deploy.jobs)) {
      const credentials = job.steps.find((step) =>
        step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      );
      expect(credentials?.with?.['role-to-assume'], name).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
      const deployStep = job.steps.find((step) => step.run?.startsWith('npx cdk deploy'));
      expect(deployStep?.run, name).toContain(`-c env=${name}`);
    }
  });

  it('smoke-tests each environment right after its deploy, so staging waits for dev’s smoke test', async () => {
    const deploy = await workflow('deploy.yml');
    for (const [name, job] of Object.entries(deploy.jobs)) {
      const runs = job.steps.map((step) => step.run ?? '');
      const deployed = runs.findIndex((run) => run.startsWith('npx cdk deploy'));
      const smoked = runs.findIndex((run) => run.startsWith(`npm run smoke -- --endpoint intake-${name} `));
      expect(smoked, name).toBeGreaterThan(deployed);
      expect(deployed, name).toBeGreaterThanOrEqual(0);
      // With the smoke role, not the deploy role: assumed between the two.
      const roles = job.steps
        .slice(deployed, smoked)
        .map((step) => step.with?.['role-to-assume'])
        .filter(Boolean);
      expect(roles, name).toEqual(['${{ vars.AWS_SMOKE_ROLE_ARN }}']);
    }
    // A failed step fails its job, and staging needs the whole dev job, smoke test included.
    expect(deploy.jobs.staging?.needs).toBe('dev');
  });

  it('smoke-tests every environment every 15 minutes, without waiting for an approval', async () => {
    const smoke = await workflow('smoke.yml');
    expect(smoke.on.schedule).toEqual([{ cron: '*/15 * * * *' }]);
    expect(smoke.permissions?.['id-token']).toBe('write');
    const [job] = Object.values(smoke.jobs);
    expect(job?.strategy?.matrix.env).toEqual(['dev', 'staging', 'prod']);
    // Not the deploy environments: `prod` has required reviewers, a schedule must not wait on them.
    expect(job?.environment).toBe('smoke-${{ matrix.env }}');
    const runs = job?.steps.map((step) => step.run ?? '') ?? [];
    expect(runs).toContain('npm run smoke -- --endpoint intake-${{ matrix.env }} --timeout 900');
    const roles = job?.steps.map((step) => step.with?.['role-to-assume']).filter(Boolean);
    expect(roles).toEqual(['${{ vars.AWS_SMOKE_ROLE_ARN }}']);
  });

  it('calls only npm scripts that package.json defines and the README documents', async () => {
    const pkg = z
      .object({ scripts: z.record(z.string(), z.string()) })
      .parse(JSON.parse(await readFile('package.json', 'utf8')));
    const readme = await readFile('README.md', 'utf8');
    const documented = new Set(npmScriptsCalled(readme));
    const called = new Set((await Promise.all(workflowFiles.map(workflowText))).flatMap(npmScriptsCalled));
    expect(called.size).toBeGreaterThan(0);
    for (const script of called) {
      expect(Object.keys(pkg.scripts), script).toContain(script);
      expect([...documented], script).toContain(script);
    }
  });
});
