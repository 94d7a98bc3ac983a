import type { Log, WorkQueue } from '../ports.ts';

/** The input queues known so far, refreshed by ListQueues on the name prefix. */
export class QueueDiscovery {
  private urls: string[] = [];

  constructor(
    private readonly queue: WorkQueue,
    private readonly namePrefix: string,
    private readonly log: Log,
  ) {}

  get queues(): readonly string[] {
    return this.urls;
  }

  async refresh(): Promise<readonly string[]> {
    try {
      const found = await this.queue.listQueues(this.namePrefix);
      this.urls = [...new Set(found)].sort();
    } catch (error) {
      this.log.warn('queue discovery failed; keeping the last list', { error: String(error) });
    }
    return this.urls;
  }
}
