import type { Budget } from '#contracts/messages.ts';
import type { ModelUsage } from '../ports.ts';
import { formatCost, totalTokens } from '../models/usage.ts';

/** The job reached its budget; the pipeline fails it with `Budget.Exceeded` in the cause. */
export class BudgetExceeded extends Error {
  override name = 'BudgetExceeded';
}

export const BUDGET_REASON = 'Budget.Exceeded';

/** Throws BudgetExceeded once `used` reaches either limit of the project's budget. */
export function checkBudget(budget: Budget | undefined, used: ModelUsage): void {
  if (!budget) return;
  const tokens = totalTokens(used);
  if (budget.maxTokens !== undefined && tokens >= budget.maxTokens)
    throw new BudgetExceeded(
      `${BUDGET_REASON}: the job used ${tokens.toLocaleString('en-US')} tokens of its budget of ${budget.maxTokens.toLocaleString('en-US')} (${formatCost(used.costUsd)}).`,
    );
  if (budget.maxDollars !== undefined && used.costUsd >= budget.maxDollars)
    throw new BudgetExceeded(
      `${BUDGET_REASON}: the job used an estimated ${formatCost(used.costUsd)} of its budget of ${formatCost(budget.maxDollars)} (${tokens.toLocaleString('en-US')} tokens).`,
    );
}
