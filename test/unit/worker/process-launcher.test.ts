import { describe, expect, it } from 'vitest';
import { childProcessLauncher } from '../../../containers/story-processor/src/workspace/process-launcher.ts';

const request = (file: string, args: string[], env: Record<string, string> = { PATH: '/usr/bin:/bin' }) => ({
  file,
  args,
  cwd: '/',
  env,
  timeoutMs: 10_000,
  maxBuffer: 1024 * 1024,
});

describe('the process launcher', () => {
  const launcher = childProcessLauncher();

  it('answers output and exit code, and names a failure as execFile does', async () => {
    expect(await launcher.run(request('sh', ['-c', 'printf out; printf err >&2']))).toEqual({
      code: 0,
      signal: null,
      stdout: 'out',
      stderr: 'err',
    });
    const failed = await launcher.run(request('sh', ['-c', 'printf nope >&2; exit 3']));
    expect(failed).toMatchObject({ code: 3, stderr: 'nope' });
    expect(failed.failure).toContain('Command failed');
    const missing = await launcher.run(request('no-such-program-here', []));
    expect(missing.code).toBeNull();
    expect(missing.failure).toContain('ENOENT');
  });

  it('runs each program with exactly the environment given, nothing of the worker’s', async () => {
    process.env.LAUNCHER_TEST_SECRET = 'do-not-pass';
    try {
      const { stdout } = await launcher.run(request('env', [], { ONLY: 'this' }));
      expect(stdout.trim()).toBe('ONLY=this');
    } finally {
      delete process.env.LAUNCHER_TEST_SECRET;
    }
  });

  it('stops a program at its time limit', async () => {
    const result = await launcher.run({ ...request('sleep', ['5']), timeoutMs: 200 });
    expect(result.signal).toBe('SIGTERM');
    expect(result.failure).toBeDefined();
  });

  it('fails the programs in flight when the launcher dies, naming it, and starts a new one', async () => {
    const killed = await launcher.run(request('sh', ['-c', 'kill -9 $PPID; sleep 5']));
    expect(killed.failure).toMatch(/process launcher exited \(SIGKILL\)/);
    expect((await launcher.run(request('sh', ['-c', 'printf again']))).stdout).toBe('again');
  });
});
