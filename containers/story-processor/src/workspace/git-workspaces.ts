import { createHash } from 'node:crypto';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ID_PATTERN } from '#contracts/identifiers';
import type { CommitRequest, GitWorkspace, WorkspaceProvider } from '../ports.ts';
import { quotedCommitBody } from './commit-message.ts';
import type { GitRunner } from './git-cli.ts';

export const JOB_TRAILER = 'Intake-Job';
export const THREAD_TRAILER = 'Intake-Thread';
export const STORY_TRAILER = 'Intake-Story';

/** `intake/<threadId>`; thread ids (`t` + hex) pass through, anything else becomes a safe slug plus a hash. */
export function branchForThread(threadId: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/.test(threadId)) return `intake/${threadId}`;
  const slug = threadId
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(threadId).digest('hex').slice(0, 10);
  return `intake/${slug ? `${slug}-` : ''}${hash}`;
}

export const exists = (target: string): Promise<boolean> =>
  access(target).then(
    () => true,
    () => false,
  );

/**
 * One bare git repository per project (`<root>/<projectId>/repo.git`) and one worktree per thread
 * branch (`<root>/<projectId>/threads/<thread>`), so jobs of different users of one project never
 * share a working tree.
 */
export function createGitWorkspaces(root: string, git: GitRunner): WorkspaceProvider {
  const locks = new Map<string, Promise<unknown>>();
  const withProjectLock = <T>(projectId: string, work: () => Promise<T>): Promise<T> => {
    const previous = locks.get(projectId) ?? Promise.resolve();
    const next = previous.then(work, work);
    locks.set(
      projectId,
      next.catch(() => undefined),
    );
    return next;
  };

  return {
    open(projectId, threadId) {
      if (!ID_PATTERN.test(projectId)) throw new Error(`not a project id: ${JSON.stringify(projectId)}`);
      return withProjectLock(projectId, async () => {
        const projectDir = path.join(root, projectId);
        const repo = path.join(projectDir, 'repo.git');
        await ensureRepository(git, projectDir, repo);
        const branch = branchForThread(threadId);
        const dir = path.join(projectDir, 'threads', branch.slice('intake/'.length));
        await ensureWorktree(git, repo, dir, branch);
        return gitWorkspace(git, dir, branch);
      });
    },
  };
}

async function ensureRepository(git: GitRunner, projectDir: string, repo: string): Promise<void> {
  await mkdir(projectDir, { recursive: true });
  if (!(await exists(path.join(repo, 'HEAD'))))
    await git(['init', '-q', '--bare', '-b', 'main', repo], projectDir);
  const hasMain = await git(['rev-parse', '--verify', '-q', 'refs/heads/main'], repo).then(
    () => true,
    () => false,
  );
  if (hasMain) return;
  const emptyTree = (await git(['hash-object', '-w', '-t', 'tree', '/dev/null'], repo)).trim();
  const commit = (await git(['commit-tree', emptyTree, '-m', 'Workspace created by intake'], repo)).trim();
  await git(['update-ref', 'refs/heads/main', commit], repo);
}

async function ensureWorktree(git: GitRunner, repo: string, dir: string, branch: string): Promise<void> {
  if (await exists(path.join(dir, '.git'))) {
    const head = await git(['rev-parse', '--abbrev-ref', 'HEAD'], dir).catch(() => '');
    if (head.trim() === branch) return;
    await rm(dir, { recursive: true, force: true });
  }
  await git(['worktree', 'prune'], repo);
  await mkdir(path.dirname(dir), { recursive: true });
  const hasBranch = await git(['show-ref', '--verify', '-q', `refs/heads/${branch}`], repo).then(
    () => true,
    () => false,
  );
  if (hasBranch) await git(['worktree', 'add', '-q', dir, branch], repo);
  else await git(['worktree', 'add', '-q', '-b', branch, dir, 'main'], repo);
}

const FIELD = '\x1f';
const RECORD = '\x1e';
// eslint-disable-next-line no-control-regex -- commit subjects and trailers must stay on one line
const clean = (value: string): string => value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

/** Reset, commit with trailers, and read this job's stories from the branch. */
export function gitWorkspace(git: GitRunner, dir: string, branch: string): GitWorkspace {
  return {
    dir,
    branch,
    async resetToHead() {
      await git(['reset', '-q', '--hard', 'HEAD'], dir);
      await git(['clean', '-q', '-fd'], dir);
    },
    async commit(request: CommitRequest) {
      await git(['add', '-A'], dir);
      // Two git processes per commit: the trailers are written as the message's last paragraph
      // (`--trailer` would spawn `git interpret-trailers`), and the new commit's full id is read from
      // commit's own summary line (core.abbrev=no) instead of a `rev-parse`.
      const args = ['-c', 'core.abbrev=no', 'commit', '--no-verify', '--allow-empty', '--no-edit'];
      args.push('-m', clean(request.subject) || 'Story');
      const body = quotedCommitBody(request.body);
      if (body) args.push('-m', body);
      if (request.trailers.length > 0)
        args.push('-m', request.trailers.map(([key, value]) => `${clean(key)}: ${clean(value)}`).join('\n'));
      const summary = await git(args, dir);
      const id = /^\[[^\]]* ([0-9a-f]{40,64})\]/.exec(summary)?.[1];
      return id ?? (await git(['rev-parse', 'HEAD'], dir)).trim();
    },
    async committedStories(jobId) {
      const format = `%H${FIELD}%(trailers:key=${JOB_TRAILER},valueonly,separator=%x2C)${FIELD}%(trailers:key=${STORY_TRAILER},valueonly,separator=%x2C)${RECORD}`;
      const out = await git(['log', branch, `--format=${format}`], dir);
      const found = new Map<number, string>();
      for (const record of out.split(RECORD)) {
        const [sha, job, story] = record.trim().split(FIELD);
        if (!sha || job?.trim() !== jobId) continue;
        const index = Number.parseInt(story ?? '', 10);
        // git log lists newest first; keep the oldest commit of a story should there ever be two.
        if (Number.isInteger(index) && index > 0) found.set(index, sha);
      }
      return found;
    },
  };
}
