import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import PostalMime, { type Address } from 'postal-mime';

export interface OutboxEntry {
  id: string;
  /** The SES-style MessageId returned to the sender. */
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  /** ISO 8601: when the message was captured. */
  date: string;
  /** First characters of the plain-text body. */
  preview: string;
  /** File name of the raw message, relative to the outbox folder. */
  file: string;
  relay?: { delivered: boolean; error?: string };
}

const PREVIEW_LENGTH = 160;

export function outboxDir(dataDir: string): string {
  return join(dataDir, 'outbox');
}

function addressesOf(addresses: readonly Address[] = []): string[] {
  return addresses.flatMap((a) => (a.group ? addressesOf(a.group) : [a.address])).filter(Boolean);
}

/** Stores a raw MIME message as <id>.eml and appends its entry to index.jsonl. */
export async function storeOutboxMessage(
  dataDir: string,
  raw: Buffer,
  envelope: { from?: string; to?: string[] } = {},
  relay?: OutboxEntry['relay'],
): Promise<OutboxEntry> {
  const dir = outboxDir(dataDir);
  await mkdir(dir, { recursive: true });
  const id = randomUUID();
  const parsed = await PostalMime.parse(raw);
  const recipients = envelope.to?.length
    ? envelope.to
    : [...addressesOf(parsed.to), ...addressesOf(parsed.cc)];
  const entry: OutboxEntry = {
    id,
    messageId: `${Date.now().toString(16)}-${id}`,
    from: envelope.from || addressesOf(parsed.from ? [parsed.from] : [])[0] || '',
    to: recipients,
    subject: parsed.subject ?? '',
    date: new Date().toISOString(),
    preview: (parsed.text ?? '').replace(/\s+/g, ' ').trim().slice(0, PREVIEW_LENGTH),
    file: `${id}.eml`,
    ...(relay ? { relay } : {}),
  };
  await writeFile(join(dir, entry.file), raw);
  await appendFile(join(dir, 'index.jsonl'), `${JSON.stringify(entry)}\n`);
  return entry;
}

/** Captured messages, oldest first. */
export async function listOutbox(dataDir: string): Promise<OutboxEntry[]> {
  let text: string;
  try {
    text = await readFile(join(outboxDir(dataDir), 'index.jsonl'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutboxEntry);
}

export async function readOutboxMessage(dataDir: string, entry: Pick<OutboxEntry, 'file'>): Promise<Buffer> {
  return readFile(join(outboxDir(dataDir), entry.file));
}
