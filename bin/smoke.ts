/**
 * `npm run smoke -- --endpoint <data dir | stack name | endpoint URL>`: the end-to-end smoke test a
 * user's email takes, printing how long each step took; exit code 0 only if all of it holds.
 * - a data folder: sends a two-story spec over SMTP to the demo project of the local runtime that
 *   `intake up` runs there, waits (bounded) for its execution, then checks the outcome, the commits,
 *   the pull request on the forge and the reply in the outbox;
 * - a stack name (`intake-dev`) or an endpoint URL: the AWS path of bin/smoke-aws.ts, SES SendEmail
 *   in, the execution, the commits and pull request, and the replies back through SES receiving.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeExecutionCommand, ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { CliError, cliContext, executionArnFor, type CliContext } from '#local/cli/cli-context.ts';
import { sendEmail } from '#local/cli/send.ts';
import { listOutbox } from '#local/outbox/outbox.ts';
import { smokeSender } from '#local/cli/smoke-sender.ts';
import { smokeDeployed, systemAtEndpoint, systemOfStack } from './smoke-aws.ts';

const DEMO_ADDRESS = 'amelia.scott@intake.localhost';
const DEMO_PROJECT = 'amelia';
/** A sender the demo project allows. */
const DEMO_SENDER = 'scott@example.com';
const SPEC = '1. Add a README\n2. Add a greeting module\n';
const STORIES = 2;

/** Polls until `probe` returns a value, for at most `timeoutMs`. */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new CliError(`smoke: gave up waiting for ${what} after ${timeoutMs} ms`);
    await sleep(500);
  }
}

async function executionStatus(context: CliContext, jobId: string): Promise<string | undefined> {
  try {
    const execution = await context.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: executionArnFor(context, jobId) }),
    );
    return execution.status === 'RUNNING' ? undefined : execution.status;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
}

const JobRecord = (item: Record<string, unknown> | undefined) => ({
  outcome: typeof item?.outcome === 'string' ? item.outcome : undefined,
  commits: (item?.summary as { commits?: unknown[] } | undefined)?.commits?.length ?? 0,
  pullRequestUrl: (item?.pullRequest as { url?: unknown } | undefined)?.url,
});

async function smoke(endpoint: string, timeoutMs: number): Promise<void> {
  const context = await cliContext({ dataDir: endpoint });
  if (!context.runtime)
    throw new CliError(
      `smoke: no local runtime in ${endpoint} (start one with "npm start", or give its --data-dir)`,
    );
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const subject = `Smoke test ${new Date().toISOString()}`;
  const specDir = await mkdtemp(join(tmpdir(), 'intake-smoke-'));
  try {
    await writeFile(join(specDir, 'spec.txt'), SPEC);
    const sent = await sendEmail(context, join(specDir, 'spec.txt'), {
      to: DEMO_ADDRESS,
      from: DEMO_SENDER,
      subject,
      raw: false,
      json: false,
    });
    if (sent.jobId === undefined) throw new CliError('smoke: the SMTP server did not name the stored email');
    console.log(`accepted   ${elapsed()}  job ${sent.jobId}`);

    const status = await until('the execution', timeoutMs, () => executionStatus(context, sent.jobId ?? ''));
    console.log(`execution  ${elapsed()}  ${status}`);
    if (status !== 'SUCCEEDED') throw new CliError(`smoke: the execution ended ${status}`);

    const { Item } = await context.clients.documents.send(
      new GetCommand({ TableName: context.config.jobsTable, Key: { pk: DEMO_PROJECT, sk: sent.jobId } }),
    );
    const job = JobRecord(Item);
    if (job.outcome !== 'succeeded') throw new CliError(`smoke: the job outcome is ${job.outcome}`);
    if (job.commits !== STORIES) throw new CliError(`smoke: ${job.commits} commits for ${STORIES} stories`);
    if (typeof job.pullRequestUrl !== 'string') throw new CliError('smoke: no pull request was opened');
    const pullRequest = await fetch(job.pullRequestUrl);
    if (!pullRequest.ok)
      throw new CliError(`smoke: the pull request ${job.pullRequestUrl} answers ${pullRequest.status}`);
    console.log(`commits    ${elapsed()}  ${job.commits}, pull request ${job.pullRequestUrl}`);

    const reply = await until('the reply', timeoutMs, async () =>
      (await listOutbox(context.dataDir)).find((entry) => entry.subject.includes(subject)),
    );
    console.log(`reply      ${elapsed()}  to ${reply.to.join(', ')}: ${reply.subject}`);
    console.log(`smoke test passed in ${elapsed()}`);
  } finally {
    await rm(specDir, { recursive: true, force: true });
  }
}

const isDirectory = async (endpoint: string): Promise<boolean> =>
  (await stat(endpoint).catch(() => undefined))?.isDirectory() ?? false;

interface SmokeOptions {
  endpoint: string;
  timeout: string;
  to?: string;
  from?: string;
  pullRequest: boolean;
}

async function smokeAws(options: SmokeOptions, timeoutMs: number): Promise<void> {
  const system = /^https?:\/\//.test(options.endpoint)
    ? systemAtEndpoint(options.endpoint)
    : await systemOfStack(options.endpoint);
  await smokeDeployed(system, {
    to: options.to ?? `smoke.ci@${system.mailDomain}`,
    from: options.from ?? smokeSender(system.mailDomain),
    subject: `Smoke test ${new Date().toISOString()} ${randomUUID().slice(0, 8)}`,
    body: SPEC,
    stories: STORIES,
    requirePullRequest: options.pullRequest,
    timeoutMs,
    log: (line) => console.log(line),
    poll: (what, probe) => until(what, timeoutMs, async () => (await probe()) ?? undefined),
  });
}

const program = new Command('smoke')
  .requiredOption(
    '--endpoint <data dir | stack | url>',
    'the local runtime\'s data folder (".intake"), a deployed stack ("intake-dev") or an AWS endpoint URL',
  )
  .option('--timeout <seconds>', 'how long to wait for each step (the execution, the replies)', '120')
  .option('--to <address>', 'AWS: the project address to send to (default smoke.ci@<mail domain>)')
  .option('--from <address>', 'AWS: the sender, on the mail domain (default smoke@<mail domain>)')
  .option('--no-pull-request', 'AWS: do not require a pull request (a project without one)')
  .action(async (options: SmokeOptions) => {
    const timeoutMs = Number(options.timeout) * 1000;
    if (await isDirectory(options.endpoint)) await smoke(options.endpoint, timeoutMs);
    else await smokeAws(options, timeoutMs);
  });

try {
  await program.parseAsync();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
