import { sleep } from '../clock.ts';
import type {
  EditRequest,
  ModelProvider,
  ModelUsage,
  PlannedStory,
  PlanRequest,
  WorkspaceTools,
} from '../ports.ts';
import { planFromText } from './story-plan.ts';
import { offlineCallUsage } from './usage.ts';

/** A line the offline provider writes to make validation fail (see OFFLINE_VALIDATION_COMMAND). */
export const OFFLINE_FAILURE_MARKER = 'INTAKE-OFFLINE-FAILURE';
/** A validation command that fails while any workspace file holds the failure marker. */
export const OFFLINE_VALIDATION_COMMAND = `! grep -rn --exclude-dir=.git ${OFFLINE_FAILURE_MARKER} .`;

/**
 * Directives a story's text may carry for the offline provider (ignored by real models):
 * `[offline:fail-once]` — generate leaves the failure marker, the first fix removes it;
 * `[offline:fail-always]` — no fix removes it; `[offline:slow=<ms>]` — each edit takes that long.
 */
const directive = (story: PlannedStory, name: string): boolean =>
  story.description.includes(`[offline:${name}]`);
const slowMs = (story: PlannedStory): number =>
  Number.parseInt(/\[offline:slow=(\d+)\]/.exec(story.description)?.[1] ?? '0', 10);

const tokens = (text: string): number => Math.ceil(text.length / 4);
/** Estimated tokens (a token budget still counts them) and no cost: nothing is billed offline. */
const usageOf = (prompt: string, output: string): ModelUsage =>
  offlineCallUsage({ input: tokens(prompt), output: tokens(output) });
const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const slugOf = (title: string): string =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '') || 'story';

export const storyFilePath = (storyIndex: number, story: PlannedStory): string =>
  `stories/${String(storyIndex + 1).padStart(2, '0')}-${slugOf(story.title)}.md`;

/**
 * A deterministic stand-in for a model, used when no API key is configured. It plans one story per
 * bullet, numbered line or paragraph, and for each story writes `stories/NN-<slug>.md` (the story and
 * its acceptance notes) and a line in `STORIES.md`, through the same sandboxed tools a model gets.
 */
export class OfflineModelProvider implements ModelProvider {
  readonly name = 'offline';

  async plan(request: PlanRequest): Promise<{ stories: PlannedStory[]; usage: ModelUsage }> {
    request.signal.throwIfAborted();
    const stories = planFromText(request.instruction);
    const usage = usageOf(request.prompt, JSON.stringify(stories));
    request.onUsage?.(usage);
    return { stories, usage };
  }

  async edit(request: EditRequest): Promise<{ summary: string; usage: ModelUsage }> {
    const delay = slowMs(request.story);
    if (delay > 0) await sleep(delay, request.signal);
    request.signal.throwIfAborted();
    const file = storyFilePath(request.storyIndex, request.story);
    const summary =
      request.purpose === 'generate'
        ? await this.generate(request.tools, file, request)
        : await this.fix(request.tools, file, request);
    const usage = usageOf(request.prompt, summary);
    request.onUsage?.(usage);
    return { summary, usage };
  }

  private async generate(tools: WorkspaceTools, file: string, request: EditRequest): Promise<string> {
    const { story, storyIndex } = request;
    const failing = directive(story, 'fail-once') || directive(story, 'fail-always');
    const lines = [
      `# Story ${storyIndex + 1}: ${story.title}`,
      '',
      story.description,
      '',
      '## Acceptance',
      '',
      `- [x] ${story.title}`,
      '',
      'Written by the offline model provider (deterministic, no network).',
    ];
    if (failing) lines.push('', `${OFFLINE_FAILURE_MARKER}: left on purpose so that validation fails.`);
    const text = `${lines.join('\n')}\n`;
    // A rerun of the story (after an interrupt) edits the file it left rather than recreating it.
    const existing = await tools.readFile(file).catch(() => undefined);
    if (existing === undefined) await tools.createFile(file, text);
    else if (existing !== text) await tools.replaceText(file, existing, text);

    const entry = `- ${storyIndex + 1}. [${story.title}](${file})`;
    const index = await tools.view('STORIES.md').catch(() => undefined);
    if (index === undefined) {
      await tools.createFile('STORIES.md', `# Stories\n\n${entry}\n`);
    } else {
      const listed = await tools.search(`^${escapeRegex(entry)}$`, { path: 'STORIES.md' });
      const lineCount = index.split('\n').length;
      if (listed === 'No matches.') await tools.insertText('STORIES.md', lineCount, entry);
    }
    return `Wrote ${file} and listed it in STORIES.md.`;
  }

  private async fix(tools: WorkspaceTools, file: string, request: EditRequest): Promise<string> {
    if (directive(request.story, 'fail-always')) {
      await tools.insertText(
        file,
        (await tools.view(file)).split('\n').length,
        'A fix was attempted; the failure remains.',
      );
      return `Could not fix ${file}.`;
    }
    // Like a model would: find the failure, look at it, replace exactly that line.
    const found = await tools.search(OFFLINE_FAILURE_MARKER);
    const fixed: string[] = [];
    for (const match of found === 'No matches.' ? [] : found.split('\n')) {
      const [, path, line] = /^(.+?):(\d+):/.exec(match) ?? [];
      if (!path || !line) continue;
      const shown = await tools.view(path, [Number(line), Number(line)]);
      const text = shown.slice(shown.indexOf('\t') + 1);
      await tools.replaceText(path, `${text}\n`, '');
      fixed.push(`${path}:${line}`);
    }
    return fixed.length > 0 ? `Removed the failure marker at ${fixed.join(', ')}.` : 'Nothing to fix.';
  }
}
