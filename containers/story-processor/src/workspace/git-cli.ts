import { sharedProcessLauncher } from './process-launcher.ts';

export interface GitRunnerOptions {
  /** PATH to find `git` on; nothing else from the worker's environment reaches git. */
  pathEnv: string;
  /** A HOME with no credentials or config in it. */
  home: string;
  authorName: string;
  authorEmail: string;
  timeoutMs: number;
  /**
   * A global config file that only the worker writes (the `safe.directory` entries of the projects'
   * own bare repositories); a missing file reads as empty. Default: none (`/dev/null`).
   */
  globalConfig?: string;
}

/** `env`: extra variables for this one call (the credential hand-off to GIT_ASKPASS, nothing else). */
export type GitRunner = (
  args: string[],
  cwd: string,
  env?: Readonly<Record<string, string>>,
) => Promise<string>;

/** Runs `git` (no shell) with an explicit, minimal environment and no user or system config. */
export function createGitRunner(options: GitRunnerOptions): GitRunner {
  const env: NodeJS.ProcessEnv = {
    PATH: options.pathEnv,
    HOME: options.home,
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: options.globalConfig ?? '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: options.authorName,
    GIT_AUTHOR_EMAIL: options.authorEmail,
    GIT_COMMITTER_NAME: options.authorName,
    GIT_COMMITTER_EMAIL: options.authorEmail,
  };
  // No credential helper may store a token; hooks, fsmonitor and signing never run; no gc or maintenance is
  // started behind a commit or a fetch (each would be one more process on every story).
  const safety = [
    '-c',
    'maintenance.auto=false',
    '-c',
    'core.hooksPath=/dev/null',
    '-c',
    'core.fsmonitor=false',
    '-c',
    'commit.gpgsign=false',
    '-c',
    'gc.auto=0',
    '-c',
    'credential.helper=',
  ];
  const launcher = sharedProcessLauncher();
  return async (args, cwd, extraEnv) => {
    const result = await launcher.run({
      file: 'git',
      args: [...safety, ...args],
      cwd,
      env: extraEnv ? { ...env, ...extraEnv } : env,
      timeoutMs: options.timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (result.failure !== undefined)
      throw new Error(`git ${args[0] ?? ''} failed: ${result.stderr.trim() || result.failure}`);
    return result.stdout;
  };
}
