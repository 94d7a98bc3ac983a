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
  /** The folder holding the egress proxy's unix socket (`proxy.sock`), for an allowlist policy. */
  egressSocketDir?: string;
}

/** Where the egress proxy's socket folder appears inside a bubblewrap sandbox. */
const EGRESS_SOCKET_DIR = '/run/egress';
/** The port on the sandbox's own loopback where the bridge to the egress proxy listens. */
export const SANDBOX_PROXY_PORT = 3128;

/** The variables that send HTTP clients (curl, npm, pip, git) through the egress proxy at `url`. */
export const proxyEnv = (url: string): Record<string, string> => ({
  HTTP_PROXY: url,
  HTTPS_PROXY: url,
  http_proxy: url,
  https_proxy: url,
  npm_config_proxy: url,
  npm_config_https_proxy: url,
  NO_PROXY: 'localhost,127.0.0.1,::1',
  no_proxy: 'localhost,127.0.0.1,::1',
});

/**
 * Shell lines run before the command inside bubblewrap: a socat bridge from the sandbox's
 * 127.0.0.1:3128 to the proxy's socket (double-forked, so the command's `wait` never waits for it; the
 * pid namespace ends it), then a wait until it listens (its row in /proc/net/tcp), so the command never
 * races it.
 */
function egressBridge(): string {
  const hexPort = SANDBOX_PROXY_PORT.toString(16).toUpperCase().padStart(4, '0');
  return [
    `(socat TCP-LISTEN:${SANDBOX_PROXY_PORT},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${EGRESS_SOCKET_DIR}/proxy.sock >/dev/null 2>&1 &)`,
    `__i=0; until grep -q ' 0100007F:${hexPort} 00000000:0000 0A ' /proc/net/tcp; do`,
    `  __i=$((__i+1)); if [ $__i -gt 2000 ]; then echo 'sandbox: the egress bridge (socat) did not start' >&2; exit 125; fi; sleep 0.005`,
    'done; unset __i',
    '',
  ].join('\n');
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
    ...(shape.policy.network === true ? [] : ['--unshare-net']),
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
  if (shape.egressSocketDir)
    args.push('--perms', '0755', '--dir', '/run', '--ro-bind', shape.egressSocketDir, EGRESS_SOCKET_DIR);
  if (start.kind === 'unprivileged') args.push('--bind-fd', '3', SANDBOX_WORKDIR);
  else args.push('--bind', start.worktree, SANDBOX_WORKDIR);
  args.push('--remount-ro', '/', '--chdir', SANDBOX_WORKDIR, '--clearenv');
  for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
  const drop = start.kind === 'root' ? ['setpriv', ...dropToUid(start.uid)] : [];
  const command = shape.egressSocketDir ? `${egressBridge()}${shape.command}` : shape.command;
  return [...args, '--', ...drop, ...limitArgs(shape), command];
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
