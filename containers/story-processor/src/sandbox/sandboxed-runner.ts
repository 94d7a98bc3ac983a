import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { chmod, lchown, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runProcess } from '../pipeline/command-runner.ts';
import type { CommandResult, CommandRunner, Log, SandboxMode, SandboxPolicy } from '../ports.ts';
import { parseNetworkAllowRule, type NetworkAllowRule } from '#contracts/network-allow.ts';
import { startEgressProxy, type EgressProxy, type HostLookup } from './egress-proxy.ts';
import {
  bwrapArgs,
  dropToUid,
  limitArgs,
  proxyEnv,
  SANDBOX_PROXY_PORT,
  sandboxEnv,
  type CommandShape,
} from './launch-plan.ts';
import { etcSnapshot } from './etc-snapshot.ts';
import { DEFAULT_SANDBOX_POLICY, SandboxUnavailableError } from './sandbox-policy.ts';
import { UidPool } from './uid-pool.ts';

const run = promisify(execFile);

export interface SandboxedRunnerOptions {
  /** What `mode: "worker"` means on this worker. */
  defaultMode: Exclude<SandboxMode, 'worker'>;
  /** PATH inside the sandbox (system folders only are mounted). */
  pathEnv: string;
  maxOutputBytes: number;
  log: Log;
  /**
   * Uids lent to commands when the worker runs as root (uid mode always; bwrap as root, because
   * process limits do not bind uid 0). Default 10100 and up, `uidCount` of them (default 8).
   */
  firstUid?: number;
  uidCount?: number;
  /** uid mode cannot cut the network; true accepts that for policies without network. Default false. */
  uidModeSharesNetwork?: boolean;
  /** The bubblewrap program. Default `bwrap` on `pathEnv`. */
  bwrap?: string;
  /** Tests only: the egress proxy's resolver, and whether names may resolve to loopback. */
  egress?: { lookup?: HostLookup; allowLoopback?: boolean };
}

/** The allowlist of a policy, parsed (entries were validated with the project's settings). */
const allowRulesOf = (policy: SandboxPolicy): NetworkAllowRule[] | undefined =>
  typeof policy.network === 'object'
    ? policy.network.allow
        .map(parseNetworkAllowRule)
        .filter((rule): rule is NetworkAllowRule => typeof rule !== 'string')
    : undefined;

const UID_MODE_EGRESS_WARNING =
  'uid sandbox: the network allowlist is NOT enforced here — commands get the egress proxy in HTTP_PROXY/HTTPS_PROXY ' +
  "(well-behaved clients use it), but nothing stops a direct connection; the task's security group / subnet must close egress";

/**
 * Validation commands in a sandbox (see the README's "Sandbox" section): bubblewrap namespaces, or a
 * separate unprivileged uid where namespaces are refused, or — only when a project opts out — bare.
 * A sandbox that cannot start fails the command with SandboxUnavailableError, never runs it bare.
 */
export function createSandboxedCommandRunner(options: SandboxedRunnerOptions): CommandRunner {
  const isRoot = process.getuid?.() === 0;
  const bwrap = options.bwrap ?? 'bwrap';
  const uids = new UidPool(options.firstUid ?? 10_100, options.uidCount ?? 8);
  const proven = new Set<string>();
  /**
   * How a root worker starts bubblewrap, learnt at the first start: as the lent uid in a user
   * namespace (one process less than `setpriv`, and no capabilities kept), or as root where user
   * namespaces are refused. A worktree whose parent folders the lent uid cannot pass through (bubblewrap
   * resolves the mount source as that uid) is started as root too.
   */
  let rootBwrapStart: 'userns' | 'root' | undefined;
  const modeOf = (policy: SandboxPolicy): Exclude<SandboxMode, 'worker'> =>
    policy.mode === 'worker' ? options.defaultMode : policy.mode;

  const refusal = (policy: SandboxPolicy): string | undefined => {
    const mode = modeOf(policy);
    if (mode === 'uid' && !isRoot)
      return 'the uid sandbox needs the worker to start as root (it switches to an unprivileged uid per command)';
    if (mode === 'uid' && policy.network !== true && !options.uidModeSharesNetwork)
      return policy.network === false
        ? 'the uid sandbox cannot cut the network, and this project allows none (use bwrap, or set sandbox.network)'
        : 'the uid sandbox cannot enforce a network allowlist (it can only set proxy variables), and this worker does not accept that';
    if (mode === 'bwrap' && typeof policy.network === 'object' && !onPath('socat', options.pathEnv))
      return 'a network allowlist needs socat (the bridge to the egress proxy) on the sandbox PATH';
    return undefined;
  };

  /** Starts the egress proxy for an allowlist policy (bwrap: a unix socket; uid: a loopback port). */
  async function withEgress<T>(
    shape: CommandShape,
    mode: Exclude<SandboxMode, 'worker'>,
    body: (shape: CommandShape, env: Record<string, string>) => Promise<T>,
  ): Promise<T> {
    const rules = allowRulesOf(shape.policy);
    if (!rules || mode === 'none') return body(shape, {});
    const proxyOptions = { rules, log: options.log, ...options.egress };
    let proxy: EgressProxy | undefined;
    let socketDir: string | undefined;
    try {
      if (mode === 'uid') {
        options.log.warn(UID_MODE_EGRESS_WARNING, { command: shape.command });
        proxy = await startEgressProxy(proxyOptions, { port: 0 });
        return await body(shape, proxyEnv(`http://${proxy.address}`));
      }
      socketDir = await mkdtemp(path.join(tmpdir(), 'sandbox-egress-'));
      await chmod(socketDir, 0o755);
      proxy = await startEgressProxy(proxyOptions, { path: path.join(socketDir, 'proxy.sock') });
      await chmod(proxy.address, 0o666); // the lent uid connects to it
      return await body(
        { ...shape, egressSocketDir: socketDir },
        proxyEnv(`http://127.0.0.1:${SANDBOX_PROXY_PORT}`),
      );
    } finally {
      await proxy?.close();
      if (socketDir) await rm(socketDir, { recursive: true, force: true });
    }
  }

  const execute = (
    shape: CommandShape & { cwd: string; signal: AbortSignal },
    mode: Exclude<SandboxMode, 'worker'>,
  ): Promise<CommandResult> =>
    withEgress(shape, mode, (withProxy, egressEnv) => executeIn({ ...shape, ...withProxy }, mode, egressEnv));

  async function executeIn(
    shape: CommandShape & { cwd: string; signal: AbortSignal },
    mode: Exclude<SandboxMode, 'worker'>,
    egressEnv: Record<string, string>,
  ): Promise<CommandResult> {
    const envIn = (home: string): Record<string, string> => ({
      ...sandboxEnv(options.pathEnv, home),
      ...egressEnv,
    });
    const common = {
      timeoutMs: shape.timeoutMs,
      signal: shape.signal,
      maxOutputBytes: options.maxOutputBytes,
    };
    if (mode === 'none') {
      options.log.warn('UNSANDBOXED validation command: the project opted out with sandbox "none"', {
        command: shape.command,
      });
      const home = await privateHome();
      try {
        return await runProcess({
          file: '/bin/sh',
          args: ['-c', shape.command],
          cwd: shape.cwd,
          env: envIn(home),
          ...common,
        });
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    }
    /** bubblewrap in a new user namespace, as the worker or (`uid`) as the lent uid. */
    const bwrapInUserns = async (uid?: number): Promise<CommandResult> => {
      const etcDir = await etcSnapshot();
      const fd = openSync(shape.cwd, 'r');
      try {
        return await runProcess({
          file: bwrap,
          args: bwrapArgs(shape, envIn('/tmp'), { kind: 'userns', etcDir }),
          cwd: '/',
          env: { PATH: options.pathEnv },
          extraFds: [fd],
          ...(uid === undefined ? {} : { uid }),
          ...common,
        });
      } finally {
        closeSync(fd);
      }
    };
    if (mode === 'bwrap' && !isRoot) return bwrapInUserns();
    // As root: lend the command an unprivileged uid and the worktree for the duration.
    const uid = await uids.acquire();
    const owner = await stat(shape.cwd);
    const home = mode === 'uid' ? await privateHome() : undefined;
    try {
      await lend(shape.cwd, uid);
      if (home) await lend(home, uid);
      if (mode === 'bwrap') {
        if (rootBwrapStart !== 'root' && (await reachableBy(uid, shape.cwd))) {
          const result = await bwrapInUserns(uid);
          if (rootBwrapStart === 'userns' || !isBwrapStartFailure(result)) {
            rootBwrapStart = 'userns';
            return result;
          }
          options.log.info('bubblewrap cannot start in a user namespace as the lent uid; it starts as root', {
            reason: result.output.trim(),
          });
          rootBwrapStart = 'root';
        }
        const start = { kind: 'root', worktree: shape.cwd, uid, etcDir: await etcSnapshot() } as const;
        return await runProcess({
          file: bwrap,
          args: bwrapArgs(shape, envIn('/tmp'), start),
          cwd: '/',
          env: { PATH: options.pathEnv },
          ...common,
        });
      }
      return await runProcess({
        file: 'setpriv',
        args: [...dropToUid(uid), ...limitArgs(shape), shape.command],
        cwd: shape.cwd,
        env: envIn(home as string),
        reap: () => killAllOf(uid, options.pathEnv),
        ...common,
      });
    } finally {
      // Whatever escaped the process group (setsid, double fork) dies with its uid.
      if (mode === 'uid') await killAllOf(uid, options.pathEnv);
      await chownTree(shape.cwd, owner.uid, owner.gid);
      if (home) await rm(home, { recursive: true, force: true });
      uids.release(uid);
    }
  }

  async function ensureReady(policy: SandboxPolicy): Promise<void> {
    const mode = modeOf(policy);
    const refused = refusal(policy);
    if (refused)
      throw new SandboxUnavailableError(`The sandbox for validation commands (${mode}): ${refused}.`);
    const key = `${mode}:${JSON.stringify(policy.network)}`;
    if (mode === 'none' || proven.has(key)) return;
    const scratch = await mkdtemp(path.join(tmpdir(), 'sandbox-probe-'));
    try {
      const result = await execute(
        { command: 'true', timeoutMs: 10_000, policy, cwd: scratch, signal: new AbortController().signal },
        mode,
      ).catch((error: unknown) => ({ exitCode: null, output: String(error) }));
      if (result.exitCode !== 0)
        throw new SandboxUnavailableError(
          `The sandbox for validation commands (${mode}) could not start here: ${result.output.trim() || `exit ${String(result.exitCode)}`}. ` +
            'The commands were not run unsandboxed.',
        );
      proven.add(key);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  return {
    ensureReady,
    async run({ command, cwd, timeoutMs, signal, policy = DEFAULT_SANDBOX_POLICY }) {
      await ensureReady(policy);
      const result = await execute({ command, timeoutMs, policy, cwd, signal }, modeOf(policy));
      if (isBwrapStartFailure(result))
        throw new SandboxUnavailableError(`The sandbox failed to start the command: ${result.output.trim()}`);
      return result;
    },
  };
}

/** Hands a folder to the lent uid; a file system that refuses (EFS access points) refuses the sandbox. */
async function lend(dir: string, uid: number): Promise<void> {
  try {
    await chownTree(dir, uid, uid);
  } catch (error) {
    throw new SandboxUnavailableError(
      `The sandbox could not hand the worktree to its unprivileged uid (${error instanceof Error ? error.message : String(error)}); the commands were not run.`,
    );
  }
}

/** Whether `uid` may pass through every folder above `dir` (bubblewrap resolves it as that uid). */
async function reachableBy(uid: number, dir: string): Promise<boolean> {
  for (let parent = path.dirname(dir); ; parent = path.dirname(parent)) {
    const info = await stat(parent);
    if (!(info.mode & 0o001) && !(info.uid === uid && info.mode & 0o100)) return false;
    if (parent === path.dirname(parent)) return true;
  }
}

const isBwrapStartFailure = (result: CommandResult): boolean =>
  result.exitCode === 1 && result.output.startsWith('bwrap: ');

const onPath = (program: string, pathEnv: string): boolean =>
  pathEnv.split(':').some((dir) => dir !== '' && existsSync(path.join(dir, program)));

const privateHome = (): Promise<string> => mkdtemp(path.join(tmpdir(), 'sandbox-home-'));

/** Ownership of a whole tree, symlinks themselves rather than their targets (in-process: no spawn). */
async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  const entries = await readdir(dir, { recursive: true });
  await lchown(dir, uid, gid);
  for (let i = 0; i < entries.length; i += 64)
    await Promise.all(entries.slice(i, i + 64).map((entry) => lchown(path.join(dir, entry), uid, gid)));
}

async function killAllOf(uid: number, pathEnv: string): Promise<void> {
  await run('setpriv', [...dropToUid(uid), 'kill', '-KILL', '-1'], { env: { PATH: pathEnv } }).catch(
    () => undefined, // nothing left to kill
  );
}
