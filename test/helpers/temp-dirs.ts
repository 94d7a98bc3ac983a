import { mkdtempSync } from 'node:fs';
import { chmod, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Temporary folders made by tests and benches. Vitest removes the ones a test file made after its
 * last `afterAll` (registered once in `temp-dirs-setup.ts`); benches, which vitest does not run,
 * remove theirs with `removeTempDir`.
 */
const made = new Set<string>();

/** A fresh folder in the OS temp folder, removed when the test file ends. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** The same, for module-level set-up that cannot await. */
export function makeTempDirSync(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/**
 * Removes a folder and everything in it. A test may leave folders read-only (0555, 0500); without
 * root that stops `rm`, so on EACCES/EPERM every folder in the tree is given rwx for its owner and
 * the removal retried. A folder another uid owns (a sandbox's lent uid) needs root: its removal
 * fails, naming it.
 */
export async function removeTempDir(dir: string): Promise<void> {
  made.delete(dir);
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    await makeWritable(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir)) {
    const child = path.join(dir, entry);
    if ((await lstat(child)).isDirectory()) await makeWritable(child);
  }
}

/** Removes every folder made here and not yet removed; names each one that could not be. */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  const failures = (
    await Promise.all(
      dirs.map((dir) =>
        removeTempDir(dir).then(
          () => undefined,
          (error: unknown) => `${dir}: ${error instanceof Error ? error.message : String(error)}`,
        ),
      ),
    )
  ).filter((failure) => failure !== undefined);
  if (failures.length > 0)
    throw new Error(`Could not remove ${failures.length} temporary folder(s):\n${failures.join('\n')}`);
}

/**
 * A TMPDIR for a child process, removed with the test file's other folders: a child that is killed
 * (SIGKILL) cannot remove its own temporary folders. Others may pass through it, as through /tmp
 * (a sandbox's lent uid reaches the private home made in it).
 */
export async function makeProcessTmpdir(): Promise<string> {
  const dir = await makeTempDir('process-tmp-');
  await chmod(dir, 0o755);
  return dir;
}
