import type { Log, WorkQueue } from '../ports.ts';

/** The input queues known so far, refreshed by ListQueues on the name prefix. */
export class QueueDiscovery {
  private urls: string[] = [];
  /** Announced queues ListQueues has not listed yet (it is eventually consistent): kept until it does. */
  private readonly announced = new Set<string>();

  constructor(
    private readonly queue: WorkQueue,
    private readonly namePrefix: string,
    private readonly log: Log,
  ) {}

  get queues(): readonly string[] {
    return this.urls;
  }

  /** A queue learned of before ListQueues lists it (a new-queue notice); one of another prefix is refused. */
  add(url: string): boolean {
    const name = decodeURIComponent(url.split('/').at(-1) ?? '');
    if (!name.startsWith(this.namePrefix)) return false;
    this.announced.add(url);
    if (!this.urls.includes(url)) this.urls = [...this.urls, url].sort();
    return true;
  }

  async refresh(): Promise<readonly string[]> {
    try {
      const found = await this.queue.listQueues(this.namePrefix);
      for (const url of found) this.announced.delete(url);
      this.urls = [...new Set([...found, ...this.announced])].sort();
    } catch (error) {
      this.log.warn('queue discovery failed; keeping the last list', { error: String(error) });
    }
    return this.urls;
  }
}
