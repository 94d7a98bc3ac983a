import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

export interface StaticFile {
  path: string;
  contentType: string;
}

/**
 * The page's files, listed once at start: a request can only ever name one of them, so no path
 * from the URL reaches the file system.
 */
export async function listStaticFiles(root = PUBLIC_DIR): Promise<ReadonlyMap<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (!contentType) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(`/${relative(root, path).split(sep).join('/')}`, { path, contentType });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

export function readStaticFile(file: StaticFile): Promise<Buffer> {
  return readFile(file.path);
}
