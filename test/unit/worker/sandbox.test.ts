import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCommandRunner } from '../../../containers/story-processor/src/pipeline/command-runner.ts';
import { createWorkspaceTools } from '../../../containers/story-processor/src/workspace/file-tools.ts';
import { PATH_ENV } from './fakes.ts';
import { makeTempDir } from '../../helpers/temp-dirs.ts';

async function workspace(): Promise<{ root: string; outside: string }> {
  const base = await makeTempDir('sandbox-');
  const root = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  await mkdir(path.join(root, '.git'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'top secret');
  await writeFile(path.join(root, '.git', 'config'), '[core]');
  await writeFile(path.join(root, 'ok.txt'), 'fine');
  return { root, outside };
}

describe('workspace file tools', () => {
  it.each([
    ['/etc/shadow', /absolute paths are not allowed/],
    ['../outside/secret.txt', /"\.\." is not allowed/],
    ['a/../../outside/secret.txt', /"\.\." is not allowed/],
    ['.git/config', /\.git directory is off limits/],
    ['sub/.GIT/hooks/pre-commit', /\.git directory is off limits/],
    ['C:\\Windows\\win.ini', /absolute paths are not allowed/],
  ])('refuses to read %s', async (target, message) => {
    const { root } = await workspace();
    await expect(createWorkspaceTools(root).readFile(target)).rejects.toThrow(message);
  });

  it('refuses symlinks that point out of the workspace, for reading and writing', async () => {
    const { root, outside } = await workspace();
    await symlink(outside, path.join(root, 'escape'));
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'secret-link'));
    const tools = createWorkspaceTools(root);
    await expect(tools.readFile('escape/secret.txt')).rejects.toThrow(/leaves the workspace/);
    await expect(tools.readFile('secret-link')).rejects.toThrow(/leaves the workspace/);
    await expect(tools.writeFile('escape/new.txt', 'x')).rejects.toThrow(/leaves the workspace/);
    await expect(tools.writeFile('secret-link', 'overwrite')).rejects.toThrow(/leaves the workspace/);
    await expect(tools.deleteFile('escape/secret.txt')).rejects.toThrow(/leaves the workspace/);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  it('refuses writing through an inside symlink and lists without following links or .git', async () => {
    const { root } = await workspace();
    await symlink(path.join(root, 'ok.txt'), path.join(root, 'inside-link'));
    const tools = createWorkspaceTools(root);
    await expect(tools.writeFile('inside-link', 'x')).rejects.toThrow(/symlink/);
    expect(await tools.readFile('inside-link')).toBe('fine');
    await tools.writeFile('src/new/file.ts', 'export {};\n');
    expect(await tools.listFiles()).toEqual(['inside-link', 'ok.txt', 'src/new/file.ts']);
    await tools.deleteFile('src/new/file.ts');
    expect(await tools.listFiles('src')).toEqual([]);
  });
});

describe('editor, search and glob tools', () => {
  it('keep the path rules: no .git, no escape through symlinks or .., no overwrite by create', async () => {
    const { root, outside } = await workspace();
    await symlink(outside, path.join(root, 'escape'));
    const tools = createWorkspaceTools(root);
    await expect(tools.replaceText('.git/config', '[core]', 'x')).rejects.toThrow(/\.git directory/);
    await expect(tools.view('escape/secret.txt')).rejects.toThrow(/leaves the workspace/);
    await expect(tools.insertText('../outside/secret.txt', 0, 'x')).rejects.toThrow(/"\.\." is not allowed/);
    await expect(tools.createFile('escape/new.txt', 'x')).rejects.toThrow(/leaves the workspace/);
    await expect(tools.createFile('ok.txt', 'x')).rejects.toThrow(/already exists/);
    await expect(tools.search('secret', { path: '../outside' })).rejects.toThrow(/inside the workspace/);
    await expect(tools.glob('/etc/*')).rejects.toThrow(/inside the workspace/);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(await readFile(path.join(root, '.git', 'config'), 'utf8')).toBe('[core]');
  });

  it('view numbers lines and ranges; insert and str_replace edit in place', async () => {
    const { root } = await workspace();
    const tools = createWorkspaceTools(root);
    await tools.createFile('src/a.ts', 'one\ntwo\nthree\n');
    expect(await tools.view('src/a.ts', [2, -1])).toBe('     2\ttwo\n     3\tthree');
    await tools.insertText('src/a.ts', 1, 'one and a half');
    await tools.replaceText('src/a.ts', 'three', '3');
    await expect(tools.replaceText('src/a.ts', 'o', 'x')).rejects.toThrow(/occurs 3 times/);
    expect(await readFile(path.join(root, 'src/a.ts'), 'utf8')).toBe('one\none and a half\ntwo\n3\n');
    expect(await tools.view('.')).toBe('ok.txt\nsrc/a.ts');
  });

  it('search and glob skip what .gitignore ignores', async () => {
    const { root } = await workspace();
    await writeFile(path.join(root, '.gitignore'), 'dist/\n');
    await mkdir(path.join(root, 'dist'));
    await writeFile(path.join(root, 'dist', 'ok.js'), 'fine');
    const tools = createWorkspaceTools(root);
    expect(await tools.search('fine')).toBe('ok.txt:1:fine');
    expect(await tools.glob('*.js')).toEqual([]);
    expect(await tools.glob('*.txt')).toEqual(['ok.txt']);
  });
});

describe('validation commands', () => {
  it('run with only the given environment, so no secret reaches them', async () => {
    const runner = createCommandRunner({
      env: { PATH: PATH_ENV, HOME: '/nonexistent' },
      maxOutputBytes: 4096,
    });
    const previous = process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_API_KEY = 'sk-ant-should-not-leak';
    try {
      const result = await runner.run({
        command: 'env',
        cwd: tmpdir(),
        timeoutMs: 5000,
        signal: new AbortController().signal,
      });
      expect(result.exitCode).toBe(0);
      expect(result.output).not.toContain('sk-ant-should-not-leak');
      expect(result.output).not.toMatch(/AWS_|ANTHROPIC/);
    } finally {
      if (previous === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = previous;
    }
  });

  it('kill the whole process group at the time limit and keep head and tail of long output', async () => {
    const runner = createCommandRunner({ env: { PATH: PATH_ENV }, maxOutputBytes: 3000 });
    const slow = await runner.run({
      command: 'sleep 5 & sleep 5; echo never',
      cwd: tmpdir(),
      timeoutMs: 200,
      signal: new AbortController().signal,
    });
    expect(slow.timedOut).toBe(true);
    expect(slow.durationMs).toBeLessThan(2000);
    expect(slow.output).toContain('killed after');
    const long = await runner.run({
      command: 'echo FIRST; seq 1 20000; echo LAST; exit 3',
      cwd: tmpdir(),
      timeoutMs: 5000,
      signal: new AbortController().signal,
    });
    expect(long.exitCode).toBe(3);
    expect(long.output).toMatch(/^FIRST/);
    expect(long.output).toMatch(/LAST\n$/);
    expect(long.output).toContain('bytes cut');
    expect(Buffer.byteLength(long.output)).toBeLessThan(3200);
  });
});
