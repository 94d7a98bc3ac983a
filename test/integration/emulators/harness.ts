import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulators } from '#local/emulators/index.ts';
import type { Emulators, EmulatorsOptions } from '#local/emulators/index.ts';
import type { LocalCredentials } from '#local/edge/local-credentials.ts';

/** SDK client settings for the edge of running emulators: their endpoint and their credentials. */
export function clientConfig(emulators: Pick<Emulators, 'endpoint' | 'credentials'>): {
  endpoint: string;
  region: string;
  credentials: LocalCredentials;
} {
  return { endpoint: emulators.endpoint, region: 'us-east-1', credentials: emulators.credentials };
}

export function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'intake-emulators-'));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

export function start(dataDir: string, options: Partial<EmulatorsOptions> = {}): Promise<Emulators> {
  return startEmulators({ dataDir, edgePort: 0, host: '127.0.0.1', ...options });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
