import { afterEach, describe, expect, it } from 'vitest';
import { jobSummarySchema } from '#contracts/messages.ts';
import { AnthropicModelProvider } from '../../../containers/story-processor/src/models/anthropic-provider.ts';
import { addUsage, emptyUsage } from '../../../containers/story-processor/src/models/usage.ts';
import {
  OFFLINE_FAILURE_MARKER,
  OFFLINE_VALIDATION_COMMAND,
} from '../../../containers/story-processor/src/models/offline-provider.ts';
import { branchLog, createHarness, makeJob, THREE_STORIES } from './fakes.ts';
import { answer, fakeMessagesApi, text, tool, type FakeMessagesApi } from './messages-api-server.ts';

let api: FakeMessagesApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('model cost and budget of a job', () => {
  it('adds up per story and for the job, is recorded, and is shown in the reply', async () => {
    // Plan: two stories. Story 1: one edit, done. Story 2: an edit that fails the check, then a fix.
    api = await fakeMessagesApi([
      answer(
        [
          tool('p', 'submit_plan', {
            stories: [
              { title: 'First', description: 'Add one.txt' },
              { title: 'Second', description: 'Add two.txt' },
            ],
          }),
        ],
        { input_tokens: 1000, output_tokens: 100 },
      ),
      answer(
        [tool('a', 'str_replace_based_edit_tool', { command: 'create', path: 'one.txt', file_text: '1\n' })],
        {
          input_tokens: 2000,
          output_tokens: 100,
          cache_creation_input_tokens: 1500,
        },
      ),
      answer([text('Added one.txt.')], {
        input_tokens: 300,
        output_tokens: 50,
        cache_read_input_tokens: 3500,
      }),
      answer(
        [
          tool('b', 'str_replace_based_edit_tool', {
            command: 'create',
            path: 'two.txt',
            file_text: `${OFFLINE_FAILURE_MARKER}\n`,
          }),
        ],
        { input_tokens: 400, output_tokens: 80 },
      ),
      answer([text('Added two.txt.')], { input_tokens: 300, output_tokens: 40 }),
      answer(
        [
          tool('c', 'str_replace_based_edit_tool', {
            command: 'str_replace',
            path: 'two.txt',
            old_str: OFFLINE_FAILURE_MARKER,
            new_str: '2',
          }),
        ],
        { input_tokens: 500, output_tokens: 60 },
      ),
      answer([text('Fixed two.txt.')], { input_tokens: 300, output_tokens: 30 }),
    ]);
    const h = await createHarness({
      model: new AnthropicModelProvider({ apiKey: 'test-key', baseURL: api.url, maxRetries: 0 }),
    });
    const job = makeJob({
      settings: {
        model: 'claude-sonnet-5-5',
        validationCommands: [{ name: 'check', command: OFFLINE_VALIDATION_COMMAND, timeoutSeconds: 10 }],
      },
    });
    const result = await h.run(job, 'Two things, please.');
    expect(result.kind).toBe('succeeded');
    expect(api.requests).toHaveLength(7);

    const progress = h.records.get(job.projectId, job.jobId)?.progress;
    const stories = progress?.stories ?? [];
    expect(stories.map((story) => story.usage.calls)).toEqual([2, 4]);
    // Sonnet: $3 / $15 per million tokens, cache writes 1.25×, reads 0.1× the input price.
    expect(stories[0]?.usage.costUsd).toBe(0.015825); // (2300×3 + 150×15 + 1500×3.75 + 3500×0.3) / 1e6
    expect(stories[1]?.usage.costUsd).toBe(0.00765); // (1500×3 + 210×15) / 1e6
    const storyTotal = stories.reduce((sum, story) => addUsage(sum, story.usage), emptyUsage());
    // The job's figures are the stories' plus the one planning call ($0.0045).
    expect(progress?.modelUsage.calls).toBe(storyTotal.calls + 1);
    expect(progress?.modelUsage.costUsd).toBe(0.027975);
    expect(progress?.modelUsage).not.toHaveProperty('offlineCalls');

    const summary = jobSummarySchema.parse(JSON.parse(h.callbacks.calls[0]?.output ?? ''));
    expect(summary.usage).toEqual(progress?.modelUsage);
    expect(summary.stories.map((s) => s.costUsd)).toEqual([0.015825, 0.00765]);
    const reply = h.mailer.sent.at(-1)?.raw ?? '';
    expect(reply).toContain(`Estimated cost: $${(0.027975).toFixed(4)}`);
    expect(reply).toContain(`story 2 $${(0.00765).toFixed(4)}`);
    expect(reply).toMatch(
      /Model usage: 7 calls, 4,800 input tokens \(\+ 3,500 read from and 1,500 written to the prompt cache\), 460 output tokens/,
    );
  });

  it('labels a run of the offline model as costing nothing, with its token estimates', async () => {
    const h = await createHarness();
    const job = makeJob({
      settings: {
        model: 'claude-sonnet-5-5',
        budget: { maxDollars: 0.000001 },
        validationCommands: [{ name: 'check', command: OFFLINE_VALIDATION_COMMAND, timeoutSeconds: 10 }],
      },
    });
    const result = await h.run(
      job,
      THREE_STORIES.replace('2. Add a farewell module', '2. Add a farewell module [offline:fail-once]'),
    );
    // A dollar budget is never reached by calls that cost nothing.
    expect(result.kind).toBe('succeeded');
    const progress = h.records.get(job.projectId, job.jobId)?.progress;
    expect(progress?.stories.map((story) => story.usage.calls)).toEqual([1, 2, 1]);
    expect(progress?.modelUsage).toMatchObject({ calls: 5, offlineCalls: 5, costUsd: 0 });
    expect(progress?.modelUsage.inputTokens).toBeGreaterThan(0);
    const reply = h.mailer.sent.at(-1)?.raw ?? '';
    expect(reply).toMatch(
      /the offline model \(no API key configured\) answered all 5 calls; nothing was billed \(cost \$0;/,
    );
    expect(reply).not.toContain('Estimated cost');
  });

  it('stops the job with Budget.Exceeded in the middle of a story, keeping what was committed', async () => {
    // Plan: two stories. Story 1: one edit and done. Story 2: the first turn goes past the budget.
    api = await fakeMessagesApi([
      answer(
        [
          tool('p', 'submit_plan', {
            stories: [
              { title: 'First', description: 'Add one.txt' },
              { title: 'Second', description: 'Add two.txt' },
            ],
          }),
        ],
        { input_tokens: 1000, output_tokens: 100 },
      ),
      answer(
        [tool('a', 'str_replace_based_edit_tool', { command: 'create', path: 'one.txt', file_text: '1\n' })],
        {
          input_tokens: 2000,
          output_tokens: 100,
        },
      ),
      answer([text('Added one.txt.')], { input_tokens: 2000, output_tokens: 50 }),
      answer([tool('b', 'find_files', { pattern: '*' })], { input_tokens: 5000, output_tokens: 100 }),
      answer([text('never asked for')]),
    ]);
    const h = await createHarness({
      model: new AnthropicModelProvider({ apiKey: 'test-key', baseURL: api.url, maxRetries: 0 }),
    });
    const job = makeJob({ settings: { model: 'claude-sonnet-5-5', budget: { maxTokens: 8000 } } });
    const result = await h.run(job, 'Two things, please.');

    expect(result.kind).toBe('failed');
    expect(api.requests).toHaveLength(4);
    const [call] = h.callbacks.calls;
    expect(call?.kind).toBe('fail');
    expect(call?.error).toBe('Job.Failed');
    expect(call?.cause).toMatch(/^Budget\.Exceeded: the job used 10,350 tokens of its budget of 8,000/);
    expect(h.mailer.sent.at(-1)?.raw).toContain('Budget.Exceeded');
    expect((await branchLog(h, job)).map((c) => c.subject)).toEqual(['Story 1/2: First']);
    const progress = h.records.get(job.projectId, job.jobId)?.progress;
    expect(progress?.modelUsage.calls).toBe(4);
    expect(progress?.stories[1]?.usage.calls).toBe(1);
    expect(progress?.checkpoint.position).toEqual({ storyIndex: 1, step: 'generate' });
  });
});
