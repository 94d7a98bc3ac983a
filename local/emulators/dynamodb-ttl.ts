import { readFile, rename, writeFile } from 'node:fs/promises';

export interface TtlSpecification {
  AttributeName: string;
  Enabled: boolean;
}

/** TTL settings per table, kept in a JSON file (dynalite has no UpdateTimeToLive). */
export class TtlSettings {
  private readonly settings = new Map<string, TtlSpecification>();
  private constructor(private readonly file: string) {}

  static async load(file: string): Promise<TtlSettings> {
    const store = new TtlSettings(file);
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, TtlSpecification>;
      for (const [table, spec] of Object.entries(saved)) store.settings.set(table, spec);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return store;
  }

  get(table: string): TtlSpecification | undefined {
    return this.settings.get(table);
  }

  async set(table: string, spec: TtlSpecification): Promise<void> {
    this.settings.set(table, spec);
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.settings), null, 2));
    await rename(tmp, this.file);
  }
}
