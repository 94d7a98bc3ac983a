/**
 * Why talking to a project's repository failed, in words the sender can act on. Only `unreachable`
 * is worth retrying; the others need a person to change something.
 */
export type RepositoryErrorKind =
  | 'auth'
  | 'not-found'
  | 'unreachable'
  | 'branch-diverged'
  /** A push refused because the branch moved (not a fast-forward). */
  | 'rejected'
  | 'credentials-missing'
  /** The ssh server's host key is not one of the pinned `knownHosts`. */
  | 'host-key'
  | 'git';

export class RepositoryError extends Error {
  override readonly name = 'RepositoryError';
  constructor(
    readonly kind: RepositoryErrorKind,
    message: string,
  ) {
    super(message);
  }

  get transient(): boolean {
    return this.kind === 'unreachable';
  }
}

const AUTH =
  /Authentication failed|could not read (Username|Password)|returned error: 40[13]|HTTP 40[13]|Permission denied \(publickey|Invalid username or password|terminal prompts disabled/i;
const NOT_FOUND =
  /Repository not found|repository '[^']*' not found|returned error: 404|HTTP 404|does not appear to be a git repository|not a git repository|No such file or directory|does not exist/i;
const UNREACHABLE =
  /Could not resolve host|Connection refused|Failed to connect|Couldn't connect|timed out|returned error: 5\d\d|HTTP 5\d\d|early EOF|RPC failed|Connection reset|Empty reply from server|unexpected disconnect|remote end hung up/i;

const HOST_KEY =
  /Host key verification failed|No [A-Z0-9-]+ host key is known|REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed/i;
const BAD_KEY = /Load key .*: (invalid format|error in libcrypto|incorrect passphrase)|invalid format/i;

/** Turns git's stderr for `operation` on `url` into a RepositoryError that says what is wrong. */
export function classifyGitFailure(operation: string, url: string, stderr: string): RepositoryError {
  const detail = stderr.split('\n').slice(-3).join(' ').trim();
  if (/\[rejected\]|non-fast-forward|fetch first/i.test(stderr))
    return new RepositoryError('rejected', `The branch moved on ${url} (${detail}).`);
  if (HOST_KEY.test(stderr))
    return new RepositoryError(
      'host-key',
      `The ssh server of ${url} showed a host key that is not in the project's knownHosts, so nothing was sent while trying to ${operation}: check its fingerprint against the forge's published ones and update knownHosts (${detail}).`,
    );
  if (BAD_KEY.test(stderr))
    return new RepositoryError(
      'credentials-missing',
      `The ssh deploy key for ${url} could not be loaded while trying to ${operation}: it must be an unencrypted OpenSSH private key (${detail}).`,
    );
  if (/Permission denied \(publickey/i.test(stderr))
    return new RepositoryError(
      'auth',
      `The repository ${url} refused the ssh deploy key while trying to ${operation}: check that the key's public half is a deploy key of the repository with write access (${detail}).`,
    );
  if (AUTH.test(stderr))
    return new RepositoryError(
      'auth',
      `The repository ${url} refused the credentials while trying to ${operation}: check that the token is valid and may read and write contents (${detail}).`,
    );
  if (NOT_FOUND.test(stderr))
    return new RepositoryError(
      'not-found',
      `The repository ${url} was not found while trying to ${operation}: check the URL and that the token can see it (${detail}).`,
    );
  if (UNREACHABLE.test(stderr))
    return new RepositoryError(
      'unreachable',
      `The repository ${url} could not be reached while trying to ${operation} (${detail}).`,
    );
  return new RepositoryError('git', `git could not ${operation} ${url}: ${detail}`);
}
