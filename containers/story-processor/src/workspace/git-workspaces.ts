import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import type { CommitRequest, GitWorkspace } from '../ports.ts';
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
