import { rmSync } from 'node:fs';
import { chmod, cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The parts of /etc that programs need; the rest of /etc stays outside the sandbox. */
export const ETC_ENTRIES = [
  'alternatives',
  'ca-certificates',
  'ca-certificates.conf',
  'group',
  'hosts',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'mime.types',
  'nsswitch.conf',
  'passwd',
  'resolv.conf',
  'ssl',
];

/** Entries that can change while the worker runs and matter only with the worker's network. */
export const LIVE_NETWORK_ENTRIES = ['hosts', 'resolv.conf'];

let snapshot: Promise<string> | undefined;

/**
 * A copy of the needed /etc entries, made once per worker process and mounted as the sandbox's /etc
 * with one bind instead of one per entry (each bind mount costs bubblewrap time at every start).
 * Symlinks are kept as they are (they point into /usr, which the sandbox mounts). Removed on exit.
 */
export function etcSnapshot(source = '/etc'): Promise<string> {
  snapshot ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-etc-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await chmod(dir, 0o755); // the lent uid mounts and reads it
    for (const entry of ETC_ENTRIES)
      await cp(path.join(source, entry), path.join(dir, entry), {
        recursive: true,
        verbatimSymlinks: true,
        preserveTimestamps: true,
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    return dir;
  })().catch((error: unknown) => {
    snapshot = undefined;
    throw error;
  });
  return snapshot;
}
