import type { ModelUsage } from '../ports.ts';
import { priceOf } from './pricing.ts';

export const emptyUsage = (): ModelUsage => ({
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
});

export const addUsage = (a: ModelUsage, b: ModelUsage): ModelUsage => ({
  ...offlineCallsOf((a.offlineCalls ?? 0) + (b.offlineCalls ?? 0)),
  calls: a.calls + b.calls,
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  // Whole micro-dollars, so that sums across stories add up exactly.
  costUsd: Math.round((a.costUsd + b.costUsd) * 1e6) / 1e6,
});

const offlineCallsOf = (offlineCalls: number): Pick<ModelUsage, 'offlineCalls'> =>
  offlineCalls > 0 ? { offlineCalls } : {};

/** One call of the offline model: its token estimates, no cost (nothing is billed). */
export const offlineCallUsage = (tokens: { input: number; output: number }): ModelUsage => ({
  calls: 1,
  inputTokens: tokens.input,
  outputTokens: tokens.output,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
  offlineCalls: 1,
});

/** One model call's usage, priced for `model`. */
export function callUsage(
  model: string,
  tokens: { input: number; output: number; cacheRead?: number; cacheWrite?: number },
): ModelUsage {
  const price = priceOf(model);
  const cacheRead = tokens.cacheRead ?? 0;
  const cacheWrite = tokens.cacheWrite ?? 0;
  const dollars =
    (tokens.input * price.input +
      tokens.output * price.output +
      cacheRead * price.cacheRead +
      cacheWrite * price.cacheWrite) /
    1e6;
  return {
    calls: 1,
    inputTokens: tokens.input,
    outputTokens: tokens.output,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    costUsd: Math.round(dollars * 1e6) / 1e6,
  };
}

/** Every token the job consumed, as a budget in tokens counts them. */
export const totalTokens = (usage: ModelUsage): number =>
  usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;

export const formatCost = (usd: number): string => `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
