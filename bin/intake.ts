#!/usr/bin/env -S npx tsx
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { CliError, cliContext, executionArnFor, type CliContext } from '#local/cli/cli-context.ts';
import { credentialsFileOf } from '#local/edge/index.ts';
import type { AddProjectFlags } from '#local/cli/projects.ts';

// Each command loads its module when it runs, so a quick command never loads the local runtime.
const executionsCli = () => import('#local/cli/executions.ts');

const env = process.env;
const program = new Command()
  .name('intake')
  .description(
    'Email intake: run the system locally, send it mail, and inspect executions, jobs, queues and replies.',
  )
  .option('-d, --data-dir <dir>', 'the data folder of the local runtime', env.INTAKE_DATA_DIR ?? '.intake')
  .option(
    '--endpoint-url <url>',
    'the AWS endpoint to talk to (default: the local runtime, or AWS_ENDPOINT_URL)',
  )
  .showHelpAfterError();

const context = (): Promise<CliContext> => {
  const options = program.opts<{ dataDir: string; endpointUrl?: string }>();
  return cliContext({ dataDir: options.dataDir, endpointUrl: options.endpointUrl });
};
const json = new Option('--json', 'machine-readable output');

program
  .command('up')
  .description('start the local runtime: AWS emulators, the workflow, SMTP in, mail out and the worker')
  .option('--edge-port <port>', 'the one AWS endpoint for every service', env.INTAKE_EDGE_PORT ?? '4566')
  .option('--smtp-port <port>', 'SMTP front door (SES inbound)', env.INTAKE_SMTP_PORT ?? '2525')
  .option('--console-port <port>', 'the web console', env.INTAKE_CONSOLE_PORT ?? '4570')
  .option(
    '--forge-port <port>',
    'the local forge: git over HTTP and pull requests',
    env.INTAKE_FORGE_PORT ?? '4571',
  )
  .option('--host <host>', 'loopback address to listen on', env.INTAKE_HOST ?? '127.0.0.1')
  .option(
    '--domain <domain>',
    'the mail domain project addresses live on',
    env.INTAKE_MAIL_DOMAIN ?? 'intake.localhost',
  )
  .option(
    '--relay <url>',
    'also deliver replies to this SMTP server, e.g. smtp://127.0.0.1:1025',
    env.INTAKE_RELAY,
  )
  .option('--no-worker', 'do not run the story-processing worker')
  .option('--concurrency <n>', 'jobs the worker runs at once', '2')
  .action(async (options: Record<string, string | boolean>) => {
    const dataDir = program.opts<{ dataDir: string }>().dataDir;
    const { startSystem } = await import('#local/cli/up.ts');
    const system = await startSystem({
      dataDir,
      host: String(options.host),
      edgePort: Number(options.edgePort),
      smtpPort: Number(options.smtpPort),
      consolePort: Number(options.consolePort),
      forgePort: Number(options.forgePort),
      mailDomain: String(options.domain),
      relay: options.relay ? String(options.relay) : undefined,
      worker: options.worker !== false,
      maxConcurrency: Number(options.concurrency),
      anthropicApiKey: env.ANTHROPIC_API_KEY || undefined,
      log: (line) => console.error(`[intake] ${line}`),
    });
    const { runtime } = system;
    const address = `amelia.scott@${runtime.config.mailDomain}`;
    console.log(
      [
        'intake is running',
        `  AWS endpoint  ${runtime.endpoint}   (AWS_ENDPOINT_URL for the SDK and the AWS CLI)`,
        `  credentials   access key ${runtime.emulators.credentials.accessKeyId}, secret in ${credentialsFileOf(dataDir)} (owner-only)`,
        `                for the AWS CLI or an SDK in a shell: eval "$(npm run -s intake -- env)"`,
        `  SMTP          ${String(options.host)}:${runtime.smtpPort}   (mail for *@${runtime.config.mailDomain})`,
        `  console       ${system.consoleUrl}`,
        `  forge         ${system.forge.url}   (demo repository ${system.forge.gitUrl('amelia', 'demo')}, pull requests via ${system.forge.apiUrl})`,
        `  data          ${dataDir}`,
        `  demo project  ${address}   (allowed sender scott@example.com)`,
        `  model         ${env.ANTHROPIC_API_KEY ? 'Anthropic (ANTHROPIC_API_KEY)' : 'offline, deterministic (set ANTHROPIC_API_KEY to use Claude)'}`,
        `  worker        ${system.worker ? `running (${system.worker.workerId})` : 'off'}`,
        '',
        'Try it (in another terminal):',
        `  printf '1. Add a README\\n2. Add a greeting module\\n' | npm run -s intake -- send --subject "First spec" --follow`,
        '',
        'Stop with Ctrl-C; the data stays in the data folder for the next start.',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      const shutdown = () => {
        process.off('SIGINT', shutdown);
        process.off('SIGTERM', shutdown);
        console.error('\n[intake] stopping…');
        void system.stop().then(resolve);
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    });
  });

program
  .command('env')
  .description('print the shell exports (endpoint, local credentials, region) for the AWS CLI and SDKs')
  .action(async () => {
    const { shellEnvironment } = await import('#local/cli/shell-env.ts');
    console.log(await shellEnvironment(resolve(program.opts<{ dataDir: string }>().dataDir)));
  });

program
  .command('send [file]')
  .description('send a spec by SMTP (the file, or standard input, is the body; --raw sends a whole .eml)')
  .option('--to <address>', 'a project address', 'amelia.scott@intake.localhost')
  .option('--from <address>', 'the sender', 'scott@example.com')
  .option('--subject <subject>', 'the subject', 'A spec')
  .option('--reply-to <message-id>', 'write a reply to this message (interrupts its running job)')
  .option('--raw', 'the input is a complete MIME message', false)
  .option('--smtp <host:port>', 'the SMTP server (default: the local runtime)')
  .option('--follow', 'print the execution as it runs; exit 0 only if it succeeds', false)
  .addOption(json)
  .action(async (file: string | undefined, options: Record<string, string | boolean | undefined>) => {
    const ctx = await context();
    const { sendEmail } = await import('#local/cli/send.ts');
    const sent = await sendEmail(ctx, file, {
      to: String(options.to),
      from: String(options.from),
      subject: String(options.subject),
      replyTo: options.replyTo ? String(options.replyTo) : undefined,
      raw: options.raw === true,
      smtp: options.smtp ? String(options.smtp) : undefined,
      json: options.json === true,
    });
    if (options.json) console.log(JSON.stringify(sent, null, 2));
    else
      console.log(
        `sent ${sent.messageId}\njob  ${sent.jobId ?? '(unknown: the server did not name the stored object)'}`,
      );
    if (options.follow) {
      const jobId = sent.jobId;
      if (jobId === undefined)
        throw new CliError('Cannot follow: the SMTP server did not name the stored object');
      const { describeExecution, executionHistory } = await executionsCli();
      const { storyProgress } = await import('#local/cli/story-progress.ts');
      await waitForExecution(ctx, jobId);
      const projectId = String(options.to).split('@')[0]?.split('.')[0] ?? '';
      await executionHistory(ctx, jobId, {
        json: options.json === true,
        watch: true,
        progress: storyProgress(ctx, projectId, jobId),
      });
      const status = await describeExecution(ctx, jobId, options.json === true);
      if (status !== 'SUCCEEDED') process.exitCode = 3;
    }
  });

const executions = program
  .command('executions')
  .description('email-processor executions (Step Functions API)');
executions
  .command('list')
  .option('--status <status>', 'RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED')
  .option('--limit <n>', 'at most this many', '50')
  .addOption(json)
  .action(async (options: { status?: string; limit: string; json?: boolean }) => {
    const { listExecutions } = await executionsCli();
    await listExecutions(await context(), {
      status: options.status,
      limit: Number(options.limit),
      json: !!options.json,
    });
  });
executions
  .command('describe <name>')
  .description('an execution by its name (the job id) or ARN')
  .addOption(json)
  .action(async (name: string, options: { json?: boolean }) => {
    const { describeExecution } = await executionsCli();
    await describeExecution(await context(), name, !!options.json);
  });
executions
  .command('history <name>')
  .option('--watch', 'follow a running execution until it ends', false)
  .addOption(json)
  .action(async (name: string, options: { json?: boolean; watch: boolean }) => {
    const { executionHistory } = await executionsCli();
    await executionHistory(await context(), name, { json: !!options.json, watch: options.watch });
  });

program
  .command('jobs')
  .description("every email's outcome, with stories and commits")
  .option('--project <id>', 'one project only')
  .addOption(json)
  .action(async (options: { project?: string; json?: boolean }) => {
    const { listJobs } = await import('#local/cli/jobs.ts');
    await listJobs(await context(), { project: options.project, json: !!options.json });
  });

program
  .command('outbox')
  .description('replies the system sent (captured locally)')
  .option('--show <id>', 'print one message as raw MIME')
  .addOption(json)
  .action(async (options: { show?: string; json?: boolean }) => {
    const { showOutbox } = await import('#local/cli/outbox.ts');
    await showOutbox(await context(), { show: options.show, json: !!options.json });
  });

const projects = program.command('projects').description('the project registry');
projects
  .command('list')
  .addOption(json)
  .action(async (options: { json?: boolean }) => {
    const { listProjects } = await import('#local/cli/projects.ts');
    await listProjects(await context(), !!options.json);
  });
projects
  .command('add <id>')
  .description('add a project, or add users and senders to one')
  .option('--user <id...>', 'users: each gets the address <project>.<user>@<domain>', [])
  .option('--allow <sender...>', 'allowed senders: addresses or @domain', [])
  .option('--settings <json>', 'settings as JSON, e.g. {"validationCommands":[...]}')
  .option('--repo <url>', 'the git repository the work is pushed to (https, ssh, file:// or a path)')
  .option('--default-branch <name>', 'the branch threads start from (default: the remote HEAD)')
  .option(
    '--repo-token-env <name>',
    'the environment variable of the worker that holds the token (https) or deploy key (ssh)',
  )
  .option('--repo-token-file <path>', 'a file that holds the token or the ssh deploy key')
  .option('--repo-token-secret <name>', 'a Secrets Manager secret that holds the token or deploy key (AWS)')
  .option('--known-hosts <file>', 'ssh remotes: a known_hosts file with the host keys to trust')
  .option('--pull-requests <provider>', 'github, gitlab or none', undefined)
  .option(
    '--api-url <url>',
    'the forge API base URL (GitHub Enterprise, self-hosted GitLab, the local forge)',
  )
  .option('--gitlab-project <path>', 'the GitLab project path (default: from the URL)')
  .addOption(json)
  .action(async (id: string, options: AddProjectFlags) => {
    const { addProject, repositoryFlagsOf } = await import('#local/cli/projects.ts');
    await addProject(await context(), id, {
      users: options.user,
      allow: options.allow,
      settings: options.settings,
      repository: repositoryFlagsOf(options),
      json: !!options.json,
    });
  });

program
  .command('queues')
  .description('the per project-user queues and their depths')
  .addOption(json)
  .action(async (options: { json?: boolean }) => {
    const { listQueues } = await import('#local/cli/queues.ts');
    await listQueues(await context(), !!options.json);
  });

async function waitForExecution(ctx: CliContext, jobId: string): Promise<void> {
  const { DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await ctx.clients.sfn.send(new DescribeExecutionCommand({ executionArn: executionArnFor(ctx, jobId) }));
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new CliError(`No execution ${jobId} started within 30 s: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const exitCode = error instanceof CliError ? error.exitCode : 1;
  console.error(`intake: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = exitCode;
}
