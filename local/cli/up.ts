import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { startLocalForge, type LocalForge } from '../forge/index.ts';
import type { WorkerHandle } from '../../containers/story-processor/src/start-worker.ts';
import { startLocalWorker } from '../local-worker.ts';
import { parseProject, type ProjectInput } from '#domain/project-config.ts';
import { DynamoDbProjectRegistry } from '#adapters/dynamodb-project-registry.ts';
import { startConsole } from '../console/index.ts';
import { DEFAULT_MAIL_DOMAIN, startLocalRuntime, type LocalRuntime } from '../runtime.ts';
import type { SmtpRelayConfig } from '../outbox/relay.ts';
import { isLoopbackHost } from '../edge/loopback.ts';
import { CliError } from './cli-context.ts';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime-info.ts';
import { smokeSender } from './smoke-sender.ts';

export const DEMO_PROJECT: ProjectInput = {
  id: 'amelia',
  users: ['scott'],
  allowedSenders: ['scott@example.com'],
};

/** The demo project's repository on the local forge: `amelia/demo`, token read from a file. */
export const demoRepository = (forge: LocalForge, tokenFile: string): ProjectInput['repository'] => ({
  url: forge.gitUrl('amelia', 'demo'),
  credentials: { file: tokenFile },
  pullRequests: { provider: 'github', apiBaseUrl: forge.apiUrl },
});

/**
 * Projects are seeded once, so a start on another `--forge-port` (or `0`) would leave the demo project
 * pointing at the forge of an earlier start. Re-point it when it still names the demo repository on a
 * loopback forge; a repository the user bound it to (`intake projects add --repo`) is left alone.
 */
async function keepDemoOnThisForge(runtime: LocalRuntime, forge: LocalForge, tokenFile: string) {
  const registry = new DynamoDbProjectRegistry(runtime.clients.documents, runtime.config.projectsTable);
  const stored = await registry.get(DEMO_PROJECT.id);
  const current = demoRepository(forge, tokenFile);
  if (!stored?.repository || !current || stored.repository.url === current.url) return;
  let storedUrl: URL;
  try {
    storedUrl = new URL(stored.repository.url);
  } catch {
    return;
  }
  const demoPath = new URL(current.url).pathname;
  if (!isLoopbackHost(storedUrl.hostname) || storedUrl.pathname !== demoPath) return;
  await registry.put(parseProject({ ...stored, repository: current }));
}

/** The local forge's token: made once, kept in the data folder readable by this user only. */
async function forgeToken(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim()) return existing.trim();
  const token = `intake_${randomBytes(24).toString('hex')}`;
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, token, { mode: 0o600 });
  return token;
}

export interface UpOptions {
  dataDir: string;
  host: string;
  edgePort: number;
  smtpPort: number;
  consolePort: number;
  /** The local forge (git over HTTP and the pull-request API). */
  forgePort: number;
  mailDomain: string;
  /** `smtp://host:port` (or `smtps://user:pass@host:port`): replies are also sent there. */
  relay: string | undefined;
  worker: boolean;
  maxConcurrency: number;
  anthropicApiKey: string | undefined;
  log: (line: string) => void;
}

export interface RunningSystem {
  runtime: LocalRuntime;
  worker: WorkerHandle | undefined;
  consoleUrl: string;
  forge: LocalForge;
  stop(): Promise<void>;
}

/** Reads `smtp://[user:pass@]host:port` or `smtps://…` into a relay configuration. */
export function relayConfigOf(url: string): SmtpRelayConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--relay must be a URL like smtp://127.0.0.1:1025, not "${url}"`, 2);
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new CliError(`--relay must start with smtp:// or smtps://, not "${parsed.protocol}"`, 2);
  }
  const secure = parsed.protocol === 'smtps:';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 25,
    secure,
    ...(parsed.username
      ? { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } }
      : {}),
  };
}

/** Fails with a clear message, not a stack trace, when a port is taken. */
async function assertPortFree(host: string, port: number, what: string, flag: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new CliError(
              `Port ${port} (${what}) is already in use on ${host}. Stop what uses it or pick another with ${flag}.`,
            )
          : error,
      );
    });
    probe.listen(port, host, () => probe.close(() => resolvePort()));
  });
}

/** `intake up`: the local runtime, the SMTP front door and the worker, until stopped. */
export async function startSystem(options: UpOptions): Promise<RunningSystem> {
  // Before anything binds, even the port probes below: these endpoints are for this machine only.
  if (!isLoopbackHost(options.host)) {
    throw new CliError(
      `--host ${options.host} is not a loopback address: the local runtime serves this machine only (use 127.0.0.1, ::1 or localhost)`,
      2,
    );
  }
  const dataDir = resolve(options.dataDir);
  await assertPortFree(options.host, options.edgePort, 'AWS edge endpoint', '--edge-port');
  await assertPortFree(options.host, options.smtpPort, 'SMTP', '--smtp-port');
  await assertPortFree(options.host, options.consolePort, 'console', '--console-port');
  await assertPortFree(options.host, options.forgePort, 'local forge', '--forge-port');
  const forgeDir = join(dataDir, 'forge');
  const tokenFile = join(forgeDir, 'token');
  const forge = await startLocalForge({
    dataDir: forgeDir,
    token: await forgeToken(tokenFile),
    host: options.host,
    port: options.forgePort,
  });
  await forge.createRepository('amelia', 'demo', [
    {
      message: 'Start the demo repository',
      files: {
        'README.md':
          '# demo\n\nThe demo project of intake: each email becomes a branch and a pull request here.\n',
      },
    },
  ]);
  const runtime = await startLocalRuntime({
    dataDir,
    host: options.host,
    edgePort: options.edgePort,
    smtpPort: options.smtpPort,
    mailDomain: options.mailDomain || DEFAULT_MAIL_DOMAIN,
    seedProjects: [
      {
        ...DEMO_PROJECT,
        // The smoke test sends as smoke@<domain> through the local SES, so the reply comes back in.
        allowedSenders: [
          ...DEMO_PROJECT.allowedSenders,
          smokeSender(options.mailDomain || DEFAULT_MAIL_DOMAIN),
        ],
        repository: demoRepository(forge, tokenFile),
      },
    ],
    relay: options.relay ? relayConfigOf(options.relay) : undefined,
    log: options.log,
  });
  let worker: WorkerHandle | undefined;
  let webConsole: Awaited<ReturnType<typeof startConsole>> | undefined;
  try {
    await keepDemoOnThisForge(runtime, forge, tokenFile);
    webConsole = await startConsole({
      host: options.host,
      port: options.consolePort,
      clients: runtime.clients,
      config: runtime.config,
      dataDir,
      stepFunctions: runtime.stepFunctions,
    });
    if (options.worker) {
      worker = await startLocalWorker(runtime, dataDir, {
        anthropic: options.anthropicApiKey ? { apiKey: options.anthropicApiKey } : undefined,
        secrets: options.anthropicApiKey ? [options.anthropicApiKey] : [],
        maxConcurrency: options.maxConcurrency,
        pollWaitSeconds: 2,
        repositoryEnvironment: process.env,
        // A new project-user's queue is picked up within about half a second (ListQueues is cheap here).
        discoveryIntervalMs: 500,
        logLevel: 'WARN',
      });
    }
    await writeRuntimeInfo(dataDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      endpoint: runtime.endpoint,
      smtp: runtime.smtpPort ? { host: options.host, port: runtime.smtpPort } : null,
      consoleUrl: webConsole.url,
      mailDomain: runtime.config.mailDomain,
      environment: runtime.environment,
    });
  } catch (error) {
    await worker?.stop();
    await webConsole?.stop();
    await runtime.stop();
    await forge.stop();
    throw error;
  }
  const consoleServer = webConsole;
  return {
    runtime,
    worker,
    consoleUrl: webConsole.url,
    forge,
    async stop() {
      await worker?.stop();
      await consoleServer.stop();
      await runtime.stop();
      await forge.stop();
      await removeRuntimeInfo(dataDir);
    },
  };
}
