import type { GitRunner } from './git-cli.ts';

const OBJECT_ID = /^[0-9a-f]{40,64}$/;

export interface RemoteListing {
  /** Full ref name (and `HEAD`) → commit, as the remote has them. */
  tips: Map<string, string>;
  /** The branch the remote's HEAD names, when it said. */
  headBranch: string | undefined;
}

/** Reads the output of `git ls-remote --symref`. */
export function parseRemoteListing(listed: string): RemoteListing {
  const tips = new Map<string, string>();
  let headBranch: string | undefined;
  for (const line of listed.split('\n')) {
    const symref = /^ref: refs\/heads\/(\S+)\s+HEAD$/.exec(line);
    if (symref) headBranch = symref[1];
    const [sha, ref] = line.split('\t');
    if (sha && ref && OBJECT_ID.test(sha)) tips.set(ref, sha);
  }
  return { tips, headBranch };
}

export interface LocalRefs {
  /** Full ref name → commit, for the asked refs that exist. */
  tips: Map<string, string>;
  /** The asked ref that the repository's HEAD is attached to, if any. */
  head: string | undefined;
}

/**
 * The tips of `refs` in one git process, and which of them HEAD is on. Given a worktree's
 * administrative folder as `gitDir`, HEAD is that worktree's; the refs are the cache's, which every
 * worktree shares. A ref that does not exist is simply absent.
 */
export async function readLocalRefs(
  git: GitRunner,
  gitDir: string,
  cwd: string,
  refs: readonly string[],
): Promise<LocalRefs> {
  const listed = await git(
    [`--git-dir=${gitDir}`, 'for-each-ref', '--format=%(objectname) %(HEAD) %(refname)', ...refs],
    cwd,
  );
  const tips = new Map<string, string>();
  let head: string | undefined;
  for (const line of listed.split('\n')) {
    const match = /^(\S+) ([* ]) (.+)$/.exec(line);
    const [, sha = '', marker, ref = ''] = match ?? [];
    // for-each-ref matches by prefix (`refs/heads/a` also lists `refs/heads/a/b`): keep exact names.
    if (!OBJECT_ID.test(sha) || !refs.includes(ref)) continue;
    tips.set(ref, sha);
    if (marker === '*') head = ref;
  }
  return { tips, head };
}
