import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepositorySettings } from '#contracts/repository.ts';
import { createBareRepository, seedRepository } from '#local/forge/index.ts';
import {
  repositoryHistory,
  startRepositoryWorld,
  type RepositoryWorld,
} from '../../helpers/repository-fixture.ts';
import {
  generateKey,
  knownHostsLine,
  SSHD,
  startSshServer,
  type SshServer,
} from '../../helpers/ssh-server.ts';
import type { ModelProvider } from '../../../containers/story-processor/src/ports.ts';
import { OfflineModelProvider } from '../../../containers/story-processor/src/models/offline-provider.ts';
import { createHarness, makeJob, THREE_STORIES } from '../../unit/worker/fakes.ts';

const KEY_VARIABLE = 'INTAKE_TEST_DEPLOY_KEY';

/** Every file under `root`, as text. */
async function filesUnder(root: string): Promise<Array<[string, string]>> {
  const found: Array<[string, string]> = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      found.push([file, await readFile(file, 'latin1')]);
    }
  return found;
}

describe.skipIf(!existsSync(SSHD))(
  'a repository over ssh with a deploy key (OpenSSH sshd on loopback)',
  () => {
    let world: RepositoryWorld;
    let sshd: SshServer;
    let bare: string;
    let secretsDir: string;

    beforeAll(async () => {
      world = await startRepositoryWorld(repositoryHistory(5));
      sshd = await startSshServer(path.join(world.root, 'sshd'));
      bare = path.join(world.root, 'served', 'widgets.git');
      await createBareRepository(bare);
      await seedRepository(bare, repositoryHistory(200));
      secretsDir = path.join(world.root, 'secrets');
      await mkdir(secretsDir, { mode: 0o700 });
    });
    afterAll(async () => {
      await sshd?.stop();
      await world?.stop();
    });

    const settings = (knownHosts = sshd.knownHosts): RepositorySettings => ({
      url: sshd.url(bare),
      credentials: { env: KEY_VARIABLE },
      knownHosts,
      pullRequests: { provider: 'none' },
    });
    const harnessWith = async (key: string) => {
      const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
      const parts = world.workerParts(dataDir, { environment: { [KEY_VARIABLE]: key }, secretsDir });
      return { dataDir, harness: await createHarness({ ...parts, log: world.log }) };
    };

    it('clones, pushes each story, and keeps the key only in a 0600 file while git runs', async () => {
      const { dataDir, harness } = await harnessWith(sshd.deployKey.privateKey);
      const secretsSeenByModel: string[][] = [];
      const inner = new OfflineModelProvider();
      const model: ModelProvider = {
        name: 'offline-watching',
        plan: (request) => inner.plan(request),
        async edit(request) {
          secretsSeenByModel.push(await readdir(secretsDir));
          return inner.edit(request);
        },
      };
      harness.deps.model = model;
      const job = makeJob({ settings: { repository: settings() } });
      const result = await harness.run(job, THREE_STORIES);
      expect(result.kind).toBe('succeeded');

      const log = await world.remoteGit([
        '--git-dir',
        bare,
        'log',
        `intake/${job.threadId}`,
        '--format=%s|%(trailers:key=Intake-Story,valueonly)',
      ]);
      const stories = log.split('\n').filter((line) => /\|\d/.test(line));
      expect(stories).toHaveLength(3);
      expect(log).toContain('Initial import|');
      expect(sshd.log()).toMatch(/Accepted publickey for \S+ from 127\.0\.0\.1 .* ED25519/);

      // No key file exists between git processes (while the model or validation runs), nor after.
      expect(secretsSeenByModel.length).toBeGreaterThanOrEqual(3);
      for (const seen of secretsSeenByModel) expect(seen).toEqual([]);
      expect(await readdir(secretsDir)).toEqual([]);

      // The key is in no log line, record, reply, git config or any other file of the worker.
      const keyBody = sshd.deployKey.privateKey.split('\n')[1] ?? '';
      expect(keyBody.length).toBeGreaterThan(40);
      const haystacks = [
        ...world.log.lines,
        JSON.stringify([...harness.records.items.entries()]),
        ...harness.mailer.sent.map((mail) => mail.raw),
      ];
      const files = await filesUnder(dataDir);
      expect(
        files.some(([file]) => file.endsWith(path.join('.git', 'config')) || file.endsWith('config')),
      ).toBe(true);
      for (const [, text] of files) haystacks.push(text);
      for (const text of haystacks) expect(text).not.toContain(keyBody);
    });

    it('fails the job with a clear reason when the server does not accept the key', async () => {
      const stranger = await generateKey(path.join(world.root, 'stranger_key'), 'stranger');
      const { harness } = await harnessWith(stranger.privateKey);
      const result = await harness.run(makeJob({ settings: { repository: settings() } }), THREE_STORIES);
      expect(result.kind).toBe('failed');
      expect(harness.callbacks.calls[0]?.cause).toContain('refused the ssh deploy key');
      expect(harness.mailer.sent.at(-1)?.raw).toContain('refused the ssh deploy key');
      expect(await readdir(secretsDir)).toEqual([]);
    });

    it('refuses a server whose host key is not pinned, sending nothing', async () => {
      const impostor = await generateKey(path.join(world.root, 'impostor_host_key'), 'impostor');
      const { harness } = await harnessWith(sshd.deployKey.privateKey);
      const job = makeJob({
        settings: { repository: settings(knownHostsLine(sshd.port, impostor.publicKey)) },
      });
      const result = await harness.run(job, THREE_STORIES);
      expect(result.kind).toBe('failed');
      expect(harness.callbacks.calls[0]?.cause).toContain("not in the project's knownHosts");
      expect(harness.mailer.sent.at(-1)?.raw).toContain("not in the project's knownHosts");
    });
  },
);
