import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OfflineModelProvider } from '../../../containers/story-processor/src/models/offline-provider.ts';
import { planFromText } from '../../../containers/story-processor/src/models/story-plan.ts';
import {
  JobPrompts,
  loadPromptTemplates,
  defaultPromptDir,
  PromptError,
} from '../../../containers/story-processor/src/pipeline/prompts.ts';
import { createWorkspaceTools } from '../../../containers/story-processor/src/workspace/file-tools.ts';
import { makeTempDir } from '../../helpers/temp-dirs.ts';

describe('offline plan', () => {
  it('plans from bullets with continuation lines, numbered lines, or paragraphs', () => {
    expect(planFromText('Intro line.\n\n- First thing\n  more detail\n- Second thing.\n\nThanks')).toEqual([
      { title: 'First thing', description: 'First thing\nmore detail' },
      { title: 'Second thing', description: 'Second thing.' },
    ]);
    expect(planFromText('1) Alpha\n2) Beta').map((s) => s.title)).toEqual(['Alpha', 'Beta']);
    expect(planFromText('Make a page. It has a form.\n\nAdd tests for it.').map((s) => s.title)).toEqual([
      'Make a page',
      'Add tests for it',
    ]);
    expect(planFromText('   ')).toEqual([{ title: 'Record the request', description: '(empty)' }]);
  });
});

describe('offline provider', () => {
  it('is deterministic: same instruction, same plan, same files', async () => {
    const provider = new OfflineModelProvider();
    const instruction = '- Add a greeting\n- Add a farewell';
    const signal = new AbortController().signal;
    const contents: string[][] = [];
    for (let run = 0; run < 2; run += 1) {
      const root = await makeTempDir('offline-');
      const tools = createWorkspaceTools(root);
      const { stories } = await provider.plan({ model: 'm', system: '', prompt: 'p', instruction, signal });
      for (const [storyIndex, story] of stories.entries()) {
        await provider.edit({
          purpose: 'generate',
          model: 'm',
          system: '',
          prompt: 'p',
          story,
          storyIndex,
          tools,
          signal,
        });
      }
      const files = await tools.listFiles();
      contents.push([
        ...files,
        ...(await Promise.all(files.map((f) => readFile(path.join(root, f), 'utf8')))),
      ]);
    }
    expect(contents[0]).toEqual(contents[1]);
    expect(contents[0]?.slice(0, 3)).toEqual([
      'STORIES.md',
      'stories/01-add-a-greeting.md',
      'stories/02-add-a-farewell.md',
    ]);
  });
});

describe('prompt templates', () => {
  it('substitute variables and refuse unknown ones and unknown template names', async () => {
    const defaults = await loadPromptTemplates(defaultPromptDir());
    const prompts = JobPrompts.create(defaults, { plan: 'Plan {{instruction}} given {{ files }}' });
    expect(prompts.render('plan', { instruction: 'X {{files}}', files: 'a.ts', repoMap: '' })).toBe(
      'Plan X {{files}} given a.ts',
    );
    expect(() => JobPrompts.create(defaults, { fix: 'Fix {{validationErrors}} {{whatever}}' })).toThrow(
      PromptError,
    );
    expect(() => JobPrompts.create(defaults, { summary: 'x' })).toThrow(/not a template/);
  });
});
