import type { JobSummary } from '#contracts/messages';
import { formatCost } from '../models/usage.ts';

const count = (n: number): string => n.toLocaleString('en-US');

/** The model usage paragraph of a reply: tokens (cached apart), the estimate per story and in total. */
export function usageLines(summary: Pick<JobSummary, 'usage' | 'stories'>): string[] {
  const { usage } = summary;
  if (!usage) return [];
  const perStory = summary.stories
    .filter((story) => story.costUsd !== undefined)
    .map((story) => `story ${story.index + 1} ${formatCost(story.costUsd ?? 0)}`);
  return [
    `Model usage: ${count(usage.calls)} calls, ${count(usage.inputTokens)} input tokens ` +
      `(+ ${count(usage.cacheReadTokens)} read from and ${count(usage.cacheWriteTokens)} written to the prompt cache), ` +
      `${count(usage.outputTokens)} output tokens.`,
    `Estimated cost: ${formatCost(usage.costUsd)}${perStory.length > 0 ? ` (${perStory.join(', ')}; the rest is planning)` : ''}.`,
    '',
  ];
}
