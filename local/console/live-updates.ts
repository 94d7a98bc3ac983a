import type { ServerResponse } from 'node:http';
import type { ExecutionChange } from '../stepfunctions/records.ts';
import type { ConsoleData } from './console-data.ts';

/** What the page hears: an execution changed (a new history event, or a new status). */
export interface LiveChange {
  executionArn: string;
  status?: string;
  eventType?: string;
}

export interface ExecutionEventSource {
  onExecutionEvent(listener: (change: ExecutionChange) => void): () => void;
}

const KEEP_ALIVE_MS = 15_000;

/**
 * Server-Sent Events for the page. Changes come from the Step Functions service when the console
 * runs in its process; otherwise from polling ListExecutions (and the newest history event of each
 * running execution), which is all an AWS tool could see.
 */
export class LiveUpdates {
  private readonly clients = new Set<ServerResponse>();
  private readonly keepAlive: NodeJS.Timeout;
  private poller: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private polling = false;
  private seeded = false;
  private readonly seen = new Map<string, { status?: string; latestEventId?: number }>();

  constructor(
    private readonly data: ConsoleData,
    private readonly stateMachineArn: string,
    source: ExecutionEventSource | undefined,
    private readonly pollIntervalMs: number,
  ) {
    if (source) this.unsubscribe = source.onExecutionEvent((change) => this.fromService(change));
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopPolling();
    });
    if (!this.unsubscribe && !this.poller) {
      this.poller = setInterval(() => void this.poll(), this.pollIntervalMs);
      this.poller.unref();
    }
  }

  close(): void {
    this.unsubscribe?.();
    this.stopPolling();
    clearInterval(this.keepAlive);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private fromService(change: ExecutionChange): void {
    if (change.kind === 'status') {
      if (change.execution.stateMachineArn !== this.stateMachineArn) return;
      this.publish({ executionArn: change.execution.executionArn, status: change.execution.status });
    } else if (change.stateMachineArn === this.stateMachineArn) {
      this.publish({ executionArn: change.executionArn, eventType: change.event.type });
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const { executions } = await this.data.listExecutions({ maxResults: 100 });
      for (const execution of executions) {
        const arn = execution.executionArn;
        if (!arn) continue;
        const previous = this.seen.get(arn);
        const latestEventId =
          execution.status === 'RUNNING' || previous?.status === 'RUNNING'
            ? await this.data.latestEventId(arn)
            : previous?.latestEventId;
        this.seen.set(arn, { status: execution.status, latestEventId });
        if (!previous) {
          if (this.seeded) this.publish({ executionArn: arn, status: execution.status });
          continue;
        }
        if (previous.status !== execution.status || previous.latestEventId !== latestEventId) {
          this.publish({ executionArn: arn, status: execution.status });
        }
      }
      this.seeded = true;
    } catch {
      // The next tick tries again; the page keeps what it has.
    } finally {
      this.polling = false;
    }
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }

  private publish(change: LiveChange): void {
    this.write(`event: execution\ndata: ${JSON.stringify(change)}\n\n`);
  }

  private write(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}
