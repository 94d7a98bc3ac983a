import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ID_PATTERN } from '#contracts/identifiers';
import { repositoryUrlKind, type RepositorySettings } from '#contracts/repository';
import type { WorkerClock, GitWorkspace, Log, RepositoryCredentialSource } from '../ports.ts';
import type { GitRunner } from './git-cli.ts';
import { branchForThread, exists, gitWorkspace } from './git-workspaces.ts';
import { createGitAuth } from './git-auth.ts';
import { classifyGitFailure, RepositoryError } from './repository-error.ts';

export interface RemoteWorkspaceOptions {
  /** Caches live under `<root>/<projectId>/`; any of it may be deleted between jobs. */
  root: string;
  /** A folder for the GIT_ASKPASS script (no secret is ever written there). */
  home: string;
  /** Where an ssh deploy key lives while a git process runs (0600, removed after). Default: os.tmpdir(). */
  secretsDir?: string;
  git: GitRunner;
  credentials: RepositoryCredentialSource;
  clock: WorkerClock;
  log: Log;
  /** Tries of a network operation that fails transiently. Default 4. */
  attempts?: number;
  /** First back-off; doubles each try. Default 500 ms. */
  backoffMs?: number;
}

export interface OpenOptions {
  /** How failures name the repository (default its URL): a project's own repository has no URL to show. */
  name?: string;
}

/**
 * A local repository's hooks never run: `-c core.hooksPath` of the worker does not reach the
 * upload-pack and receive-pack that git starts for a `file://` remote (a local transport clears
 * GIT_CONFIG_PARAMETERS), and the remote's own config could name its hooks, so the cache tells git
 * how to start them, with a command-line setting that beats the remote's config.
 */
const LOCAL_TRANSPORT_CONFIG = [
  ['remote.origin.uploadpack', 'git -c core.hooksPath=/dev/null upload-pack'],
  ['remote.origin.receivepack', 'git -c core.hooksPath=/dev/null receive-pack'],
] as const;

/**
 * Workspaces cloned from a repository: the one a project names, or, for a project that names none,
 * its own bare repository on the durable root (see own-repositories.ts). Per project a bare cache
 * fetched with `--filter=blob:none` (blobs arrive on demand), and per thread a worktree on
 * `intake/<thread>` that starts from the remote's copy of that branch, or from the default branch on
 * the first job. The remote is the checkpoint: local commits that were never pushed are dropped on open.
 *
 * Credentials reach each git process through `createGitAuth` (GIT_ASKPASS for a token, a short-lived
 * key file for ssh); never a URL, a config file, or the environment of anything else.
 */
export function createRemoteWorkspaces(options: RemoteWorkspaceOptions) {
  const { clock, log } = options;
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 500;
  const auth = createGitAuth({
    home: options.home,
    secretsDir: options.secretsDir ?? tmpdir(),
    credentials: options.credentials,
  });
  const locks = new Map<string, Promise<unknown>>();
  const withLock = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const next = (locks.get(key) ?? Promise.resolve()).then(work, work);
    locks.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  };

  /** A network git call, retried with back-off while the remote is unreachable. */
  async function network(
    git: GitRunner,
    operation: string,
    url: string,
    args: string[],
    cwd: string,
  ): Promise<string> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await git(args, cwd);
      } catch (error) {
        const failure = classifyGitFailure(operation, url, error instanceof Error ? error.message : '');
        if (!failure.transient || attempt >= attempts) throw failure;
        const delay = backoffMs * 2 ** (attempt - 1);
        log.warn('repository unreachable; retrying', { url, operation, attempt, delayMs: delay });
        await clock.sleep(delay);
      }
    }
  }

  async function ensureCache(git: GitRunner, cache: string, repository: RepositorySettings) {
    // The worker's alone: a check's lent uid could otherwise read any project's history on this task
    // by its path (the worktree's own git link needs none of it: sandboxed checks cannot run git there).
    if (await exists(path.join(cache, 'HEAD'))) return chmod(cache, 0o700);
    await rm(cache, { recursive: true, force: true });
    await mkdir(cache, { recursive: true, mode: 0o700 });
    await chmod(cache, 0o700);
    await git(['init', '-q', '--bare', cache], path.dirname(cache));
    // What `git clone --filter=blob:none` sets up, with remote-tracking refs so that the thread
    // branches checked out in worktrees are never overwritten by a fetch.
    for (const [key, value] of [
      ['remote.origin.url', repository.url],
      ['remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*'],
      ['remote.origin.promisor', 'true'],
      ['remote.origin.partialclonefilter', 'blob:none'],
      ['core.repositoryformatversion', '1'],
      ['extensions.partialclone', 'origin'],
      ...(repositoryUrlKind(repository.url) === 'local' ? LOCAL_TRANSPORT_CONFIG : []),
    ] as const)
      await git(['config', key, value], cache);
  }

  /**
   * Brings the cache's copies of the base branch and the thread branch up to the remote's tips: one
   * `ls-remote` (which also names the default branch), then a fetch, without tags, of only the ref the
   * thread starts from (its own branch, else the base) and only when our copy of it is behind.
   * Returns the base branch and the commit the thread starts from (none: an empty repository).
   */
  async function syncRefs(
    git: GitRunner,
    cache: string,
    repository: RepositorySettings,
    name: string,
    branch: string,
  ): Promise<{ base: string; start: string | undefined }> {
    const wanted = ['HEAD', `refs/heads/${branch}`];
    if (repository.defaultBranch) wanted.push(`refs/heads/${repository.defaultBranch}`);
    const listed = await network(
      git,
      'read the branches of',
      name,
      ['ls-remote', '--symref', 'origin', ...wanted],
      cache,
    );
    const remote = new Map<string, string>();
    let headBranch: string | undefined;
    for (const line of listed.split('\n')) {
      const symref = /^ref: refs\/heads\/(\S+)\s+HEAD$/.exec(line);
      if (symref) headBranch = symref[1];
      const [sha, ref] = line.split('\t');
      if (sha && ref && /^[0-9a-f]{40,64}$/.test(sha)) remote.set(ref, sha);
    }
    const base = repository.defaultBranch ?? headBranch ?? 'main';
    const baseTip =
      remote.get(`refs/heads/${base}`) ?? (base === headBranch ? remote.get('HEAD') : undefined);
    const branchTip = remote.get(`refs/heads/${branch}`);
    // The thread continues its own branch when the remote has it; only then is the base not needed.
    const [ref, tip] = branchTip ? [branch, branchTip] : [base, baseTip];
    if (!tip) return { base, start: undefined };
    const tracking = `refs/remotes/origin/${ref}`;
    const local = (await git(['for-each-ref', '--format=%(objectname)', tracking], cache)).trim();
    if (local !== tip)
      await network(
        git,
        'fetch',
        name,
        ['fetch', '-q', '--no-tags', '--no-write-fetch-head', 'origin', `+refs/heads/${ref}:${tracking}`],
        cache,
      );
    return { base, start: tip };
  }

  /** An empty repository: the branch starts from an empty root commit. */
  async function emptyStart(git: GitRunner, cache: string): Promise<string> {
    const emptyTree = (await git(['hash-object', '-w', '-t', 'tree', '/dev/null'], cache)).trim();
    return (await git(['commit-tree', emptyTree, '-m', 'Start of the intake branch'], cache)).trim();
  }

  /**
   * The thread's worktree at `start`, and its administrative folder in the cache. One that is already
   * there, on the branch, at `start` (the usual state after a job pushed its last story) is used as it
   * is: one `rev-parse`, no checkout and no scan of the files (the pipeline resets uncommitted changes
   * before it starts anyway).
   */
  async function ensureWorktree(
    git: GitRunner,
    cache: string,
    dir: string,
    branch: string,
    start: string,
  ): Promise<string> {
    const admin = await adminDirOf(cache, dir);
    if (admin && (await exists(dir))) {
      // Validation commands may have replaced the link; their own git (`git diff`) reads it.
      await rm(path.join(dir, '.git'), { recursive: true, force: true });
      await writeFile(path.join(dir, '.git'), `gitdir: ${admin}\n`);
      const inWorktree = boundTo(git, admin, dir);
      const head = await inWorktree(['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD'], dir).catch(
        () => '',
      );
      if (head === `${start}\nrefs/heads/${branch}\n`) return admin;
      await inWorktree(['checkout', '-q', '-f', '-B', branch, start], dir);
      await inWorktree(['clean', '-q', '-fdx'], dir);
      return admin;
    }
    await rm(dir, { recursive: true, force: true });
    await git(['worktree', 'prune'], cache);
    await mkdir(path.dirname(dir), { recursive: true });
    await git(['worktree', 'add', '-q', '-f', '-B', branch, dir, start], cache);
    const added = await adminDirOf(cache, dir);
    if (!added) throw new Error(`git worktree add left no registration for ${dir} in ${cache}`);
    return added;
  }

  return {
    async open(
      projectId: string,
      threadId: string,
      repository: RepositorySettings,
      openOptions: OpenOptions = {},
    ): Promise<GitWorkspace> {
      if (!ID_PATTERN.test(projectId)) throw new Error(`not a project id: ${JSON.stringify(projectId)}`);
      const authenticated = await auth.forRepository(repository);
      // Every git call of this workspace may fetch missing blobs (a partial clone), so each one gets
      // the credential hand-off.
      const git: GitRunner = (args, cwd, extra) =>
        authenticated((env) => options.git(args, cwd, { ...env, ...extra }));
      const urlHash = createHash('sha256').update(repository.url).digest('hex').slice(0, 12);
      const projectDir = path.join(options.root, projectId);
      const cache = path.join(projectDir, `cache-${urlHash}.git`);
      const branch = branchForThread(threadId);
      const dir = path.join(projectDir, `threads-${urlHash}`, branch.slice('intake/'.length));
      const name = openOptions.name ?? repository.url;
      const { baseBranch, admin } = await withLock(cache, async () => {
        await ensureCache(git, cache, repository);
        const { base, start } = await syncRefs(git, cache, repository, name, branch);
        const worktreeAdmin = await ensureWorktree(
          git,
          cache,
          dir,
          branch,
          start ?? (await emptyStart(git, cache)),
        );
        return { baseBranch: base, admin: worktreeAdmin };
      });
      const inWorktree = boundTo(git, admin, dir);
      const local = gitWorkspace(inWorktree, dir, branch);
      let head: string | undefined;
      return {
        ...local,
        remote: { url: repository.url, baseBranch },
        async commit(request) {
          head = await local.commit(request);
          return head;
        },
        async publish() {
          head = await publish(inWorktree, dir, branch, name, head);
          return head;
        },
      };
    },
  };

  /**
   * Push without force; on a rejection take the remote's new commits in by rebasing ours onto them.
   * One git process when the push goes through: the push itself updates `refs/remotes/origin/<branch>`
   * (the fetch refspec maps it), and the pushed commit is the one just made (`head`).
   */
  async function publish(
    git: GitRunner,
    dir: string,
    branch: string,
    name: string,
    head: string | undefined,
  ): Promise<string> {
    const push = ['push', '-q', '--no-verify', 'origin', `HEAD:refs/heads/${branch}`];
    let pushed = head;
    for (let round = 1; ; round += 1) {
      try {
        await network(git, 'push to', name, push, dir);
        return pushed ?? (await git(['rev-parse', 'HEAD'], dir)).trim();
      } catch (error) {
        if (!(error instanceof RepositoryError) || error.kind !== 'rejected') throw error;
        if (round >= 3)
          throw new RepositoryError(
            'branch-diverged',
            `The branch ${branch} on ${name} kept moving while the story was pushed; the story was not pushed.`,
          );
      }
      pushed = undefined;
      log.info('branch moved on the remote; rebasing the unpushed story onto it', { branch });
      await network(
        git,
        'fetch',
        name,
        ['fetch', '-q', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`],
        dir,
      );
      try {
        await git(['rebase', '-q', `refs/remotes/origin/${branch}`], dir);
      } catch {
        await git(['rebase', '--abort'], dir).catch(() => undefined);
        throw new RepositoryError(
          'branch-diverged',
          `Someone else pushed commits to ${branch} on ${name} that conflict with the story being committed; ` +
            'nothing was force-pushed. Resolve or revert those commits on the branch and reply to this email to continue.',
        );
      }
    }
  }
}

/**
 * A worktree's administrative folder, found from the cache's side (root's, out of the sandbox's
 * reach), never through the worktree's own `.git`, which validation commands can rewrite.
 */
async function adminDirOf(cache: string, dir: string): Promise<string | undefined> {
  const registrations = path.join(cache, 'worktrees');
  const names = await readdir(registrations).catch(() => [] as string[]);
  if (names.length === 0) return undefined;
  const links = new Set([path.join(dir, '.git'), path.join(await realpath(dir).catch(() => dir), '.git')]);
  for (const name of names) {
    const gitdir = await readFile(path.join(registrations, name, 'gitdir'), 'utf8').catch(() => '');
    if (links.has(gitdir.trim())) return path.join(registrations, name);
  }
  return undefined;
}

/**
 * git for one worktree with its repository named explicitly: whatever `.git` a validation command
 * left in the worktree (a folder whose config names an fsmonitor or a filter) is never read, so
 * nothing it wrote runs as the worker.
 */
const boundTo =
  (git: GitRunner, admin: string, dir: string): GitRunner =>
  (args, cwd, env) =>
    git([`--git-dir=${admin}`, `--work-tree=${dir}`, ...args], cwd, env);
