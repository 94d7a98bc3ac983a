import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface StoredComment {
  id: number;
  body: string;
  created_at: string;
}

export interface StoredPullRequest {
  number: number;
  node_id: string;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  created_at: string;
  updated_at: string;
  /** How many times the pull request was edited. */
  revisions: number;
  comments: StoredComment[];
}

interface StoreFile {
  repositories: Record<string, StoredPullRequest[]>;
}

/** Pull requests of the local forge, one JSON file in the data folder, changed one at a time. */
export class PullRequestStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async list(fullName: string): Promise<StoredPullRequest[]> {
    return (await this.read()).repositories[fullName] ?? [];
  }

  /** Every repository's pull requests, for the console. */
  async all(): Promise<Record<string, StoredPullRequest[]>> {
    return (await this.read()).repositories;
  }

  /** Applies `change` to a repository's list and saves it; returns what `change` returns. */
  change<T>(fullName: string, change: (pulls: StoredPullRequest[]) => T): Promise<T> {
    const work = async (): Promise<T> => {
      const data = await this.read();
      const pulls = (data.repositories[fullName] ??= []);
      const result = change(pulls);
      await mkdir(path.dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(data, null, 2));
      await rename(temporary, this.file);
      return result;
    };
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<StoreFile> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as StoreFile;
    } catch {
      return { repositories: {} };
    }
  }
}
