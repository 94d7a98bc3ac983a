import * as z from './zod.ts';

/**
 * Where a project's work lands: a git repository the worker clones, pushes a branch per thread to, and
 * opens a pull request in. The settings are copied into each job; the credentials are only a
 * reference (an environment variable, a file, or a Secrets Manager secret name), never a secret.
 */

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;

/** `https://…`, `http://` (loopback only), `ssh://…`, `git@host:owner/repo.git`, `file://…` or an absolute path. */
export const repositoryUrlSchema = z.string().check(
  z.trim(),
  z.minLength(1),
  z.refine((value) => repositoryUrlKind(value) !== undefined, {
    message:
      'must be an https:// or ssh:// URL, git@host:owner/repo.git, or (for local use) file:// or an absolute path; http:// only on loopback',
  }),
  z.refine((value) => !hasUrlCredentials(value), {
    message: 'must not carry a user name or token; name them in "credentials" instead',
  }),
);

export type RepositoryUrlKind = 'https' | 'ssh' | 'local';

export function repositoryUrlKind(url: string): RepositoryUrlKind | undefined {
  if (url.startsWith('/')) return 'local';
  if (SCP_LIKE.test(url)) return 'ssh';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === 'file:') return 'local';
  if (parsed.protocol === 'ssh:') return 'ssh';
  if (parsed.protocol === 'https:') return 'https';
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return 'https';
  return undefined;
}

function hasUrlCredentials(url: string): boolean {
  if (url.startsWith('/') || SCP_LIKE.test(url)) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol !== 'ssh:' && (parsed.username !== '' || parsed.password !== '');
  } catch {
    return false;
  }
}

export const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

const branchNameSchema = z
  .string()
  .check(
    z.regex(
      /^(?!\/|.*\/\/|.*\.\.|.*@\{|.*\.lock$|.*\/$)[A-Za-z0-9._/-]{1,200}$/,
      'must be a plain branch name like "main"',
    ),
  );

/**
 * Where the token (https) or the deploy key (ssh: an OpenSSH private key) comes from. Locally: an
 * environment variable of the worker or a file; on AWS: a Secrets Manager secret whose name starts
 * with the deployment's repository-secret prefix.
 */
export const repositoryCredentialsSchema = z.union([
  z.strictObject({
    env: z.string().check(z.regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'must be an environment variable name')),
  }),
  z.strictObject({ file: z.string().check(z.startsWith('/', 'must be an absolute path')) }),
  z.strictObject({
    secret: z.string().check(z.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name')),
  }),
]);
export type RepositoryCredentials = z.infer<typeof repositoryCredentialsSchema>;

const pathSegment = /^[A-Za-z0-9_.-]{1,100}$/;

export const pullRequestSettingsSchema = z.strictObject({
  provider: z.enum(['github', 'gitlab', 'none']),
  /**
   * GitHub Enterprise (`https://host/api/v3`; default `https://api.github.com`), a self-hosted GitLab
   * (`https://gitlab.example.com`, with or without `/api/v4`; default `https://gitlab.com`), or the
   * local forge.
   */
  apiBaseUrl: z.optional(
    z.url().check(
      z.refine((value) => repositoryUrlKind(value) === 'https', {
        message: 'must be an https:// URL (http:// only on loopback)',
      }),
    ),
  ),
  /** Default: derived from the repository URL (`…/owner/repo(.git)`). */
  owner: z.optional(z.string().check(z.regex(pathSegment, 'must be a GitHub owner name'))),
  repo: z.optional(z.string().check(z.regex(pathSegment, 'must be a repository name'))),
  /**
   * The API token, when it is not the repository's credentials: required with an ssh remote, whose
   * deploy key cannot call the forge's API.
   */
  credentials: z.optional(repositoryCredentialsSchema),
  /** GitLab: the project's full path (`group/subgroup/repo`). Default: the repository URL's path. */
  project: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^(?!.*\.\.)[A-Za-z0-9_.-]{1,100}(\/[A-Za-z0-9_.-]{1,100}){1,20}$/,
          'must be a GitLab project path like "group/repo"',
        ),
      ),
  ),
});

/** One line of an OpenSSH known_hosts file: `host[,host…] key-type base64-key [comment]`. */
const KNOWN_HOSTS_LINE =
  /^(@cert-authority\s+)?[^\s#@]\S*\s+(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)\s+[A-Za-z0-9+/]+={0,2}(\s.*)?$/;

/** The pinned host keys of an ssh remote, as known_hosts lines (`ssh-keyscan host`, checked by hand). */
export const knownHostsSchema = z.string().check(
  z.maxLength(64 * 1024),
  z.refine(
    (value) => {
      const lines = value
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'));
      return lines.length > 0 && lines.every((line) => KNOWN_HOSTS_LINE.test(line));
    },
    { message: 'must be known_hosts lines: "host key-type base64-key" (for example from ssh-keyscan)' },
  ),
);

export const repositorySettingsSchema = z
  .strictObject({
    url: repositoryUrlSchema,
    /** Default: the remote's HEAD. */
    defaultBranch: z.optional(branchNameSchema),
    credentials: z.optional(repositoryCredentialsSchema),
    /** ssh remotes only, and required there: the host keys to trust (never "accept whatever comes"). */
    knownHosts: z.optional(knownHostsSchema),
    pullRequests: z._default(pullRequestSettingsSchema, { provider: 'none' }),
  })
  .check(
    z.superRefine((repository, context) => {
      const ssh = repositoryUrlKind(repository.url) === 'ssh';
      if (ssh && !repository.knownHosts)
        context.addIssue({
          code: 'custom',
          message:
            "an ssh remote needs the host keys to trust, as known_hosts lines (for example from ssh-keyscan, checked against the forge's published fingerprints)",
          path: ['knownHosts'],
        });
      if (!ssh && repository.knownHosts)
        context.addIssue({ code: 'custom', message: 'only for ssh remotes', path: ['knownHosts'] });
      const { provider, owner, repo, project } = repository.pullRequests;
      if (ssh && provider !== 'none' && repository.credentials && !repository.pullRequests.credentials)
        context.addIssue({
          code: 'custom',
          message: `an ssh deploy key cannot call the ${provider} API; name an API token in pullRequests.credentials`,
          path: ['pullRequests', 'credentials'],
        });
      if (provider === 'github' && !(owner && repo) && !ownerAndRepoOf(repository.url))
        context.addIssue({
          code: 'custom',
          message: 'cannot derive owner/repo from the url; give pullRequests.owner and pullRequests.repo',
          path: ['pullRequests'],
        });
      if (provider === 'gitlab' && !project && !projectPathOf(repository.url))
        context.addIssue({
          code: 'custom',
          message: 'cannot derive the GitLab project path from the url; give pullRequests.project',
          path: ['pullRequests'],
        });
    }),
  );
export type RepositorySettings = z.infer<typeof repositorySettingsSchema>;

/** The path of a remote URL without `.git` (`group/sub/repo`), for https, ssh and scp-like URLs. */
function remotePathOf(url: string): string[] {
  const path = SCP_LIKE.test(url)
    ? url.slice(url.indexOf(':') + 1)
    : (() => {
        try {
          return new URL(url).pathname;
        } catch {
          return '';
        }
      })();
  return path
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter(Boolean);
}

/** A GitLab project's full path from its URL: everything after the host (`group/subgroup/repo`). */
export function projectPathOf(url: string): string | undefined {
  if (repositoryUrlKind(url) === 'local') return undefined;
  const parts = remotePathOf(url);
  return parts.length >= 2 ? parts.join('/') : undefined;
}

/** `owner` and `repo` from `https://host/…/owner/repo(.git)` or `git@host:owner/repo.git`. */
export function ownerAndRepoOf(url: string): { owner: string; repo: string } | undefined {
  const [owner, repo] = remotePathOf(url).slice(-2);
  return owner && repo ? { owner, repo } : undefined;
}

/** The owner and repository a project's pull requests go to. */
export function pullRequestTarget(
  repository: RepositorySettings,
): { owner: string; repo: string } | undefined {
  const derived = ownerAndRepoOf(repository.url);
  const owner = repository.pullRequests.owner ?? derived?.owner;
  const repo = repository.pullRequests.repo ?? derived?.repo;
  return owner && repo ? { owner, repo } : undefined;
}

/** The GitLab project (full path) a project's merge requests go to. */
export function mergeRequestProject(repository: RepositorySettings): string | undefined {
  return repository.pullRequests.project ?? projectPathOf(repository.url);
}

/** The credentials the forge's API is called with: its own, else the repository's (a token). */
export const apiCredentialsOf = (repository: RepositorySettings): RepositoryCredentials | undefined =>
  repository.pullRequests.credentials ?? repository.credentials;
