import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Log, SandboxPolicy } from '../../../containers/story-processor/src/ports.ts';
import { createSandboxedCommandRunner } from '../../../containers/story-processor/src/sandbox/sandboxed-runner.ts';
import { DEFAULT_SANDBOX_POLICY } from '../../../containers/story-processor/src/sandbox/sandbox-policy.ts';
import { OfflineModelProvider } from '../../../containers/story-processor/src/models/offline-provider.ts';
import { createHarness, makeJob } from './fakes.ts';
import { makeTempDir } from '../../helpers/temp-dirs.ts';

/** Real processes in real sandboxes: every test is an escape attempt that must fail. */

const PATH_INSIDE = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
const SECRET = 'sk-ant-sandbox-test-secret-value';
const warnings: string[] = [];
const log: Log = { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} };

const runnerFor = (defaultMode: 'bwrap' | 'uid' | 'none', extra: { bwrap?: string } = {}) =>
  createSandboxedCommandRunner({
    defaultMode,
    pathEnv: PATH_INSIDE,
    maxOutputBytes: 16 * 1024,
    log,
    uidModeSharesNetwork: true,
    ...extra,
  });

/** A worktree beside a private folder; `base` 0711 lets the lent uid pass (not list), 0700 does not. */
async function worktree(baseMode = 0o711): Promise<{ dir: string; outside: string }> {
  const base = await makeTempDir('command-sandbox-');
  await chmod(base, baseMode);
  const dir = path.join(base, 'worktree');
  const outside = path.join(base, 'outside');
  await mkdir(dir);
  await mkdir(outside);
  await writeFile(path.join(dir, 'package.json'), '{}\n');
  await writeFile(path.join(outside, 'secret.txt'), SECRET, { mode: 0o600 });
  await chmod(outside, 0o700);
  return { dir, outside };
}

const run = (
  runner: ReturnType<typeof runnerFor>,
  dir: string,
  command: string,
  options: { timeoutMs?: number; policy?: Partial<SandboxPolicy> } = {},
) =>
  runner.run({
    command,
    cwd: dir,
    timeoutMs: options.timeoutMs ?? 20_000,
    signal: new AbortController().signal,
    policy: { ...DEFAULT_SANDBOX_POLICY, ...options.policy },
  });

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  delete process.env.ANTHROPIC_API_KEY;
});

const asRoot = process.getuid?.() === 0;
/**
 * As root, bwrap starts as the lent uid in a user namespace when that uid can reach the worktree, and
 * as root (dropping to the uid with setpriv) when it cannot (a 0700 folder above the worktree).
 */
describe.each([
  { mode: 'bwrap', baseMode: 0o711, start: 'in a user namespace' },
  { mode: 'bwrap', baseMode: 0o700, start: asRoot ? 'as root' : 'in a user namespace' },
  { mode: 'uid', baseMode: 0o711, start: 'without namespaces' },
] as const)('validation commands in the $mode sandbox started $start', ({ mode, baseMode, start }) => {
  it("cannot read the worker's /proc environ, and the worker's environment does not reach them", async () => {
    process.env.ANTHROPIC_API_KEY = SECRET;
    const { dir } = await worktree(baseMode);
    const result = await run(
      runnerFor(mode),
      dir,
      `cat /proc/${process.pid}/environ; echo "status=$?"; env; echo "uid_map $(cat /proc/self/uid_map)"`,
    );
    // In a user namespace the lent uid maps to itself (the middle figure is relative to the namespace
    // bubblewrap nests for --disable-userns); started as root there is no user namespace.
    if (asRoot)
      expect(result.output).toMatch(
        start === 'in a user namespace'
          ? /^uid_map\s+10\d{3}\s+\d+\s+1$/m
          : /^uid_map\s+0\s+0\s+4294967295$/m,
      );
    expect(result.output).toMatch(/status=1/);
    expect(result.output).toMatch(/No such file or directory|Permission denied/);
    expect(result.output).not.toContain(SECRET);
    expect(result.output).not.toMatch(/ANTHROPIC|AWS_/);
    const names = result.output
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0])
      .sort();
    expect(names).toEqual(['CI', 'HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']);
  });

  it('can write the worktree and nothing outside it', async () => {
    const { dir, outside } = await worktree(baseMode);
    const result = await run(
      runnerFor(mode),
      dir,
      [
        'echo built > out.txt && echo worktree-ok',
        'touch /usr/intruder 2>/dev/null || echo usr-refused',
        'touch /etc/intruder 2>/dev/null || echo etc-refused',
        'touch /intruder 2>/dev/null || echo root-refused',
        'f=$(mktemp /tmp/scratch.XXXXXX) && echo scratch > "$f" && echo tmp-ok; rm -f "$f"',
        `echo x > ${outside}/secret.txt 2>/dev/null || echo outside-refused`,
        `cat ${outside}/secret.txt 2>/dev/null || echo outside-unreadable`,
      ].join('; '),
    );
    expect(result.output).toContain('worktree-ok');
    expect(result.output).toContain('usr-refused');
    expect(result.output).toContain('etc-refused');
    expect(result.output).toContain('root-refused');
    expect(result.output).toContain('tmp-ok');
    expect(result.output).toContain('outside-refused');
    expect(result.output).toContain('outside-unreadable');
    expect(await readFile(path.join(dir, 'out.txt'), 'utf8')).toBe('built\n');
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  it('hits the process limit instead of filling the machine (fork bomb)', async () => {
    const { dir } = await worktree(baseMode);
    const result = await run(
      runnerFor(mode),
      dir,
      'n=0; while [ $n -lt 200 ]; do sleep 30 & n=$((n+1)); done; echo "started $n"',
      { policy: { maxProcesses: 16 }, timeoutMs: 10_000 },
    );
    expect(result.output).not.toContain('started 200');
    expect(result.output).toMatch(/Resource temporarily unavailable|Cannot fork|fork/i);
  });

  it('is killed at its time limit, with everything it started', async () => {
    const { dir } = await worktree(baseMode);
    const result = await run(runnerFor(mode), dir, 'setsid sleep 60 & echo $! > pid; sleep 60', {
      timeoutMs: 500,
    });
    expect(result.timedOut).toBe(true);
    expect(result.output).toContain('killed after');
    if (mode === 'uid') {
      // Outside a pid namespace the pid is the host's: the setsid'd sleep must be gone too.
      const pid = Number((await readFile(path.join(dir, 'pid'), 'utf8')).trim());
      const state = await readFile(`/proc/${pid}/stat`, 'utf8').then(
        (stat) => stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3),
        () => 'gone',
      );
      expect(['gone', 'Z']).toContain(state);
    }
  });
});

describe('the bwrap sandbox network', () => {
  it('has only its own loopback: a server on the host loopback is unreachable', async () => {
    let connections = 0;
    server = createServer((socket) => {
      connections += 1;
      socket.end();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { dir } = await worktree();
    const result = await run(
      runnerFor('bwrap'),
      dir,
      [
        `bash -c 'echo hi > /dev/tcp/127.0.0.1/${port}' 2>/dev/null && echo reached || echo unreachable`,
        "ip -o link show | awk -F': ' '{print \"link \" $2}'",
        'tail -n +3 /proc/net/dev | awk -F: \'{gsub(/ /, "", $1); print "dev " $1}\'',
        'ls /sys/class/net 2>/dev/null | sed "s/^/sys /"',
      ].join('; '),
    );
    expect(result.output).toContain('unreachable');
    expect(result.output).not.toContain('reached\n');
    expect(result.output.match(/^link .*$/gm)).toEqual(['link lo']);
    expect(result.output.match(/^dev .*$/gm)).toEqual(['dev lo']);
    expect(result.output).not.toMatch(/^sys (?!lo$)/m);
    expect(connections).toBe(0);
  });
});

describe('a sandbox that cannot start', () => {
  it('fails the command with a reason instead of running it unsandboxed', async () => {
    const { dir } = await worktree();
    const runner = runnerFor('bwrap', { bwrap: '/nonexistent/bwrap' });
    await expect(run(runner, dir, 'echo ran > ran.txt')).rejects.toThrow(
      /sandbox for validation commands \(bwrap\) could not start.*not run unsandboxed/s,
    );
    expect(await readdir(dir)).toEqual(['package.json']);
  });

  it('fails the job with that reason before any model call', async () => {
    let modelCalls = 0;
    const offline = new OfflineModelProvider();
    const h = await createHarness({
      commands: runnerFor('bwrap', { bwrap: '/nonexistent/bwrap' }),
      model: {
        name: 'counting',
        plan: (request) => ((modelCalls += 1), offline.plan(request)),
        edit: (request) => ((modelCalls += 1), offline.edit(request)),
      },
    });
    const job = makeJob({
      settings: { validationCommands: [{ name: 'test', command: 'true', timeoutSeconds: 5 }] },
    });
    const result = await h.run(job, '- One story');
    expect(result.kind).toBe('failed');
    expect(h.callbacks.calls[0]).toMatchObject({
      kind: 'fail',
      error: 'Job.Failed',
      cause: expect.stringMatching(/^The sandbox for validation commands \(bwrap\) could not start here/),
    });
    expect(h.mailer.sent[0]?.raw).toContain('could not start');
    expect(modelCalls).toBe(0);
  });

  it('runs bare only when the project opts out, and says so loudly', async () => {
    const { dir } = await worktree();
    warnings.length = 0;
    const result = await run(runnerFor('bwrap'), dir, 'echo bare', { policy: { mode: 'none' } });
    expect(result.output).toBe('bare\n');
    expect(warnings).toEqual([expect.stringMatching(/^UNSANDBOXED/)]);
  });
});
