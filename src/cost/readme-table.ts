import type { PlatformConfig } from '../config/types';
import { estimateShared, estimateStates } from './environment-cost';
import { formatStateTable } from './format';

export const README_COST_START = '<!-- cost-table:start (npm run docs) -->';
export const README_COST_END = '<!-- cost-table:end -->';

/** The per-state cost table the README shows, exactly as `booking-infra cost --format markdown` starts. */
export function readmeCostTable(config: PlatformConfig): string {
  const estimates = estimateStates(config, config.environments);
  return formatStateTable([...estimates, estimateShared(config)], true);
}

/** Replaces the marked block of `readme` with the current table. */
export function withCostTable(readme: string, table: string): string {
  const start = readme.indexOf(README_COST_START);
  const end = readme.indexOf(README_COST_END);
  if (start < 0 || end < start) throw new Error(`README has no ${README_COST_START} ... ${README_COST_END} block`);
  return `${readme.slice(0, start + README_COST_START.length)}\n${table}\n${readme.slice(end)}`;
}
