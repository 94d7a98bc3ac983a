import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRepoMap } from '../../../containers/story-processor/src/pipeline/repo-map.ts';
import { PATH_ENV } from './fakes.ts';
import { makeTempDir } from '../../helpers/temp-dirs.ts';

describe('repository map', () => {
  it('shows folders with sizes, the README, manifests and tests; skips ignored files and never follows links', async () => {
    const root = await makeTempDir('repo-map-');
    execFileSync('git', ['init', '-q', root], { env: { PATH: PATH_ENV, HOME: root } });
    await mkdir(path.join(root, 'src/util'), { recursive: true });
    await mkdir(path.join(root, 'test'));
    await mkdir(path.join(root, 'node_modules/lib'), { recursive: true });
    await writeFile(path.join(root, '.gitignore'), 'node_modules/\n');
    await writeFile(path.join(root, 'README.md'), '# Shop\n\nSells things.\n');
    await writeFile(path.join(root, 'package.json'), '{ "name": "shop", "scripts": { "test": "vitest" } }\n');
    await writeFile(path.join(root, 'src/index.ts'), 'export {};\n'.repeat(100));
    await writeFile(path.join(root, 'src/util/math.ts'), 'export const add = 1;\n');
    await writeFile(path.join(root, 'test/index.test.ts'), 'test();\n');
    await writeFile(path.join(root, 'node_modules/lib/index.js'), 'ignored');
    await symlink('/etc/hostname', path.join(root, 'readme'));

    const map = await buildRepoMap(root);
    expect(map).toContain('./  7 files');
    expect(map).toContain('  src/  2 files, 1.1 KiB');
    expect(map).toContain('    util/  1 file, 22 B');
    expect(map).toContain('README.md:\n# Shop\n\nSells things.');
    expect(map).toContain('package.json:\n{ "name": "shop"');
    expect(map).toContain('Tests (1 files):\n  test/index.test.ts');
    expect(map).not.toContain('node_modules');
    expect(map).not.toMatch(/^readme:/m);
  });
});
