import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators } from '#local/emulators/index.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import { freePort, runCli } from '../helpers/cli-process.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'intake-host-flag-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('a non-loopback --host is refused before anything binds', () => {
  it('intake up --host 0.0.0.0 exits with a clear message and creates nothing', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'example.com']) {
      const dataDir = join(root, `cli-${host.replace(/\W/g, '_')}`);
      const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      const result = await runCli([
        '-d',
        dataDir,
        'up',
        '--host',
        host,
        '--edge-port',
        String(ports[0]),
        '--smtp-port',
        String(ports[1]),
        '--console-port',
        String(ports[2]),
      ]);
      expect(result.code, host).toBe(2);
      expect(result.stderr).toContain(`--host ${host} is not a loopback address`);
      // Nothing was started: not even the data folder (credentials) was made.
      expect(existsSync(dataDir)).toBe(false);
    }
  }, 120_000);

  it('the runtime and the emulators refuse it too, whoever calls them', async () => {
    const dataDir = join(root, 'library');
    await expect(startEmulators({ dataDir, host: '0.0.0.0', edgePort: 0 })).rejects.toThrow(
      '0.0.0.0 is not a loopback address',
    );
    await expect(
      startLocalRuntime({ dataDir, host: '::', edgePort: 0, smtpPort: null, log: () => undefined }),
    ).rejects.toThrow(':: is not a loopback address');
    expect(existsSync(dataDir)).toBe(false);
  });
});
