import type { EnvironmentConfig } from '../types';
import type { IssueCollector } from './issues';

/** Usage assumptions the estimator can price, and the budget's margin over the estimate. */
export function validateBudgetAndUsage(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.${field}`;
  for (const [key, value] of Object.entries(env.usage)) {
    const max = key === 'fargateSpotDiscount' ? 1 : 1_000_000;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
      issues.add(
        at(`usage.${key}`),
        `${JSON.stringify(value)} is not a usable assumption (use a number from 0 to ${max})`,
      );
    }
  }
  issues.integerIn(at('budget.marginPercent'), env.budget.marginPercent, 0, 1000);
  issues.integerIn(at('budget.monthlyLimitUsd'), env.budget.monthlyLimitUsd, 1, 1_000_000, ' USD');
}
