import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';

export class SandboxError extends Error {
  override name = 'SandboxError';
}

/**
 * The absolute path of `relative` inside `root`, or a SandboxError. Refuses absolute paths, `..`,
 * anything under `.git`, and paths whose nearest existing ancestor resolves (through symlinks) outside
 * the root. With `forWrite`, an existing symlink at the target itself is refused too.
 */
export async function resolveInside(root: string, relative: string, forWrite = false): Promise<string> {
  if (typeof relative !== 'string' || relative.trim() === '') throw new SandboxError('a path is required');
  if (relative.includes('\0')) throw new SandboxError('path contains a NUL character');
  const slashed = relative.replace(/\\/g, '/');
  if (path.posix.isAbsolute(slashed) || /^[A-Za-z]:/.test(slashed) || path.isAbsolute(relative))
    throw new SandboxError(`absolute paths are not allowed: ${relative}`);
  const segments = slashed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new SandboxError(`".." is not allowed: ${relative}`);
  if (segments.some((segment) => segment.toLowerCase() === '.git'))
    throw new SandboxError(`the .git directory is off limits: ${relative}`);

  const realRoot = await realpath(root);
  const target = path.join(realRoot, ...segments);
  const ancestor = await nearestExisting(target);
  const realAncestor = await realpath(ancestor);
  if (!isWithin(realRoot, realAncestor)) throw new SandboxError(`path leaves the workspace: ${relative}`);
  if (ancestor === target) {
    const stat = await lstat(target);
    if (stat.isSymbolicLink() && forWrite)
      throw new SandboxError(`refusing to write through a symlink: ${relative}`);
  }
  return target;
}

export const isWithin = (root: string, candidate: string): boolean =>
  candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

async function nearestExisting(target: string): Promise<string> {
  let current = target;
  for (;;) {
    try {
      await lstat(current);
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}
