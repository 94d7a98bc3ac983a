import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Messages API on loopback: each POST /v1/messages is answered by the next
 * scripted handler, as Server-Sent Events when the request asks to stream (as the SDK's stream does).
 */
export type Handler = (
  body: MessagesRequest,
  res: ServerResponse,
  req: IncomingMessage,
) => void | Promise<void>;

export interface MessagesRequest {
  model: string;
  stream?: boolean;
  system?: Array<{ type: string; text: string; cache_control?: unknown }>;
  tools: Array<{ name: string; type?: string; cache_control?: unknown }>;
  tool_choice?: unknown;
  messages: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
}

export interface FakeMessagesApi {
  url: string;
  requests: MessagesRequest[];
  /** Resolves when the connection of request `n` (0-based) closes. */
  closed(n: number): Promise<void>;
  close(): Promise<void>;
}

export interface ScriptedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export async function fakeMessagesApi(handlers: Handler[]): Promise<FakeMessagesApi> {
  const requests: MessagesRequest[] = [];
  const closings: Array<Promise<void>> = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as MessagesRequest;
      const index = requests.length;
      requests.push(body);
      closings[index] = new Promise((resolve) => res.on('close', () => resolve()));
      const handler = handlers[index];
      if (!req.url?.startsWith('/v1/messages') || !handler) {
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"type":"error","error":{"type":"api_error","message":"unscripted"}}');
        return;
      }
      void handler(body, res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    closed: async (n) => {
      while (!closings[n]) await new Promise((resolve) => setTimeout(resolve, 5));
      return closings[n];
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sse = (res: ServerResponse, event: string, data: unknown): void => {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
};

export function startStream(res: ServerResponse, usage: ScriptedUsage): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id: 'msg_test',
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
}

export function streamBlock(res: ServerResponse, index: number, block: Block): void {
  if (block.type === 'text') {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'text', text: '' },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'text_delta', text: block.text },
    });
  } else {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
    });
  }
  sse(res, 'content_block_stop', { type: 'content_block_stop', index });
}

export function endStream(
  res: ServerResponse,
  stopReason: 'tool_use' | 'end_turn',
  usage: ScriptedUsage,
): void {
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

export const DEFAULT_USAGE: ScriptedUsage = { input_tokens: 100, output_tokens: 20 };

/** A whole streamed answer: the blocks, then the stop reason. */
export const answer =
  (blocks: Block[], usage: ScriptedUsage = DEFAULT_USAGE): Handler =>
  (_body, res) => {
    startStream(res, usage);
    blocks.forEach((block, index) => streamBlock(res, index, block));
    const stop = blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn';
    endStream(res, stop, usage);
  };

export const failWith =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_body, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

export const tool = (id: string, name: string, input: Record<string, unknown>): Block => ({
  type: 'tool_use',
  id,
  name,
  input,
});
export const text = (value: string): Block => ({ type: 'text', text: value });

/** The tool results the worker sent back in request `n`'s last turn. */
export const toolResults = (
  request: MessagesRequest | undefined,
): Array<{ tool_use_id: string; is_error: boolean; content: string }> => {
  const last = request?.messages[request.messages.length - 1];
  return (Array.isArray(last?.content) ? last.content : []) as Array<{
    tool_use_id: string;
    is_error: boolean;
    content: string;
  }>;
};
