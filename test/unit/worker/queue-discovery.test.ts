import { describe, expect, it } from 'vitest';
import type { Log, WorkQueue } from '../../../containers/story-processor/src/ports.ts';
import { QueueDiscovery } from '../../../containers/story-processor/src/scheduler/queue-discovery.ts';

const BASE = 'http://127.0.0.1:4566/000000000000';
const silent: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const listing = (listed: string[]): WorkQueue => ({
  listQueues: async () => listed,
  receive: async () => [],
  changeVisibility: async () => {},
  delete: async () => {},
});

describe('queue discovery with announced queues', () => {
  it('keeps an announced queue until ListQueues, eventually consistent, lists it too', async () => {
    const listed = [`${BASE}/intake-input-a-1.fifo`];
    const discovery = new QueueDiscovery(listing(listed), 'intake-input-', silent);
    await discovery.refresh();
    expect(discovery.add(`${BASE}/intake-input-b-2.fifo`)).toBe(true);
    await discovery.refresh();
    expect(discovery.queues).toEqual([`${BASE}/intake-input-a-1.fifo`, `${BASE}/intake-input-b-2.fifo`]);
    listed.push(`${BASE}/intake-input-b-2.fifo`);
    await discovery.refresh();
    expect(discovery.queues).toHaveLength(2);
  });

  it('refuses a queue outside its name prefix', () => {
    const discovery = new QueueDiscovery(listing([]), 'intake-input-', silent);
    expect(discovery.add(`${BASE}/other-input-a.fifo`)).toBe(false);
    expect(discovery.add(`${BASE}/intake-interrupt-a.fifo`)).toBe(false);
    expect(discovery.queues).toEqual([]);
  });
});
