import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repositoryUrlKind, type RepositorySettings } from '#contracts/repository.ts';
import type { RepositoryCredentialSource } from '../ports.ts';
import { RepositoryError } from './repository-error.ts';

/** The user name sent with a token: GitHub takes any name with a token; `x-access-token` is its convention. */
const TOKEN_USER = 'x-access-token';

const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$INTAKE_GIT_USERNAME" ;;
  *) printf '%s\\n' "$INTAKE_GIT_PASSWORD" ;;
esac
`;

const PRIVATE_KEY =
  /^-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END ([A-Z0-9]+ )?PRIVATE KEY-----\s*$/;

export interface GitAuthOptions {
  /** Holds the GIT_ASKPASS script (no secret is ever written there). */
  home: string;
  /**
   * Where an ssh key's 0600 file lives while one git process runs: outside every worktree, and a
   * folder validation commands do not see (bubblewrap gives them a private /tmp; a lent uid cannot
   * read a 0600 file of the worker's).
   */
  secretsDir: string;
  credentials: RepositoryCredentialSource;
}

/** Runs one git process with the variables that authenticate it; anything on disk is gone after. */
export type GitAuth = <T>(work: (env: Readonly<Record<string, string>>) => Promise<T>) => Promise<T>;

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * How git proves who it is to a repository, without a secret in a URL, a config file or a log:
 * - https: GIT_ASKPASS (one script, written once, with no secret in it) reads the token from two
 *   variables set on that one git process;
 * - ssh: the deploy key is written to a 0600 file in a fresh 0700 folder for the lifetime of the git
 *   process and removed after it, and ssh trusts only the configured `knownHosts` (never
 *   accept-new, no agent, no user or system config).
 */
export function createGitAuth(options: GitAuthOptions) {
  const askpass = path.join(options.home, 'git-askpass');
  let askpassReady: Promise<void> | undefined;

  async function secretOf(repository: RepositorySettings, what: string): Promise<string | undefined> {
    if (!repository.credentials) return undefined;
    let secret: string;
    try {
      secret = await options.credentials.tokenFor(repository.credentials);
    } catch (error) {
      throw new RepositoryError(
        'credentials-missing',
        `The ${what} for ${repository.url} could not be read (${error instanceof Error ? error.message : String(error)}).`,
      );
    }
    if (!secret.trim())
      throw new RepositoryError('credentials-missing', `The ${what} for ${repository.url} is empty.`);
    return secret;
  }

  return {
    async forRepository(repository: RepositorySettings): Promise<GitAuth> {
      const kind = repositoryUrlKind(repository.url);
      if (kind === 'ssh') {
        const key = await secretOf(repository, 'ssh deploy key');
        if (key !== undefined && !PRIVATE_KEY.test(key.trim()))
          throw new RepositoryError(
            'credentials-missing',
            `The ssh deploy key for ${repository.url} is not an OpenSSH private key (it must start with "-----BEGIN … PRIVATE KEY-----").`,
          );
        if (!repository.knownHosts)
          throw new RepositoryError(
            'host-key',
            `The repository ${repository.url} has no knownHosts: intake connects over ssh only to pinned host keys.`,
          );
        const knownHosts = repository.knownHosts;
        return async (work) => {
          const dir = await mkdtemp(path.join(options.secretsDir, 'intake-ssh-'));
          try {
            await chmod(dir, 0o700);
            const keyFile = path.join(dir, 'key');
            const knownHostsFile = path.join(dir, 'known_hosts');
            await writeFile(knownHostsFile, knownHosts.endsWith('\n') ? knownHosts : `${knownHosts}\n`, {
              mode: 0o600,
            });
            const identity: string[] = ['-o', 'IdentityAgent=none', '-o', 'IdentitiesOnly=yes'];
            if (key !== undefined) {
              await writeFile(keyFile, `${key.trim()}\n`, { mode: 0o600 });
              identity.push('-i', quote(keyFile));
            }
            const command = [
              'ssh',
              '-F',
              '/dev/null',
              ...identity,
              '-o',
              'BatchMode=yes',
              '-o',
              'StrictHostKeyChecking=yes',
              '-o',
              `UserKnownHostsFile=${quote(knownHostsFile)}`,
              '-o',
              'GlobalKnownHostsFile=/dev/null',
              '-o',
              'ConnectTimeout=30',
            ].join(' ');
            return await work({ GIT_SSH_COMMAND: command, GIT_SSH_VARIANT: 'ssh' });
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        };
      }
      const token = kind === 'https' ? (await secretOf(repository, 'token'))?.trim() : undefined;
      if (token === undefined) return (work) => work({});
      askpassReady ??= (async () => {
        await mkdir(options.home, { recursive: true });
        await writeFile(askpass, ASKPASS, { mode: 0o700 });
        await chmod(askpass, 0o700);
      })();
      await askpassReady;
      const env = {
        GIT_ASKPASS: askpass,
        INTAKE_GIT_USERNAME: TOKEN_USER,
        INTAKE_GIT_PASSWORD: token,
        // The user name from config, so git runs GIT_ASKPASS once (for the token), not twice.
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'credential.username',
        GIT_CONFIG_VALUE_0: TOKEN_USER,
      };
      return (work) => work(env);
    },
  };
}
