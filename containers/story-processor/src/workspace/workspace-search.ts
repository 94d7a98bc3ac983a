import { sharedProcessLauncher } from './process-launcher.ts';
import { SandboxError } from './sandbox-path.ts';

export interface SearchLimits {
  maxMatches: number;
  maxLineChars: number;
  maxFiles: number;
  timeoutMs: number;
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = {
  maxMatches: 200,
  maxLineChars: 300,
  maxFiles: 1000,
  timeoutMs: 20_000,
};

/** git with no user or system config, no hooks and no fsmonitor: it only reads the worktree. */
const GIT_ENV = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/nonexistent',
  LC_ALL: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
};
const SAFETY = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'core.quotePath=false'];

async function git(
  root: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string }> {
  const result = await sharedProcessLauncher().run({
    file: 'git',
    args: [...SAFETY, ...args],
    cwd: root,
    env: GIT_ENV,
    timeoutMs,
    maxBuffer: 32 * 1024 * 1024,
  });
  const code = result.failure === undefined ? 0 : (result.code ?? -1);
  // git grep answers 1 for "no match"; anything else is a real failure.
  if (result.failure !== undefined && code !== 1)
    throw new SandboxError(result.stderr.trim() || result.failure);
  return { code, stdout: result.stdout };
}

/** A glob as a git pathspec; `..` and absolute globs are refused like paths. */
function pathspec(glob: string): string {
  const slashed = glob.replace(/\\/g, '/');
  if (slashed.startsWith('/') || slashed.split('/').includes('..'))
    throw new SandboxError(`the pattern must stay inside the workspace: ${glob}`);
  return `:(glob)${slashed}`;
}

const isWorktree = (root: string): Promise<boolean> =>
  git(root, ['rev-parse', '--is-inside-work-tree'], 5000).then(
    ({ stdout }) => stdout.trim() === 'true',
    () => false,
  );

/** Files of the worktree (tracked and untracked, without what .gitignore ignores) matching a glob. */
export async function globFiles(
  root: string,
  pattern: string,
  limits: SearchLimits = DEFAULT_SEARCH_LIMITS,
): Promise<string[]> {
  const specs = [pathspec(pattern)];
  // `*.ts` means "at any depth" to most people; git's glob anchors it at the root.
  if (!pattern.includes('/')) specs.push(pathspec(`**/${pattern}`));
  const args = (await isWorktree(root))
    ? ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', ...specs]
    : // A plain folder: every file with any content, .gitignore still respected.
      ['grep', '--no-index', '--exclude-standard', '-z', '-l', '-e', '', '--', ...specs];
  const { stdout } = await git(root, args, limits.timeoutMs);
  const files = [...new Set(stdout.split('\0').filter(Boolean))].sort();
  return files.slice(0, limits.maxFiles);
}

/** `git grep` over tracked and untracked files that .gitignore does not exclude; binary files skipped. */
export async function searchFiles(
  root: string,
  pattern: string,
  options: { path?: string; glob?: string; ignoreCase?: boolean } = {},
  limits: SearchLimits = DEFAULT_SEARCH_LIMITS,
): Promise<string> {
  if (pattern === '') throw new SandboxError('a pattern is required');
  const specs = [
    ...(options.path ? [pathspec(`${options.path.replace(/\/+$/, '')}/**`), pathspec(options.path)] : []),
    ...(options.glob ? [pathspec(options.glob)] : []),
  ];
  const { code, stdout } = await git(
    root,
    [
      'grep',
      (await isWorktree(root)) ? '--untracked' : '--no-index',
      '--exclude-standard',
      '-n',
      '-I',
      '-E',
      ...(options.ignoreCase ? ['-i'] : []),
      '-e',
      pattern,
      '--',
      ...specs,
    ],
    limits.timeoutMs,
  );
  if (code === 1) return 'No matches.';
  const lines = stdout.split('\n').filter(Boolean);
  const shown = lines
    .slice(0, limits.maxMatches)
    .map((line) => (line.length > limits.maxLineChars ? `${line.slice(0, limits.maxLineChars)}…` : line));
  const more =
    lines.length > shown.length
      ? `\n… ${lines.length - shown.length} more matches; narrow the pattern or the path.`
      : '';
  return shown.join('\n') + more;
}
