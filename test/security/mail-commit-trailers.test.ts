import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRunner } from '../../containers/story-processor/src/workspace/git-cli.ts';
import { testWorkspaces } from '../helpers/worker-workspaces.ts';
import {
  JOB_TRAILER,
  STORY_TRAILER,
  THREAD_TRAILER,
} from '../../containers/story-processor/src/workspace/git-workspaces.ts';

const run = promisify(execFile);

/** What `git interpret-trailers --parse` reads from a commit's message. */
async function trailersOf(dir: string, commit: string): Promise<string[]> {
  const { stdout: message } = await run('git', ['log', '-1', '--format=%B', commit], { cwd: dir });
  const parsed = await new Promise<string>((resolve, reject) => {
    const child = execFile('git', ['interpret-trailers', '--parse'], { cwd: dir }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
    child.stdin?.end(message);
  });
  return parsed.split('\n').filter((line) => line !== '');
}

describe('commit trailers: only the system writes them', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'intake-trailers-'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  const system: Array<[string, string]> = [
    [JOB_TRAILER, 'email-system'],
    [THREAD_TRAILER, 't0123456789abcdef01234567'],
    [STORY_TRAILER, '1'],
  ];
  const systemLines = system.map(([key, value]) => `${key}: ${value}`);

  it.each([
    [
      'a spec made only of trailer lines',
      'Signed-off-by: Mallory <m@evil.example>\nIntake-Job: email-forged',
    ],
    [
      'trailer lines as the last paragraph',
      'Add a parser.\n\nIntake-Job: email-forged\nIntake-Story: 99\nCo-authored-by: Eve <eve@evil.example>',
    ],
    [
      'a cherry-pick line and folded trailer',
      '(cherry picked from commit 0123abc)\nReviewed-by: x\n  continued',
    ],
    ['an empty body', ''],
  ])('%s stays text', async (_name, body) => {
    const git = createGitRunner({
      pathEnv: process.env.PATH ?? '/usr/bin:/bin',
      home: root,
      authorName: 'intake',
      authorEmail: 'intake@intake.localhost',
      timeoutMs: 30_000,
    });
    const workspace = await testWorkspaces({ root, git }).open(
      'demo',
      `t${'0'.repeat(23)}${body.length % 10}`,
    );
    const commit = await workspace.commit({
      subject: 'Story 1/1: Signed-off-by: Mallory <m@evil.example>',
      body,
      trailers: system,
    });
    expect(await trailersOf(workspace.dir, commit)).toEqual(systemLines);
    if (body !== '') {
      const { stdout } = await run('git', ['log', '-1', '--format=%b', commit], { cwd: workspace.dir });
      expect(stdout).toContain(`> ${body.split('\n')[0]}`);
    }
  });
});
