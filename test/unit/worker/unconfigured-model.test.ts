import { describe, expect, it } from 'vitest';
import { configuredModelKey, MODEL_KEY_PLACEHOLDER } from '#contracts/model-key.ts';
import { UnconfiguredModelProvider } from '../../../containers/story-processor/src/models/unconfigured-provider.ts';
import { createHarness, makeJob, THREE_STORIES } from './fakes.ts';

describe('a worker that requires a model key it does not have', () => {
  it('fails the job with a reason naming the secret, tells the sender, and keeps running', async () => {
    const h = await createHarness({ model: new UnconfiguredModelProvider('intake/prod/anthropic-api-key') });
    const job = makeJob();
    const result = await h.run(job, THREE_STORIES);

    expect(result.kind).toBe('failed');
    const [call] = h.callbacks.calls;
    expect(call).toMatchObject({ kind: 'fail', error: 'Job.Failed' });
    expect(call?.cause).toContain('No Anthropic API key is configured');
    expect(call?.cause).toContain('--secret-id intake/prod/anthropic-api-key');
    expect(h.mailer.sent).toHaveLength(1);
    expect(h.mailer.sent[0]?.raw).toContain('No Anthropic API key is configured');
    // The next job is taken and answered the same way: the worker did not stop.
    expect((await h.run(makeJob(), THREE_STORIES)).kind).toBe('failed');
  });

  it('treats the placeholder the stack stores as no key', () => {
    expect(configuredModelKey(MODEL_KEY_PLACEHOLDER)).toBeUndefined();
    expect(configuredModelKey('')).toBeUndefined();
    expect(configuredModelKey(undefined)).toBeUndefined();
    expect(configuredModelKey('sk-ant-test')).toBe('sk-ant-test');
  });
});
