/**
 * Story agent benchmarks against a local Messages API:
 * - billed input tokens of one story's multi-turn conversation (a recorded script of 14 tool turns on a
 *   real workspace) with and without prompt caching. The server prices each request like the API:
 *   the longest prefix that ends at a breakpoint it has seen is a cache read, the rest up to the last
 *   breakpoint a cache write, the tail uncached (tokens ≈ characters / 4). Billed input = uncached
 *   + 1.25 × writes + 0.1 × reads.
 * - interrupt → streamed call aborted: the time from the abort to the rejected call and to the server
 *   seeing its connection close.
 * Run alone: `npx tsx bench/agent.ts`.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AnthropicModelProvider } from '../containers/story-processor/src/models/anthropic-provider.ts';
import { defaultPromptDir, loadPromptTemplates } from '../containers/story-processor/src/pipeline/prompts.ts';
import { createWorkspaceTools } from '../containers/story-processor/src/workspace/file-tools.ts';
import {
  endStream,
  fakeMessagesApi,
  startStream,
  streamBlock,
  text,
  tool,
  type Block,
  type Handler,
  type MessagesRequest,
} from '../test/unit/worker/messages-api-server.ts';
import { median, ms, percentile, printTable, type BenchRow } from './lib/stats.ts';

const tokensOf = (value: unknown): number => Math.ceil(JSON.stringify(value).length / 4);

/** The request as the ordered blocks the cache sees (tools, then system, then messages), with breakpoints. */
function blocksOf(request: MessagesRequest): Array<{ tokens: number; key: string; breakpoint: boolean }> {
  const blocks: unknown[] = [...request.tools, ...(request.system ?? [])];
  for (const message of request.messages)
    blocks.push(...(typeof message.content === 'string' ? [{ text: message.content }] : message.content));
  let running = createHash('sha256');
  return blocks.map((block) => {
    const { cache_control: mark, ...content } = block as Record<string, unknown>;
    running = running.copy().update(JSON.stringify(content));
    return { tokens: tokensOf(content), key: running.copy().digest('hex'), breakpoint: mark !== undefined };
  });
}

/** A server-side prompt cache that prices each request as described above. */
function pricedLikeTheApi(): { usageOf(request: MessagesRequest): Record<string, number> } {
  const cached = new Set<string>();
  return {
    usageOf(request) {
      const blocks = blocksOf(request);
      let readUpTo = -1;
      let lastBreakpoint = -1;
      blocks.forEach((block, index) => {
        if (cached.has(block.key)) readUpTo = index;
        if (block.breakpoint) lastBreakpoint = index;
      });
      const sum = (from: number, to: number): number =>
        blocks.slice(from, to + 1).reduce((total, block) => total + block.tokens, 0);
      const read = sum(0, readUpTo);
      const write = lastBreakpoint > readUpTo ? sum(readUpTo + 1, lastBreakpoint) : 0;
      for (const [index, block] of blocks.entries())
        if (block.breakpoint && index <= lastBreakpoint) cached.add(block.key);
      const input = sum(Math.max(readUpTo, lastBreakpoint) + 1, blocks.length - 1);
      return { input_tokens: input, cache_read_input_tokens: read, cache_creation_input_tokens: write };
    },
  };
}

/** The model's side of a recorded story: look around, read, edit, check, summarise. */
const SCRIPT: Block[][] = [
  [tool('t1', 'find_files', { pattern: 'src/**/*.ts' })],
  [tool('t2', 'search_files', { pattern: 'export function', path: 'src' })],
  [tool('t3', 'str_replace_based_edit_tool', { command: 'view', path: 'src/orders.ts' })],
  [tool('t4', 'str_replace_based_edit_tool', { command: 'view', path: 'src/customers.ts' })],
  [tool('t5', 'str_replace_based_edit_tool', { command: 'view', path: 'test/orders.test.ts' })],
  [tool('t6', 'search_files', { pattern: 'total', glob: 'src/**/*.ts' })],
  [
    tool('t7', 'str_replace_based_edit_tool', {
      command: 'str_replace',
      path: 'src/orders.ts',
      old_str: 'export function total0(',
      new_str: 'export function orderTotal0(',
    }),
  ],
  [
    tool('t8', 'str_replace_based_edit_tool', {
      command: 'view',
      path: 'src/orders.ts',
      view_range: [1, 40],
    }),
  ],
  [
    tool('t9', 'str_replace_based_edit_tool', {
      command: 'insert',
      path: 'src/orders.ts',
      insert_line: 0,
      insert_text: '// Totals are in cents.',
    }),
  ],
  [tool('t10', 'search_files', { pattern: 'total0\\(' })],
  [
    tool('t11', 'str_replace_based_edit_tool', {
      command: 'create',
      path: 'test/totals.test.ts',
      file_text:
        "import { orderTotal0 } from '../src/orders';\n\ntest('sums', () => expect(orderTotal0([1, 2])).toBe(3));\n",
    }),
  ],
  [tool('t12', 'str_replace_based_edit_tool', { command: 'view', path: 'test/totals.test.ts' })],
  [tool('t13', 'find_files', { pattern: 'test/*' })],
  [tool('t14', 'str_replace_based_edit_tool', { command: 'view', path: 'README.md' })],
  [text('Renamed total0 to orderTotal0, documented cents, added a test.')],
];

async function workspace(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'bench-agent-'));
  await mkdir(path.join(root, 'src'));
  await mkdir(path.join(root, 'test'));
  const fn = (name: string, i: number) =>
    `export function ${name}${i}(items: number[]): number {\n  // Sums the items of an order, one line at a time.\n  return items.reduce((sum, item) => sum + item, 0);\n}\n`;
  await writeFile(
    path.join(root, 'src/orders.ts'),
    Array.from({ length: 40 }, (_, i) => fn('total', i)).join('\n'),
  );
  await writeFile(
    path.join(root, 'src/customers.ts'),
    Array.from({ length: 30 }, (_, i) => fn('customer', i)).join('\n'),
  );
  await writeFile(
    path.join(root, 'test/orders.test.ts'),
    "import { total0 } from '../src/orders';\n".repeat(20),
  );
  await writeFile(path.join(root, 'README.md'), '# Shop\n\nOrders and customers.\n'.repeat(30));
  return root;
}

async function billedInputPerStory(
  caching: boolean,
): Promise<{ billed: number; raw: Record<string, number> }> {
  const cache = pricedLikeTheApi();
  const totals = { input: 0, read: 0, write: 0, output: 0 };
  const handlers: Handler[] = SCRIPT.map((blocks) => (body, res) => {
    const usage = cache.usageOf(body);
    totals.input += usage.input_tokens ?? 0;
    totals.read += usage.cache_read_input_tokens ?? 0;
    totals.write += usage.cache_creation_input_tokens ?? 0;
    const full = { ...usage, input_tokens: usage.input_tokens ?? 0, output_tokens: 40 };
    startStream(res, full);
    blocks.forEach((block, index) => streamBlock(res, index, block));
    endStream(res, blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn', full);
  });
  const api = await fakeMessagesApi(handlers);
  const root = await workspace();
  try {
    const prompts = await loadPromptTemplates(defaultPromptDir());
    const provider = new AnthropicModelProvider({
      apiKey: 'bench',
      baseURL: api.url,
      maxRetries: 0,
      promptCaching: caching,
    });
    await provider.edit({
      purpose: 'generate',
      model: 'claude-sonnet-5-5',
      system: prompts.system,
      prompt: `${prompts.generate}\n\n${'Context line of the instruction and repository map.\n'.repeat(60)}`,
      story: { title: 'Rename total', description: 'Rename total0 to orderTotal0' },
      storyIndex: 0,
      tools: createWorkspaceTools(root),
      signal: new AbortController().signal,
    });
  } finally {
    await api.close();
    await rm(root, { recursive: true, force: true });
  }
  return { billed: totals.input + 1.25 * totals.write + 0.1 * totals.read, raw: totals };
}

async function interruptToAbort(runs: number): Promise<{ rejected: number[]; closed: number[] }> {
  const rejected: number[] = [];
  const closed: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const api = await fakeMessagesApi([
      (_body, res) => {
        startStream(res, { input_tokens: 10, output_tokens: 1 });
        streamBlock(res, 0, text('A long generation that keeps streaming…'));
      },
    ]);
    const root = await mkdtemp(path.join(tmpdir(), 'bench-abort-'));
    const controller = new AbortController();
    let abortedAt = 0;
    const provider = new AnthropicModelProvider({
      apiKey: 'bench',
      baseURL: api.url,
      maxRetries: 2,
      progressIntervalMs: 0,
    });
    const call = provider.edit({
      purpose: 'generate',
      model: 'claude-sonnet-5-5',
      system: 's',
      prompt: 'p',
      story: { title: 't', description: 'd' },
      storyIndex: 0,
      tools: createWorkspaceTools(root),
      signal: controller.signal,
      onProgress: () => {
        if (abortedAt) return;
        abortedAt = performance.now();
        controller.abort(new Error('interrupt'));
      },
    });
    await call.catch(() => rejected.push(performance.now() - abortedAt));
    await api.closed(0);
    closed.push(performance.now() - abortedAt);
    await api.close();
    await rm(root, { recursive: true, force: true });
  }
  return { rejected, closed };
}

export async function benchAgent(): Promise<BenchRow[]> {
  const cached = await billedInputPerStory(true);
  const uncached = await billedInputPerStory(false);
  const aborts = await interruptToAbort(20);
  const tokens = (n: number): string => Math.round(n).toLocaleString('en-US');
  return [
    {
      benchmark: 'agent',
      metric: `billed input / story, no caching (${SCRIPT.length} calls)`,
      value: tokens(uncached.billed),
    },
    {
      benchmark: 'agent',
      metric: 'billed input / story, caching (uncached + 1.25 write + 0.1 read)',
      value: `${tokens(cached.billed)} (${tokens(cached.raw.input ?? 0)} + ${tokens(cached.raw.write ?? 0)} w + ${tokens(cached.raw.read ?? 0)} r)`,
    },
    {
      benchmark: 'agent',
      metric: 'caching ratio (target ≤ 0.35)',
      value: (cached.billed / uncached.billed).toFixed(3),
    },
    { benchmark: 'agent', metric: 'interrupt → call rejected median', value: ms(median(aborts.rejected)) },
    {
      benchmark: 'agent',
      metric: 'interrupt → call rejected p95 (target ≤ 1 s)',
      value: ms(percentile(aborts.rejected, 95)),
    },
    {
      benchmark: 'agent',
      metric: 'interrupt → connection closed p95',
      value: ms(percentile(aborts.closed, 95)),
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchAgent());
}
