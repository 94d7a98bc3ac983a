import { lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspaceTools } from '../ports.ts';
import { resolveInside, SandboxError } from './sandbox-path.ts';
import { globFiles, searchFiles } from './workspace-search.ts';

export interface FileToolLimits {
  maxReadBytes: number;
  maxWriteBytes: number;
  maxListEntries: number;
  /** Characters of one `view` answer; a longer file asks for a view_range. */
  maxViewChars: number;
}

export const DEFAULT_FILE_TOOL_LIMITS: FileToolLimits = {
  maxReadBytes: 256 * 1024,
  maxWriteBytes: 1024 * 1024,
  maxListEntries: 2000,
  maxViewChars: 64 * 1024,
};

/** The model's file tools, confined to `root` (see resolveInside for what is refused). */
export function createWorkspaceTools(
  root: string,
  limits: FileToolLimits = DEFAULT_FILE_TOOL_LIMITS,
): WorkspaceTools {
  const read = async (relative: string): Promise<string> => {
    const target = await resolveInside(root, relative);
    const info = await stat(target);
    if (!info.isFile()) throw new SandboxError(`not a regular file: ${relative}`);
    if (info.size > limits.maxReadBytes)
      throw new SandboxError(`file is larger than ${limits.maxReadBytes} bytes`);
    return readFile(target, 'utf8');
  };
  const write = async (relative: string, content: string): Promise<void> => {
    if (Buffer.byteLength(content) > limits.maxWriteBytes)
      throw new SandboxError(`content is larger than ${limits.maxWriteBytes} bytes`);
    const target = await resolveInside(root, relative, true);
    await mkdir(path.dirname(target), { recursive: true });
    // Re-check after mkdir: a directory created along the way cannot be a symlink, but be strict.
    await resolveInside(root, relative, true);
    await writeFile(target, content, 'utf8');
  };
  const listFiles = async (relative = '.'): Promise<string[]> => {
    const start = relative === '.' || relative === '' ? root : await resolveInside(root, relative);
    const found: string[] = [];
    await walk(start, path.relative(root, start), found, limits.maxListEntries);
    return found.sort();
  };
  return {
    readFile: read,
    writeFile: write,
    listFiles,
    async view(relative, range) {
      const isRoot = relative === '.' || relative === '' || relative === '/';
      const target = isRoot ? root : await resolveInside(root, relative);
      if ((await stat(target)).isDirectory()) {
        const files = await listFiles(isRoot ? '.' : relative);
        return files.length > 0 ? files.join('\n') : '(empty folder)';
      }
      return numberedView(await read(relative), range, limits.maxViewChars);
    },
    async replaceText(relative, oldText, newText) {
      if (oldText === '') throw new SandboxError('old_str must not be empty');
      const content = await read(relative);
      const count = content.split(oldText).length - 1;
      if (count === 0)
        throw new SandboxError(
          `no match for old_str in ${relative}; view the file and copy the text exactly`,
        );
      if (count > 1)
        throw new SandboxError(
          `old_str occurs ${count} times in ${relative}; include more surrounding lines to make it unique`,
        );
      const at = content.indexOf(oldText);
      await write(relative, content.slice(0, at) + newText + content.slice(at + oldText.length));
    },
    async insertText(relative, afterLine, text) {
      const lines = (await read(relative)).split('\n');
      if (!Number.isInteger(afterLine) || afterLine < 0 || afterLine > lines.length)
        throw new SandboxError(`insert_line must be between 0 and ${lines.length}`);
      lines.splice(afterLine, 0, ...text.replace(/\n$/, '').split('\n'));
      await write(relative, lines.join('\n'));
    },
    async createFile(relative, content) {
      const target = await resolveInside(root, relative, true);
      const exists = await lstat(target).then(
        () => true,
        () => false,
      );
      if (exists) throw new SandboxError(`${relative} already exists; edit it with str_replace or insert`);
      await write(relative, content);
    },
    search: (pattern, options) => searchFiles(root, pattern, options),
    glob: (pattern) => globFiles(root, pattern),
    async deleteFile(relative) {
      const target = await resolveInside(root, relative, true);
      const info = await lstat(target);
      if (info.isDirectory()) throw new SandboxError(`not a file: ${relative}`);
      await rm(target);
    },
  };
}

async function walk(dir: string, prefix: string, found: string[], max: number): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (found.length >= max) return;
    if (entry.name === '.git') continue;
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    // Symlinks are listed but never followed.
    if (entry.isDirectory()) await walk(path.join(dir, entry.name), relative, found, max);
    else found.push(relative);
  }
}

/** `cat -n`-style lines; a range picks lines (1-based, inclusive; -1 = to the end). */
function numberedView(
  content: string,
  range: readonly [number, number] | undefined,
  maxChars: number,
): string {
  const lines = content.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  let first = 1;
  let last = lines.length;
  if (range) {
    [first, last] = [range[0], range[1] === -1 ? lines.length : range[1]];
    if (!Number.isInteger(first) || first < 1 || first > Math.max(1, lines.length) || last < first)
      throw new SandboxError(`view_range must be within 1..${lines.length} with start ≤ end`);
    last = Math.min(last, lines.length);
  }
  const text = lines
    .slice(first - 1, last)
    .map((line, index) => `${String(first + index).padStart(6)}\t${line}`)
    .join('\n');
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n… [cut at ${maxChars} characters: ask for a view_range]`;
}
