import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorker } from '../../../containers/story-processor/build.ts';

const dockerfilePath = join('containers', 'story-processor', 'Dockerfile');
const source = await readFile(dockerfilePath, 'utf8');
const dockerfile = DockerfileParser.parse(source);
const froms = dockerfile.getFROMs();
const instructions = dockerfile.getInstructions();
/** Instructions of the stage that starts at the given FROM, up to the next FROM. */
const stageInstructions = (index: number): Instruction[] => {
  const starts = instructions.flatMap((instruction, at) => (instruction.getKeyword() === 'FROM' ? [at] : []));
  return instructions.slice(starts[index], starts[index + 1] ?? instructions.length);
};
const argumentsOf = (instruction: Instruction): string => instruction.getArgumentsContent() ?? '';
const runLines = (stage: Instruction[]): string[] =>
  stage.filter((i) => i.getKeyword() === 'RUN').map(argumentsOf);

describe('the worker Dockerfile', () => {
  it('does not pull a remote Dockerfile frontend', () => {
    expect(dockerfile.getDirectives().map((d) => d.getName().toLowerCase())).not.toContain('syntax');
  });

  it('builds on the build host and produces an image for the target platform', () => {
    expect(froms).toHaveLength(2);
    const [build, runtime] = froms;
    expect(build?.getPlatformFlag()?.getValue()).toBe('$BUILDPLATFORM');
    expect(build?.getImageName()).toBe('node');
    expect(build?.getBuildStage()).toBe('build');
    expect(runtime?.getPlatformFlag()?.getValue()).toBe('$TARGETPLATFORM');
    expect(runtime?.getImageName()).toBe('node');
    expect(runtime?.getImageTag()).toBe(build?.getImageTag());
  });

  it('bundles the worker with the shared build script, the one the test below runs', () => {
    expect(runLines(stageInstructions(0))).toContain('npx tsx containers/story-processor/build.ts /out');
  });

  it('ships production files only: the bundle output, no package install, no sources', () => {
    const runtime = stageInstructions(1);
    for (const line of runLines(runtime)) expect(line).not.toMatch(/\bnpm\b|\byarn\b|\bnpx\b/);
    const runtimeStart = froms[1]?.getRange().start.line ?? 0;
    const copies = dockerfile
      .getCOPYs()
      .filter((copy) => copy.getRange().start.line > runtimeStart)
      .map((copy) => [copy.getFromFlag()?.getValue(), argumentsOf(copy)]);
    expect(copies).toEqual([['build', '/out/ /app/']]);
  });

  it('keeps tini, git (and ssh for deploy keys), bubblewrap and the non-root user the sandbox relies on', () => {
    const runtime = stageInstructions(1);
    const setup = runLines(runtime).join('\n');
    for (const pkg of ['git', 'openssh-client', 'tini', 'bubblewrap', 'socat', 'ca-certificates']) {
      expect(setup).toMatch(new RegExp(`apt-get install[^\\n]*\\b${pkg}\\b`));
    }
    expect(setup).toContain('useradd --system --uid 10001');
    // The parent of the EFS mount on ECS (WORKSPACE_ROOT=/durable/workspaces): root-only, so a lent
    // sandbox uid cannot reach the bare repositories (EFS itself answers every uid as its own user).
    expect(setup).toMatch(/mkdir -p [^\n]*\/durable\/workspaces/);
    expect(setup).toContain('chmod 0700 /durable');
    const user = runtime.filter((i) => i.getKeyword() === 'USER').map(argumentsOf);
    expect(user).toEqual(['10001:10001']);
    const entrypoint = runtime.filter((i) => i.getKeyword() === 'ENTRYPOINT').map(argumentsOf);
    expect(entrypoint).toEqual(['["/usr/bin/tini", "--"]']);
    const cmd = runtime.filter((i) => i.getKeyword() === 'CMD').map(argumentsOf);
    expect(cmd).toEqual(['["node", "/app/main.mjs"]']);
  });
});

describe('the worker build script', () => {
  const outdirs: string[] = [];
  afterAll(async () => {
    for (const dir of outdirs) await rm(dir, { recursive: true, force: true });
  });

  it('writes one self-contained bundle and the prompts the image copies to /app', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'intake-worker-build-'));
    outdirs.push(outdir);
    const { bundle, metafile } = await buildWorker(outdir);

    expect(bundle).toBe(join(outdir, 'main.mjs'));
    const builtins = new Set(builtinModules);
    const output = Object.values(metafile.outputs)[0];
    const leftOutside = (output?.imports ?? [])
      .filter((imported) => imported.external)
      .map((imported) => imported.path)
      .filter((path) => !path.startsWith('node:') && !builtins.has(path));
    expect(leftOutside).toEqual([]);
    // Every source the bundle reads is inside what the Dockerfile copies into the build stage.
    const copiedIntoBuildStage = /^(node_modules|shared|containers\/story-processor)\//;
    const outsideContext = Object.keys(metafile.inputs).filter((input) => !copiedIntoBuildStage.test(input));
    expect(outsideContext).toEqual([]);
    expect(await readdir(join(outdir, 'prompts'))).toEqual(
      expect.arrayContaining(await readdir(join('containers', 'story-processor', 'prompts'))),
    );
  });
});
