import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SeedCommit {
  message: string;
  /** Path → content; each commit adds or replaces these files. */
  files: Record<string, string>;
}

const gitEnv = (pathEnv: string): NodeJS.ProcessEnv => ({
  PATH: pathEnv,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
});

/** Creates a bare repository on `main` (nothing when it exists already). */
export async function createBareRepository(gitDir: string, pathEnv = process.env.PATH ?? ''): Promise<void> {
  await mkdir(gitDir, { recursive: true });
  await run('git', ['init', '-q', '--bare', '-b', 'main', gitDir], { env: gitEnv(pathEnv) });
}

/**
 * Writes commits onto `branch` of a bare repository with one `git fast-import` stream: thousands of
 * files in well under a second, for the demo repository, tests and benchmarks.
 */
export async function seedRepository(
  gitDir: string,
  commits: readonly SeedCommit[],
  options: { branch?: string; pathEnv?: string } = {},
): Promise<void> {
  const branch = options.branch ?? 'main';
  const child = spawn('git', ['fast-import', '--quiet'], {
    cwd: gitDir,
    env: { ...gitEnv(options.pathEnv ?? process.env.PATH ?? ''), GIT_DIR: gitDir },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import failed: ${stderr.trim()}`)),
    );
  });
  const data = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const parent = await run('git', ['rev-parse', '-q', '--verify', `refs/heads/${branch}`], {
    cwd: gitDir,
    env: gitEnv(options.pathEnv ?? process.env.PATH ?? ''),
  }).then(
    (out) => out.stdout.trim(),
    () => '',
  );
  let time = 1_700_000_000;
  commits.forEach((commit, index) => {
    time += 60;
    let block = `commit refs/heads/${branch}\ncommitter intake <intake@localhost> ${time} +0000\n${data(commit.message)}`;
    if (index === 0 && parent) block += `from ${parent}\n`;
    for (const [file, content] of Object.entries(commit.files))
      block += `M 100644 inline ${file}\n${data(content)}`;
    child.stdin.write(`${block}\n`);
  });
  child.stdin.end();
  await done;
}
