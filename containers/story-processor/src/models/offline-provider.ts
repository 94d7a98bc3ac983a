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
const usageOf = (prompt: string, output: string): ModelUsage => ({
  calls: 1,
  inputTokens: tokens(prompt),
  outputTokens: tokens(output),
});

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
    return { stories, usage: usageOf(request.prompt, JSON.stringify(stories)) };
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
    return { summary, usage: usageOf(request.prompt, summary) };
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
    await tools.writeFile(file, `${lines.join('\n')}\n`);

    const index = await tools.readFile('STORIES.md').catch(() => '# Stories\n\n');
    const entry = `- ${storyIndex + 1}. [${story.title}](${file})`;
    if (!index.split('\n').includes(entry))
      await tools.writeFile('STORIES.md', `${index.trimEnd()}\n${entry}\n`);
    return `Wrote ${file} and listed it in STORIES.md.`;
  }

  private async fix(tools: WorkspaceTools, file: string, request: EditRequest): Promise<string> {
    const content = await tools.readFile(file);
    if (directive(request.story, 'fail-always')) {
      await tools.writeFile(file, `${content.trimEnd()}\n\nA fix was attempted; the failure remains.\n`);
      return `Could not fix ${file}.`;
    }
    const fixed = content
      .split('\n')
      .filter((line) => !line.includes(OFFLINE_FAILURE_MARKER))
      .join('\n');
    await tools.writeFile(file, fixed);
    return `Removed the failure marker from ${file}.`;
  }
}
