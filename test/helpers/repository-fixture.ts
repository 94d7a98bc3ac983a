import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RepositorySettings } from '#contracts/repository.ts';
import { startLocalForge, type LocalForge } from '#local/forge/forge-server.ts';
import type { SeedCommit } from '#local/forge/seed-repository.ts';
import { Forges } from '../../containers/story-processor/src/adapters/forges.ts';
import { RepositoryCredentialReader } from '../../containers/story-processor/src/adapters/repository-credentials.ts';
import { systemWorkerClock } from '../../containers/story-processor/src/clock.ts';
import type { ForgeConnector, Log, WorkspaceProvider } from '../../containers/story-processor/src/ports.ts';
import { createGitRunner, type GitRunner } from '../../containers/story-processor/src/workspace/git-cli.ts';
import { createWorkerWorkspaces } from '../../containers/story-processor/src/worker-workspaces.ts';
import { makeTempDir, removeTempDir } from './temp-dirs.ts';

const run = promisify(execFile);
export const TOKEN_VARIABLE = 'INTAKE_TEST_REPO_TOKEN';

/** A log that keeps every line (message and fields) for the tests to read. */
export class CapturingLog implements Log {
  readonly lines: string[] = [];
  private add(level: string, message: string, extra?: Record<string, unknown>): void {
    this.lines.push(`${level} ${message} ${extra ? JSON.stringify(extra) : ''}`);
  }
  debug = (m: string, e?: Record<string, unknown>): void => this.add('DEBUG', m, e);
  info = (m: string, e?: Record<string, unknown>): void => this.add('INFO', m, e);
  warn = (m: string, e?: Record<string, unknown>): void => this.add('WARN', m, e);
  error = (m: string, e?: Record<string, unknown>): void => this.add('ERROR', m, e);
}

/** `files` files in `dirs` folders, then `extraCommits` small commits: a repository with history. */
export function repositoryHistory(files: number, extraCommits = 2): SeedCommit[] {
  const first: Record<string, string> = { 'README.md': '# widgets\n' };
  for (let i = 0; i < files; i += 1)
    first[`src/module-${Math.floor(i / 100)}/file-${i}.ts`] = `export const value${i} = ${i};\n`;
  return [
    { message: 'Initial import', files: first },
    ...Array.from({ length: extraCommits }, (_, i) => ({
      message: `Change ${i + 1}`,
      files: { [`CHANGES-${i + 1}.md`]: `change ${i + 1}\n` },
    })),
  ];
}

export interface RepositoryWorld {
  forge: LocalForge;
  token: string;
  log: CapturingLog;
  root: string;
  /**
   * Repository settings for `acme/<repo>` on the local forge, the token named by an env variable;
   * `gitlab` uses its GitLab-shaped URL and API.
   */
  settings(repo?: string, pullRequests?: boolean | 'github' | 'gitlab'): RepositorySettings;
  /** A worker's workspaces and forges over its own data folder. */
  workerParts(
    dataDir: string,
    options?: {
      token?: string;
      attempts?: number;
      /** More variables a credential may name (an ssh deploy key). */
      environment?: Record<string, string>;
      /** Where ssh key files live while git runs. */
      secretsDir?: string;
      /** Sees every git call the workspaces make (to trace or count them, or to change a setting). */
      wrapGit?: (git: GitRunner) => GitRunner;
    },
  ): { workspaces: WorkspaceProvider; forges: ForgeConnector };
  /** git on the forge's copy of a repository. */
  remoteGit(args: string[], repo?: string): Promise<string>;
  /** Stops the forge and removes `root`: stop the workers using folders in it first. */
  stop(): Promise<void>;
}

export interface WorkerPartOptions {
  token: string;
  log: Log;
  attempts?: number;
  /** More variables a credential may name (an ssh deploy key). */
  environment?: Record<string, string>;
  /** Where ssh key files live while git runs. */
  secretsDir?: string;
  /** Sees every git call the workspaces make (to trace or count them, or to change a setting). */
  wrapGit?: (git: GitRunner) => GitRunner;
}

/** A worker's workspaces and forges over its own data folder, the token in {@link TOKEN_VARIABLE}. */
export function repositoryWorkerParts(
  dataDir: string,
  options: WorkerPartOptions,
): { workspaces: WorkspaceProvider; forges: ForgeConnector } {
  const home = path.join(dataDir, '.home');
  const git = createGitRunner({
    pathEnv: process.env.PATH ?? '/usr/bin:/bin',
    home,
    authorName: 'intake',
    authorEmail: 'intake@localhost',
    timeoutMs: 60_000,
  });
  const credentials = new RepositoryCredentialReader({
    environment: { [TOKEN_VARIABLE]: options.token, ...options.environment },
  });
  return {
    workspaces: createWorkerWorkspaces({
      root: dataDir,
      remoteRoot: dataDir,
      home,
      git: options.wrapGit ? options.wrapGit(git) : git,
      credentials,
      clock: systemWorkerClock,
      ...(options.secretsDir ? { secretsDir: options.secretsDir } : {}),
      log: options.log,
      attempts: options.attempts ?? 3,
      backoffMs: 20,
    }),
    forges: new Forges({ credentials, log: options.log, retries: 1 }),
  };
}

export async function startRepositoryWorld(commits: SeedCommit[]): Promise<RepositoryWorld> {
  const root = await makeTempDir('repo-world-');
  const token = `tok_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const forge = await startLocalForge({ dataDir: path.join(root, 'forge'), token });
  await forge.createRepository('acme', 'widgets', commits);
  const log = new CapturingLog();
  const pathEnv = process.env.PATH ?? '/usr/bin:/bin';
  return {
    forge,
    token,
    log,
    root,
    settings: (repo = 'widgets', pullRequests = true) =>
      pullRequests === 'gitlab'
        ? {
            url: forge.gitlabGitUrl('acme', repo),
            credentials: { env: TOKEN_VARIABLE },
            pullRequests: { provider: 'gitlab', apiBaseUrl: forge.gitlabUrl },
          }
        : {
            url: forge.gitUrl('acme', repo),
            credentials: { env: TOKEN_VARIABLE },
            pullRequests: pullRequests
              ? { provider: 'github', apiBaseUrl: forge.apiUrl }
              : { provider: 'none' },
          },
    workerParts: (dataDir, options = {}) =>
      repositoryWorkerParts(dataDir, { ...options, token: options.token ?? token, log }),
    async remoteGit(args, repo = 'widgets') {
      const { stdout } = await run('git', ['--git-dir', forge.gitDir('acme', repo), ...args], {
        env: { PATH: pathEnv, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    },
    async stop() {
      await forge.stop();
      await removeTempDir(root);
    },
  };
}

/** A loopback port that nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
