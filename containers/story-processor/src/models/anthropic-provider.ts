import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type {
  EditRequest,
  ModelProvider,
  ModelUsage,
  PlannedStory,
  PlanRequest,
  WorkspaceTools,
} from '../ports.ts';
import { MAX_STORIES } from './story-plan.ts';

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
}

const FILE_TOOLS: Anthropic.Tool[] = [
  {
    name: 'read_file',
    description: 'Read a UTF-8 text file of the workspace. Paths are relative to the workspace root.',
    input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
  {
    name: 'write_file',
    description: 'Create or replace a file of the workspace with the given content.',
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
    },
  },
  {
    name: 'list_files',
    description: 'List the files under a folder of the workspace (default: the whole workspace).',
    input_schema: { type: 'object', properties: { path: { type: 'string' } } },
  },
  {
    name: 'delete_file',
    description: 'Delete a file of the workspace.',
    input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
];

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

const toolInput = z.object({ path: z.string().optional(), content: z.string().optional() });

const addUsage = (total: ModelUsage, usage: Anthropic.Usage): ModelUsage => ({
  calls: total.calls + 1,
  inputTokens: total.inputTokens + usage.input_tokens,
  outputTokens: total.outputTokens + usage.output_tokens,
});

/** The Messages API with client-side file tools, run against the job's sandboxed workspace. */
export class AnthropicModelProvider implements ModelProvider {
  readonly name = 'anthropic';
  private readonly client: Anthropic;
  private readonly timeoutMs: number;
  private readonly maxTokens: number;
  private readonly maxTurns: number;

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
  }

  async plan(request: PlanRequest): Promise<{ stories: PlannedStory[]; usage: ModelUsage }> {
    const message = await this.client.messages.create(
      {
        model: request.model,
        max_tokens: this.maxTokens,
        system: request.system,
        messages: [{ role: 'user', content: request.prompt }],
        tools: [PLAN_TOOL],
        tool_choice: { type: 'tool', name: PLAN_TOOL.name },
      },
      { signal: request.signal, timeout: this.timeoutMs },
    );
    const usage = addUsage({ calls: 0, inputTokens: 0, outputTokens: 0 }, message.usage);
    const call = message.content.find(
      (block): block is Anthropic.ToolUseBlock => block.type === 'tool_use' && block.name === PLAN_TOOL.name,
    );
    const parsed = planSchema.safeParse(call?.input);
    if (!parsed.success) throw new Error(`the model returned no usable plan: ${parsed.error.message}`);
    return { stories: parsed.data.stories, usage };
  }

  async edit(request: EditRequest): Promise<{ summary: string; usage: ModelUsage }> {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: request.prompt }];
    let usage: ModelUsage = { calls: 0, inputTokens: 0, outputTokens: 0 };
    for (let turn = 0; turn < this.maxTurns; turn += 1) {
      const message = await this.client.messages.create(
        {
          model: request.model,
          max_tokens: this.maxTokens,
          system: request.system,
          messages,
          tools: FILE_TOOLS,
        },
        { signal: request.signal, timeout: this.timeoutMs },
      );
      usage = addUsage(usage, message.usage);
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
        results.push(await runTool(request.tools, call));
      }
      messages.push({ role: 'user', content: results });
    }
    throw new Error(`the model did not finish within ${this.maxTurns} tool turns`);
  }
}

async function runTool(
  tools: WorkspaceTools,
  call: Anthropic.ToolUseBlock,
): Promise<Anthropic.ToolResultBlockParam> {
  const answer = (content: string, isError = false): Anthropic.ToolResultBlockParam => ({
    type: 'tool_result',
    tool_use_id: call.id,
    content,
    is_error: isError,
  });
  const input = toolInput.safeParse(call.input);
  if (!input.success) return answer('invalid tool input', true);
  const { path, content } = input.data;
  try {
    switch (call.name) {
      case 'read_file':
        return answer(await tools.readFile(path ?? ''));
      case 'write_file':
        await tools.writeFile(path ?? '', content ?? '');
        return answer(`wrote ${path ?? ''}`);
      case 'list_files':
        return answer((await tools.listFiles(path)).join('\n') || '(no files)');
      case 'delete_file':
        await tools.deleteFile(path ?? '');
        return answer(`deleted ${path ?? ''}`);
      default:
        return answer(`unknown tool ${call.name}`, true);
    }
  } catch (error) {
    return answer(error instanceof Error ? error.message : String(error), true);
  }
}
