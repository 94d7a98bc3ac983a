import type { JobSummary } from '#contracts/messages.ts';
import { formatCost } from '../models/usage.ts';

const count = (n: number): string => n.toLocaleString('en-US');

/** The model usage paragraph of a reply: tokens (cached apart), the estimate per story and in total. */
export function usageLines(summary: Pick<JobSummary, 'usage' | 'stories'>): string[] {
  const { usage } = summary;
  if (!usage) return [];
  const perStory = summary.stories
    .filter((story) => story.costUsd !== undefined)
    .map((story) => `story ${story.index + 1} ${formatCost(story.costUsd ?? 0)}`);
  const offline = usage.offlineCalls ?? 0;
  if (offline > 0 && offline === usage.calls)
    return [
      `Model usage: the offline model (no API key configured) answered all ${count(usage.calls)} calls; ` +
        `nothing was billed (cost $0; about ${count(usage.inputTokens + usage.outputTokens)} tokens by its own estimate).`,
      '',
    ];
  const offlineNote = offline > 0 ? ` (${count(offline)} of them by the offline model, not billed)` : '';
  return [
    `Model usage: ${count(usage.calls)} calls${offlineNote}, ${count(usage.inputTokens)} input tokens ` +
      `(+ ${count(usage.cacheReadTokens)} read from and ${count(usage.cacheWriteTokens)} written to the prompt cache), ` +
      `${count(usage.outputTokens)} output tokens.`,
    `Estimated cost: ${formatCost(usage.costUsd)}${perStory.length > 0 ? ` (${perStory.join(', ')}; the rest is planning)` : ''}.`,
    '',
  ];
}
