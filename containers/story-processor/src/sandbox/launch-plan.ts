import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import type { SandboxPolicy } from '../ports.ts';
import { LIVE_NETWORK_ENTRIES } from './etc-snapshot.ts';

/** Where the worktree appears inside a bubblewrap sandbox. */
export const SANDBOX_WORKDIR = '/workspace';

/** System folders mounted read-only (or recreated as the symlinks they are on merged-/usr systems). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

let systemMounts: string[] | undefined;
/** The bubblewrap arguments for SYSTEM_DIRS, looked up once: they do not change while the worker runs. */
function systemDirArgs(): string[] {
  systemMounts ??= SYSTEM_DIRS.filter((dir) => existsSync(dir)).flatMap((dir) =>
    lstatSync(dir).isSymbolicLink() ? ['--symlink', readlinkSync(dir), dir] : ['--ro-bind', dir, dir],
  );
  return systemMounts;
}

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
    // Shell builtins only (no grep per poll): is 127.0.0.1:<port> in state LISTEN (0A)?
    '__listening() { while read -r _ __a _ __s _; do',
    `  [ "$__a" = 0100007F:${hexPort} ] && [ "$__s" = 0A ] && return 0; done < /proc/net/tcp; return 1; }`,
    '__i=0; until __listening; do',
    `  __i=$((__i+1)); if [ $__i -gt 2000 ]; then echo 'sandbox: the egress bridge (socat) did not start' >&2; exit 125; fi; sleep 0.005`,
    'done; unset -f __listening; unset __i __a __s',
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
 * How bubblewrap is started: in a new user namespace (`userns`: by an unprivileged worker, or by a root
 * worker as the lent uid; the worktree arrives as fd 3), or as root without one (`root`, where user
 * namespaces are refused: bubblewrap keeps CAP_SETUID/SETGID for `setpriv`, which drops the command to
 * the lent uid with no capabilities). `etcDir` is the sandbox's /etc (see etc-snapshot.ts).
 */
export type BwrapStart = ({ kind: 'userns' } | { kind: 'root'; worktree: string; uid: number }) & {
  etcDir: string;
};

export function bwrapArgs(shape: CommandShape, env: Record<string, string>, start: BwrapStart): string[] {
  const args = [
    ...(start.kind === 'userns'
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
  args.push(...systemDirArgs(), '--ro-bind', start.etcDir, '/etc');
  if (shape.policy.network === true)
    for (const entry of LIVE_NETWORK_ENTRIES)
      if (existsSync(`/etc/${entry}`)) args.push('--ro-bind', `/etc/${entry}`, `/etc/${entry}`);
  args.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', '/tmp');
  if (shape.egressSocketDir)
    args.push('--perms', '0755', '--dir', '/run', '--ro-bind', shape.egressSocketDir, EGRESS_SOCKET_DIR);
  if (start.kind === 'userns') args.push('--bind-fd', '3', SANDBOX_WORKDIR);
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
