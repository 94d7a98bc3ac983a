import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { EditRequest } from '../ports.ts';

/** Anthropic's text editor tool: the model knows its commands; the worker executes them. */
export const EDITOR_TOOL: Anthropic.ToolTextEditor20250728 = {
  type: 'text_editor_20250728',
  name: 'str_replace_based_edit_tool',
  max_characters: 64 * 1024,
};

const SEARCH_TOOL: Anthropic.Tool = {
  name: 'search_files',
  description:
    'Search the workspace with an extended regular expression (git grep: tracked and new files, ' +
    '.gitignore respected, binary files skipped). Answers `path:line:text`, at most 200 matches.',
  input_schema: {
    type: 'object',
    properties: {
      pattern: { type: 'string', description: 'Extended regular expression.' },
      path: { type: 'string', description: 'Only under this folder (relative).' },
      glob: { type: 'string', description: 'Only files matching this glob, e.g. `src/**/*.ts`.' },
      ignore_case: { type: 'boolean' },
    },
    required: ['pattern'],
  },
};

const GLOB_TOOL: Anthropic.Tool = {
  name: 'find_files',
  description:
    'List the workspace files matching a glob (`**/*.test.ts`, `src/*`); .gitignore respected, at most 1000.',
  input_schema: {
    type: 'object',
    properties: { pattern: { type: 'string' } },
    required: ['pattern'],
  },
};

const DELETE_TOOL: Anthropic.Tool = {
  name: 'delete_file',
  description: 'Delete a file of the workspace.',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

const RUN_CHECKS_TOOL: Anthropic.Tool = {
  name: 'run_checks',
  description:
    "Run the project's validation commands (tests, linters) in a sandbox on the workspace as it is now, " +
    'and get their output. The same checks decide whether the story is accepted.',
  input_schema: { type: 'object', properties: {} },
};

export const toolsFor = (withChecks: boolean): Anthropic.ToolUnion[] => [
  EDITOR_TOOL,
  SEARCH_TOOL,
  GLOB_TOOL,
  DELETE_TOOL,
  ...(withChecks ? [RUN_CHECKS_TOOL] : []),
];

const editorInput = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('view'),
    path: z.string(),
    view_range: z.tuple([z.number().int(), z.number().int()]).optional(),
  }),
  z.object({ command: z.literal('str_replace'), path: z.string(), old_str: z.string(), new_str: z.string() }),
  z.object({ command: z.literal('create'), path: z.string(), file_text: z.string() }),
  z.object({
    command: z.literal('insert'),
    path: z.string(),
    insert_line: z.number().int(),
    // `insert_text` in text_editor_20250728; `new_str` in the earlier versions.
    insert_text: z.string().optional(),
    new_str: z.string().optional(),
  }),
]);
const searchInput = z.object({
  pattern: z.string(),
  path: z.string().optional(),
  glob: z.string().optional(),
  ignore_case: z.boolean().optional(),
});
const pathInput = z.object({ path: z.string() });
const patternInput = z.object({ pattern: z.string() });

export interface ToolAnswer {
  content: string;
  isError: boolean;
}

/** Executes one tool call against the request's workspace; a refusal is an error answer, never a throw. */
export async function runTool(
  request: Pick<EditRequest, 'tools' | 'runChecks'>,
  name: string,
  input: unknown,
): Promise<ToolAnswer> {
  const { tools } = request;
  const ok = (content: string): ToolAnswer => ({ content, isError: false });
  const fail = (content: string): ToolAnswer => ({ content, isError: true });
  try {
    switch (name) {
      case EDITOR_TOOL.name: {
        const parsed = editorInput.safeParse(input);
        if (!parsed.success) return fail(`invalid input: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
        const call = parsed.data;
        switch (call.command) {
          case 'view':
            return ok(await tools.view(call.path, call.view_range));
          case 'str_replace':
            await tools.replaceText(call.path, call.old_str, call.new_str);
            return ok(`Edited ${call.path}.`);
          case 'create':
            await tools.createFile(call.path, call.file_text);
            return ok(`Created ${call.path}.`);
          case 'insert':
            await tools.insertText(call.path, call.insert_line, call.insert_text ?? call.new_str ?? '');
            return ok(`Inserted into ${call.path} after line ${call.insert_line}.`);
        }
        return fail('unknown command');
      }
      case SEARCH_TOOL.name: {
        const parsed = searchInput.safeParse(input);
        if (!parsed.success) return fail('invalid input: pattern is required');
        const { pattern, path, glob, ignore_case: ignoreCase } = parsed.data;
        return ok(
          await tools.search(pattern, {
            ...(path ? { path } : {}),
            ...(glob ? { glob } : {}),
            ...(ignoreCase ? { ignoreCase } : {}),
          }),
        );
      }
      case GLOB_TOOL.name: {
        const parsed = patternInput.safeParse(input);
        if (!parsed.success) return fail('invalid input: pattern is required');
        const files = await tools.glob(parsed.data.pattern);
        return ok(files.length > 0 ? files.join('\n') : 'No files match.');
      }
      case DELETE_TOOL.name: {
        const parsed = pathInput.safeParse(input);
        if (!parsed.success) return fail('invalid input: path is required');
        await tools.deleteFile(parsed.data.path);
        return ok(`Deleted ${parsed.data.path}.`);
      }
      case RUN_CHECKS_TOOL.name:
        if (!request.runChecks) return fail('no checks are configured for this project');
        return ok(await request.runChecks());
      default:
        return fail(`unknown tool ${name}`);
    }
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}
