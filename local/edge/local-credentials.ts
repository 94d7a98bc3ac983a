import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** The one key pair the edge accepts: made for a data folder, kept in it, readable by its owner only. */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const credentialsSchema = z.object({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/),
  secretAccessKey: z.string().min(32),
});

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const credentialsFileOf = (dataDir: string): string => join(dataDir, 'credentials.json');

/** `LKIA` + 16 base-32 characters, shaped like an AWS access key id so tools accept it. */
function newAccessKeyId(): string {
  return `LKIA${[...randomBytes(16)].map((byte) => BASE32[byte % 32]).join('')}`;
}

export function newLocalCredentials(): LocalCredentials {
  return { accessKeyId: newAccessKeyId(), secretAccessKey: randomBytes(30).toString('base64') };
}

/**
 * The data folder's credentials, made on first use. The file is written exclusively (two starts
 * racing agree on one pair) with mode 0600, and tightened again should someone have loosened it.
 */
export async function loadLocalCredentials(dataDir: string): Promise<LocalCredentials> {
  const file = credentialsFileOf(dataDir);
  await mkdir(dataDir, { recursive: true });
  try {
    await writeFile(file, `${JSON.stringify(newLocalCredentials(), null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await chmod(file, 0o600);
  }
  const parsed = credentialsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} does not hold local credentials; delete it to make new ones`);
  return parsed.data;
}
