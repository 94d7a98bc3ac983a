import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { EditRequest, ModelProvider, ModelUsage, PlannedStory, PlanRequest } from '../ports.ts';
import { MAX_STORIES } from './story-plan.ts';
import { runTool, toolsFor } from './workspace-tool-calls.ts';
import { addUsage, callUsage, emptyUsage } from './usage.ts';

export interface AnthropicProviderOptions {
  apiKey: string;
  /** For tests and proxies; the SDK default otherwise. */
  baseURL?: string;
  /** SDK retries with exponential backoff on 408/409/429/5xx and connection errors. Default 4. */
  maxRetries?: number;
  /** Time limit per Messages API call. Default 10 minutes. */
  timeoutMs?: number;
  maxTokens?: number;
  /** Tool-use round trips per edit before giving up. Default 40. */
  maxTurns?: number;
  /** Prompt caching on the tools, the system prompt and the growing conversation. Default true. */
  promptCaching?: boolean;
  /** How often a streaming call reports progress at most. Default 2000 ms. */
  progressIntervalMs?: number;
}

const PLAN_TOOL: Anthropic.Tool = {
  name: 'submit_plan',
  description: 'Submit the ordered list of stories.',
  input_schema: {
    type: 'object',
    properties: {
      stories: {
        type: 'array',
        items: {
          type: 'object',
          properties: { title: { type: 'string' }, description: { type: 'string' } },
          required: ['title', 'description'],
        },
      },
    },
    required: ['stories'],
  },
};

const planSchema = z.object({
  stories: z
    .array(z.object({ title: z.string().min(1).max(200), description: z.string().max(20_000) }))
    .min(1)
    .max(MAX_STORIES),
});

const CACHED = { type: 'ephemeral' } as const;

/**
 * The Messages API, streamed, with the tools models are trained for (the text editor tool, search,
 * glob, run_checks) executed against the job's sandboxed workspace. Prompt caching marks the tools, the
 * system prompt and the last turn, so each turn re-reads the conversation from the cache.
 */
export class AnthropicModelProvider implements ModelProvider {
  readonly name = 'anthropic';
  private readonly client: Anthropic;
  private readonly timeoutMs: number;
  private readonly maxTokens: number;
  private readonly maxTurns: number;
  private readonly caching: boolean;
  private readonly progressIntervalMs: number;

  constructor(options: AnthropicProviderOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? null,
      maxRetries: options.maxRetries ?? 4,
      timeout: options.timeoutMs ?? 600_000,
    });
    this.timeoutMs = options.timeoutMs ?? 600_000;
    this.maxTokens = options.maxTokens ?? 8192;
    this.maxTurns = options.maxTurns ?? 40;
    this.caching = options.promptCaching ?? true;
    this.progressIntervalMs = options.progressIntervalMs ?? 2000;
  }

  async plan(request: PlanRequest): Promise<{ stories: PlannedStory[]; usage: ModelUsage }> {
    const message = await this.call(
      {
        model: request.model,
        max_tokens: this.maxTokens,
        system: this.system(request.system),
        messages: this.withCacheMark([{ role: 'user', content: request.prompt }]),
        tools: [PLAN_TOOL],
        tool_choice: { type: 'tool', name: PLAN_TOOL.name },
      },
      request.signal,
    );
    const usage = usageOf(request.model, message.usage);
    request.onUsage?.(usage);
    const call = message.content.find(
      (block): block is Anthropic.ToolUseBlock => block.type === 'tool_use' && block.name === PLAN_TOOL.name,
    );
    const parsed = planSchema.safeParse(call?.input);
    if (!parsed.success) throw new Error(`the model returned no usable plan: ${parsed.error.message}`);
    return { stories: parsed.data.stories, usage };
  }

  async edit(request: EditRequest): Promise<{ summary: string; usage: ModelUsage }> {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: request.prompt }];
    const tools = this.cacheLast(toolsFor(Boolean(request.runChecks)));
    let usage = emptyUsage();
    for (let turn = 0; turn < this.maxTurns; turn += 1) {
      const message = await this.call(
        {
          model: request.model,
          max_tokens: this.maxTokens,
          system: this.system(request.system),
          messages: this.withCacheMark(messages),
          tools,
        },
        request.signal,
        (streamedChars) => request.onProgress?.({ calls: usage.calls + 1, streamedChars }),
      );
      const turnUsage = usageOf(request.model, message.usage);
      usage = addUsage(usage, turnUsage);
      request.onUsage?.(turnUsage);
      const calls = message.content.filter(
        (block): block is Anthropic.ToolUseBlock => block.type === 'tool_use',
      );
      if (message.stop_reason !== 'tool_use' || calls.length === 0) {
        const text = message.content
          .filter((block): block is Anthropic.TextBlock => block.type === 'text')
          .map((block) => block.text)
          .join('\n')
          .trim();
        return { summary: text || '(no summary)', usage };
      }
      messages.push({ role: 'assistant', content: message.content });
      const results: Anthropic.ToolResultBlockParam[] = [];
      for (const call of calls) {
        request.signal.throwIfAborted();
        const answer = await runTool(request, call.name, call.input);
        results.push({
          type: 'tool_result',
          tool_use_id: call.id,
          content: answer.content,
          is_error: answer.isError,
        });
      }
      messages.push({ role: 'user', content: results });
    }
    throw new Error(`the model did not finish within ${this.maxTurns} tool turns`);
  }

  /** One streamed Messages call; an abort of `signal` cancels the HTTP stream at once. */
  private async call(
    params: Anthropic.MessageStreamParams,
    signal: AbortSignal,
    onProgress?: (streamedChars: number) => void,
  ): Promise<Anthropic.Message> {
    const stream = this.client.messages.stream(params, { signal, timeout: this.timeoutMs });
    let streamed = 0;
    let reportedAt = 0;
    stream.on('streamEvent', (event) => {
      if (event.type !== 'content_block_delta') return;
      const { delta } = event;
      streamed +=
        delta.type === 'text_delta'
          ? delta.text.length
          : delta.type === 'input_json_delta'
            ? delta.partial_json.length
            : 0;
      const now = Date.now();
      if (onProgress && now - reportedAt >= this.progressIntervalMs) {
        reportedAt = now;
        onProgress(streamed);
      }
    });
    return stream.finalMessage();
  }

  private system(text: string): Anthropic.TextBlockParam[] {
    return [{ type: 'text', text, ...(this.caching ? { cache_control: CACHED } : {}) }];
  }

  private cacheLast(tools: Anthropic.ToolUnion[]): Anthropic.ToolUnion[] {
    if (!this.caching || tools.length === 0) return tools;
    const last = tools[tools.length - 1] as Anthropic.ToolUnion;
    return [...tools.slice(0, -1), { ...last, cache_control: CACHED }];
  }

  /**
   * The conversation with one cache breakpoint on the last block of the last turn: the next call reads
   * everything up to it from the cache (at most four breakpoints: tools, system, this one).
   */
  private withCacheMark(messages: Anthropic.MessageParam[]): Anthropic.MessageParam[] {
    if (!this.caching) return messages;
    const last = messages[messages.length - 1];
    if (!last || last.role !== 'user') return messages;
    const blocks: Anthropic.ContentBlockParam[] =
      typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...last.content];
    const final = blocks[blocks.length - 1];
    if (final && final.type !== 'thinking' && final.type !== 'redacted_thinking')
      blocks[blocks.length - 1] = { ...final, cache_control: CACHED };
    return [...messages.slice(0, -1), { role: 'user', content: blocks }];
  }
}

const usageOf = (model: string, usage: Anthropic.Usage): ModelUsage =>
  callUsage(model, {
    input: usage.input_tokens,
    output: usage.output_tokens,
    cacheRead: usage.cache_read_input_tokens ?? 0,
    cacheWrite: usage.cache_creation_input_tokens ?? 0,
  });
