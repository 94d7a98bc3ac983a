import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { truncateMiddle } from '../text.ts';
import { DEFAULT_SEARCH_LIMITS, globFiles } from '../workspace/workspace-search.ts';

export interface RepoMapLimits {
  /** Folders listed with their file count and size, at most this deep. */
  maxDepth: number;
  maxFolders: number;
  readmeBytes: number;
  manifestBytes: number;
  maxManifests: number;
  maxTestFiles: number;
  /** The whole map. */
  maxBytes: number;
}

export const DEFAULT_REPO_MAP_LIMITS: RepoMapLimits = {
  maxDepth: 3,
  maxFolders: 80,
  readmeBytes: 4096,
  manifestBytes: 2048,
  maxManifests: 6,
  maxTestFiles: 40,
  maxBytes: 24 * 1024,
};

const MANIFESTS = new Set([
  'package.json',
  'tsconfig.json',
  'pyproject.toml',
  'setup.py',
  'requirements.txt',
  'Cargo.toml',
  'go.mod',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'Gemfile',
  'composer.json',
  'Makefile',
  'CMakeLists.txt',
  'Dockerfile',
]);
const TEST_FILE = /(^|\/)(tests?|__tests__|spec)\/|[._-](test|spec)\.[a-z0-9]+$|(^|\/)test_[^/]+\.py$/i;
const README = /^readme(\.[a-z]+)?$/i;

const kib = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * What a newcomer looks at first, bounded: folders (files, size) a few levels deep, the README, the
 * build manifests at the top levels, and where the tests are. Files that .gitignore excludes are left out.
 */
export async function buildRepoMap(
  root: string,
  limits: RepoMapLimits = DEFAULT_REPO_MAP_LIMITS,
): Promise<string> {
  const files = await globFiles(root, '**', { ...DEFAULT_SEARCH_LIMITS, maxFiles: 10_000 }).catch(
    () => [] as string[],
  );
  if (files.length === 0) return '(the repository is empty)';
  // lstat: a symlink counts as itself and is never followed out of the worktree.
  const stats = new Map<string, { size: number; regular: boolean }>();
  await Promise.all(
    files.map(async (file) => {
      const info = await lstat(path.join(root, file)).catch(() => undefined);
      stats.set(file, { size: info?.size ?? 0, regular: info?.isFile() ?? false });
    }),
  );
  const sizeOf = (file: string): number => stats.get(file)?.size ?? 0;

  const folders = new Map<string, { files: number; bytes: number }>();
  const count = (folder: string, file: string): void => {
    const entry = folders.get(folder) ?? { files: 0, bytes: 0 };
    entry.files += 1;
    entry.bytes += sizeOf(file);
    folders.set(folder, entry);
  };
  for (const file of files) {
    const dirs = file.split('/').slice(0, -1);
    count('.', file);
    for (let depth = 1; depth <= Math.min(dirs.length, limits.maxDepth); depth += 1)
      count(dirs.slice(0, depth).join('/'), file);
  }
  const tree = [...folders.entries()]
    .sort(([a], [b]) =>
      a === '.' ? -1 : b === '.' ? 1 : a.replace(/\//g, '\0').localeCompare(b.replace(/\//g, '\0')),
    )
    .slice(0, limits.maxFolders)
    .map(([folder, { files: count, bytes }]) => {
      const depth = folder === '.' ? 0 : folder.split('/').length;
      return `${'  '.repeat(depth)}${folder === '.' ? './' : `${path.basename(folder)}/`}  ${count} file${count === 1 ? '' : 's'}, ${kib(bytes)}`;
    });
  const topFiles = files
    .filter((file) => !file.includes('/'))
    .map((file) => `  ${file}  ${kib(sizeOf(file))}`);

  const sections = [
    `Folders (files, size):\n${tree.join('\n')}`,
    `Files at the top:\n${topFiles.join('\n') || '  (none)'}`,
  ];
  const readable = (file: string): boolean => stats.get(file)?.regular ?? false;
  const readme = files.find((file) => README.test(file) && readable(file));
  if (readme) sections.push(`${readme}:\n${await excerpt(root, readme, limits.readmeBytes)}`);
  const manifests = files
    .filter((file) => MANIFESTS.has(path.basename(file)) && file.split('/').length <= 2 && readable(file))
    .slice(0, limits.maxManifests);
  for (const manifest of manifests)
    sections.push(`${manifest}:\n${await excerpt(root, manifest, limits.manifestBytes)}`);
  const tests = files.filter((file) => TEST_FILE.test(file));
  sections.push(
    tests.length === 0
      ? 'Tests: none found.'
      : `Tests (${tests.length} files):\n${tests
          .slice(0, limits.maxTestFiles)
          .map((file) => `  ${file}`)
          .join('\n')}${tests.length > limits.maxTestFiles ? '\n  …' : ''}`,
  );
  return truncateMiddle(sections.join('\n\n'), limits.maxBytes);
}

const excerpt = async (root: string, file: string, maxBytes: number): Promise<string> =>
  truncateMiddle(await readFile(path.join(root, file), 'utf8').catch(() => ''), maxBytes).trim();
