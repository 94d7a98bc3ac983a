import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import type { SandboxPolicy } from '../ports.ts';

/** Where the worktree appears inside a bubblewrap sandbox. */
export const SANDBOX_WORKDIR = '/workspace';

/** System folders mounted read-only (or recreated as the symlinks they are on merged-/usr systems). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** The parts of /etc that programs need; the rest of /etc stays outside. */
const ETC_ENTRIES = [
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

export interface CommandShape {
  command: string;
  timeoutMs: number;
  policy: SandboxPolicy;
}

/** `prlimit … --`: per-process limits that the command and everything it starts inherit. */
export function limitArgs({ timeoutMs, policy }: CommandShape): string[] {
  const cpuSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  return [
    'prlimit',
    `--nproc=${policy.maxProcesses}`,
    `--data=${policy.memoryMb * 1024 * 1024}`,
    `--cpu=${cpuSeconds}`,
    `--fsize=${4 * 1024 * 1024 * 1024}`,
    '--nofile=4096',
    '--core=0',
    '--',
    '/bin/sh',
    '-c',
  ];
}

/** The variables a sandboxed command sees: nothing of the worker's. */
export const sandboxEnv = (pathEnv: string, home: string): Record<string, string> => ({
  PATH: pathEnv,
  HOME: home,
  TMPDIR: home === '/tmp' ? '/tmp' : home,
  LANG: 'C.UTF-8',
  CI: 'true',
});

/**
 * How bubblewrap is started: by an unprivileged worker (a new user namespace; the worktree arrives as
 * fd 3), or by root (no user namespace, because process limits do not bind uid 0: bubblewrap keeps
 * CAP_SETUID/SETGID for `setpriv`, which drops the command to the lent uid with no capabilities).
 */
export type BwrapStart = { kind: 'unprivileged' } | { kind: 'root'; worktree: string; uid: number };

/**
 * bubblewrap: new pid, ipc, uts, cgroup and (unless the policy shares it) network namespaces; the
 * system folders read-only, the worktree the only writable path besides a private /tmp, a read-only
 * root, its own /proc and a minimal /dev; no environment but `env`; killed with its parent.
 */
export function bwrapArgs(shape: CommandShape, env: Record<string, string>, start: BwrapStart): string[] {
  const args = [
    ...(start.kind === 'unprivileged'
      ? ['--unshare-user', '--disable-userns']
      : ['--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID']),
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(shape.policy.network ? [] : ['--unshare-net']),
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
  ];
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    const info = lstatSync(dir);
    if (info.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  args.push('--perms', '0755', '--dir', '/etc');
  for (const entry of ETC_ENTRIES) {
    const source = `/etc/${entry}`;
    if (existsSync(source)) args.push('--ro-bind', source, source);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', '/tmp');
  if (start.kind === 'unprivileged') args.push('--bind-fd', '3', SANDBOX_WORKDIR);
  else args.push('--bind', start.worktree, SANDBOX_WORKDIR);
  args.push('--remount-ro', '/', '--chdir', SANDBOX_WORKDIR, '--clearenv');
  for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
  const drop = start.kind === 'root' ? ['setpriv', ...dropToUid(start.uid)] : [];
  return [...args, '--', ...drop, ...limitArgs(shape), shape.command];
}

/** `setpriv`: become `uid` for good — no groups, no capabilities, no way back through setuid files. */
export const dropToUid = (uid: number): string[] => [
  `--reuid=${uid}`,
  `--regid=${uid}`,
  '--clear-groups',
  '--inh-caps=-all',
  '--bounding-set=-all',
  '--no-new-privs',
  '--',
];
