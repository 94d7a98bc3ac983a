import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbProjectRegistry } from '#adapters/dynamodb-project-registry.ts';
import { parseProject } from '#domain/project-config.ts';
import { DEMO_PROJECT, type RunningSystem } from '#local/cli/up.ts';
import { startLocalSystem } from '../../helpers/local-system.ts';

const start = (dataDir: string): Promise<RunningSystem> =>
  startLocalSystem(dataDir, { worker: false, maxConcurrency: 1 });

const registryOf = (system: RunningSystem) =>
  new DynamoDbProjectRegistry(system.runtime.clients.documents, system.runtime.config.projectsTable);

describe('the demo project across starts on different forge ports', () => {
  const folders: string[] = [];
  afterAll(async () => Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('follows the forge of this start, and leaves a repository the user chose alone', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'intake-demo-forge-'));
    folders.push(dataDir);
    const first = await start(dataDir);
    const firstUrl = first.forge.gitUrl('amelia', 'demo');
    expect((await registryOf(first).get(DEMO_PROJECT.id))?.repository?.url).toBe(firstUrl);
    await first.stop();

    const second = await start(dataDir);
    try {
      const url = second.forge.gitUrl('amelia', 'demo');
      expect(url).not.toBe(firstUrl);
      const demo = await registryOf(second).get(DEMO_PROJECT.id);
      expect(demo?.repository?.url).toBe(url);
      expect(demo?.repository?.pullRequests).toMatchObject({ apiBaseUrl: second.forge.apiUrl });
      // The user binds the demo project to a repository of their own.
      await registryOf(second).put(
        parseProject({ ...demo!, repository: { url: 'https://git.example.test/team/app.git' } }),
      );
    } finally {
      await second.stop();
    }

    const third = await start(dataDir);
    try {
      const demo = await registryOf(third).get(DEMO_PROJECT.id);
      expect(demo?.repository?.url).toBe('https://git.example.test/team/app.git');
    } finally {
      await third.stop();
    }
  }, 120_000);
});
