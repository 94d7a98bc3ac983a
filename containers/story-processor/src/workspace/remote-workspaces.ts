import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ID_PATTERN } from '#contracts/identifiers.ts';
import { repositoryUrlKind, type RepositorySettings } from '#contracts/repository.ts';
import type { WorkerClock, GitWorkspace, Log, RepositoryCredentialSource } from '../ports.ts';
import type { GitRunner } from './git-cli.ts';
import { branchForThread, exists, gitWorkspace } from './git-workspaces.ts';
import { createGitAuth } from './git-auth.ts';
import { parseRemoteListing, readLocalRefs, type LocalRefs } from './ref-listings.ts';
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
   * What the cache already has (our copies, and where the thread's worktree is) is read in one local
   * git process while the remote answers, so a later job whose branch did not move waits for the
   * remote alone. Returns the base branch, the commit the thread starts from (none: an empty
   * repository), and the thread's worktree when it is there and readable.
   */
  async function syncRefs(
    git: GitRunner,
    cache: string,
    dir: string,
    repository: RepositorySettings,
    name: string,
    branch: string,
  ): Promise<{ base: string; start: string | undefined; worktree: ExistingWorktree | undefined }> {
    const branchRef = `refs/heads/${branch}`;
    const wanted = ['HEAD', branchRef];
    if (repository.defaultBranch) wanted.push(`refs/heads/${repository.defaultBranch}`);
    const ours = [branchRef, trackingRef(branch)];
    if (repository.defaultBranch) ours.push(trackingRef(repository.defaultBranch));
    const [listed, local] = await Promise.all([
      network(git, 'read the branches of', name, ['ls-remote', '--symref', 'origin', ...wanted], cache),
      readOurRefs(git, cache, dir, ours),
    ]);
    const remote = parseRemoteListing(listed);
    const base = repository.defaultBranch ?? remote.headBranch ?? 'main';
    const baseTip =
      remote.tips.get(`refs/heads/${base}`) ??
      (base === remote.headBranch ? remote.tips.get('HEAD') : undefined);
    const branchTip = remote.tips.get(branchRef);
    const worktree = local.worktreeAdmin
      ? { admin: local.worktreeAdmin, at: local.head === branchRef ? local.tips.get(branchRef) : undefined }
      : undefined;
    // The thread continues its own branch when the remote has it; only then is the base not needed.
    const [ref, tip] = branchTip ? [branch, branchTip] : [base, baseTip];
    if (!tip) return { base, start: undefined, worktree };
    const tracking = trackingRef(ref);
    // Not read (a base learnt from the remote's HEAD): the fetch by id below costs no request when
    // the cache has the commit.
    if (local.tips.get(tracking) !== tip) {
      const fetch = (source: string) => [
        'fetch',
        '-q',
        '--no-tags',
        '--no-write-fetch-head',
        'origin',
        `+${source}:${tracking}`,
      ];
      // By the id just listed, so the fetch does not list the remote's refs again (one request
      // fewer). A server that takes only the tips it advertises (protocol v0) refuses an id the
      // branch moved on from meanwhile: then, as on any failure, by name with the usual retries.
      await git(fetch(tip), cache).catch(() =>
        network(git, 'fetch', name, fetch(`refs/heads/${ref}`), cache),
      );
    }
    return { base, start: tip, worktree };
  }

  /**
   * Our copies of `refs`, and where the thread's worktree (in `dir`) has its HEAD, read through the
   * worktree's administrative folder; with no worktree, or should that read fail (a damaged
   * registration), from the cache alone, and the worktree counts as absent (it is made anew).
   */
  async function readOurRefs(
    git: GitRunner,
    cache: string,
    dir: string,
    refs: readonly string[],
  ): Promise<LocalRefs & { worktreeAdmin?: string }> {
    const registered = await adminDirOf(cache, dir);
    if (registered && (await exists(dir))) {
      const read = await readLocalRefs(git, registered, cache, refs).catch(() => undefined);
      if (read) return { ...read, worktreeAdmin: registered };
    }
    const { tips } = await readLocalRefs(git, cache, cache, refs);
    return { tips, head: undefined };
  }

  /** An empty repository: the branch starts from an empty root commit. */
  async function emptyStart(git: GitRunner, cache: string): Promise<string> {
    const emptyTree = (await git(['hash-object', '-w', '-t', 'tree', '/dev/null'], cache)).trim();
    return (await git(['commit-tree', emptyTree, '-m', 'Start of the intake branch'], cache)).trim();
  }

  /**
   * The thread's worktree at `start`, and its administrative folder in the cache. One that is already
   * there, on the branch, at `start` (the usual state after a job pushed its last story) is used as it
   * is: no checkout and no scan of the files (the pipeline resets uncommitted changes before it
   * starts anyway).
   */
  async function ensureWorktree(
    git: GitRunner,
    cache: string,
    dir: string,
    branch: string,
    start: string,
    existing: ExistingWorktree | undefined,
  ): Promise<string> {
    if (existing) {
      const { admin } = existing;
      // Validation commands may have replaced the link; their own git (`git diff`) reads it.
      await rm(path.join(dir, '.git'), { recursive: true, force: true });
      await writeFile(path.join(dir, '.git'), `gitdir: ${admin}\n`);
      if (existing.at === start) return admin;
      const inWorktree = boundTo(git, admin, dir);
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
        const { base, start, worktree } = await syncRefs(git, cache, dir, repository, name, branch);
        const worktreeAdmin = await ensureWorktree(
          git,
          cache,
          dir,
          branch,
          start ?? (await emptyStart(git, cache)),
          worktree,
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

/** A thread's worktree already on disk: its administrative folder, and the commit its branch is at when HEAD is on it. */
interface ExistingWorktree {
  admin: string;
  at: string | undefined;
}

const trackingRef = (branch: string): string => `refs/remotes/origin/${branch}`;

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
