import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * What `intake up` writes so the other CLI commands find the running system. Its environment holds
 * the local credentials, so the file is readable by its owner only.
 */
export const runtimeInfoSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  endpoint: z.string().url(),
  smtp: z.object({ host: z.string(), port: z.number().int() }).nullable(),
  consoleUrl: z.string().nullable(),
  mailDomain: z.string(),
  environment: z.record(z.string(), z.string()),
});
export type RuntimeInfo = z.infer<typeof runtimeInfoSchema>;

const fileOf = (dataDir: string) => join(dataDir, 'runtime.json');

export async function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(fileOf(dataDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  await chmod(fileOf(dataDir), 0o600);
}

export async function readRuntimeInfo(dataDir: string): Promise<RuntimeInfo | undefined> {
  try {
    return runtimeInfoSchema.parse(JSON.parse(await readFile(fileOf(dataDir), 'utf8')));
  } catch {
    return undefined;
  }
}

export async function removeRuntimeInfo(dataDir: string): Promise<void> {
  await rm(fileOf(dataDir), { force: true });
}
