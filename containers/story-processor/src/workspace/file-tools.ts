import { lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspaceTools } from '../ports.ts';
import { resolveInside, SandboxError } from './sandbox-path.ts';

export interface FileToolLimits {
  maxReadBytes: number;
  maxWriteBytes: number;
  maxListEntries: number;
}

export const DEFAULT_FILE_TOOL_LIMITS: FileToolLimits = {
  maxReadBytes: 256 * 1024,
  maxWriteBytes: 1024 * 1024,
  maxListEntries: 2000,
};

/** The model's file tools, confined to `root` (see resolveInside for what is refused). */
export function createWorkspaceTools(
  root: string,
  limits: FileToolLimits = DEFAULT_FILE_TOOL_LIMITS,
): WorkspaceTools {
  return {
    async readFile(relative) {
      const target = await resolveInside(root, relative);
      const info = await stat(target);
      if (!info.isFile()) throw new SandboxError(`not a regular file: ${relative}`);
      if (info.size > limits.maxReadBytes)
        throw new SandboxError(`file is larger than ${limits.maxReadBytes} bytes`);
      return readFile(target, 'utf8');
    },
    async writeFile(relative, content) {
      if (Buffer.byteLength(content) > limits.maxWriteBytes)
        throw new SandboxError(`content is larger than ${limits.maxWriteBytes} bytes`);
      const target = await resolveInside(root, relative, true);
      await mkdir(path.dirname(target), { recursive: true });
      // Re-check after mkdir: a directory created along the way cannot be a symlink, but be strict.
      await resolveInside(root, relative, true);
      await writeFile(target, content, 'utf8');
    },
    async listFiles(relative = '.') {
      const start = relative === '.' || relative === '' ? root : await resolveInside(root, relative);
      const found: string[] = [];
      await walk(start, path.relative(root, start), found, limits.maxListEntries);
      return found.sort();
    },
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
