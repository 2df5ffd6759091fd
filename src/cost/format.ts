import { formatTable } from '../summary';
import type { EnvironmentState } from '../config/types';
import type { CostEstimate, CostLine } from './estimator';
import { HOURS_PER_MONTH } from './price-table';

/** What each state keeps running, in the words of the seed's cost table. */
export const STATE_DESCRIPTIONS: Readonly<Record<EnvironmentState, string>> = {
  running: 'All services',
  paused: 'ALB, cache, DNS, storage; no tasks, database stopped',
  minimal: 'DNS, database storage, images; no ALB, no cache',
};

const usd = (value: number) => value.toFixed(2);

/**
 * What an estimate's state keeps running, naming the front door it has: the seed's words for an
 * ALB environment, "HTTP API" for one behind API Gateway (billed per request, nothing idle).
 */
export function stateDescription(estimate: Pick<CostEstimate, 'state' | 'lines'>): string {
  const elastiCache = estimate.lines.some((line) => line.type === 'AWS::ElastiCache::ReplicationGroup');
  const taskCache = !elastiCache && estimate.lines.some((line) => line.type === 'AWS::EFS::FileSystem');
  const base =
    taskCache && estimate.state === 'paused'
      ? STATE_DESCRIPTIONS.paused.replace('cache, ', 'the cache stopped (its data on EFS), ')
      : STATE_DESCRIPTIONS[estimate.state];
  const keptAsSnapshot =
    estimate.state === 'minimal' && !estimate.lines.some((line) => line.type === 'AWS::RDS::DBInstance');
  if (keptAsSnapshot) return base.replace('database storage', 'the database as a snapshot');
  const httpApi = estimate.lines.some((line) => line.type === 'AWS::ApiGatewayV2::Api');
  const alb = estimate.lines.some((line) => line.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  if (!httpApi || alb) return base;
  if (estimate.state === 'paused') return base.replace('ALB', 'HTTP API (idle: no charge)');
  if (estimate.state === 'running') return 'All services, behind an HTTP API';
  return base;
}

function byModule(lines: readonly CostLine[]): Map<string, CostLine[]> {
  const groups = new Map<string, CostLine[]>();
  for (const line of [...lines].sort((a, b) => a.module.localeCompare(b.module) || b.monthlyUsd - a.monthlyUsd)) {
    groups.set(line.module, [...(groups.get(line.module) ?? []), line]);
  }
  return groups;
}

/** Per-resource lines grouped by module, then the module totals, assumptions and unpriced items. */
export function formatEstimate(estimate: CostEstimate): string {
  const rows: Array<Array<string | number>> = [];
  for (const [module, lines] of byModule(estimate.lines)) {
    for (const line of lines) {
      const figure =
        line.status === 'free'
          ? 'free'
          : line.status === 'unpriced'
            ? `${usd(line.monthlyUsd)}*`
            : usd(line.monthlyUsd);
      rows.push([module, line.logicalId, line.type, figure, line.basis]);
    }
  }
  const unpriced = estimate.lines.filter((line) => line.status === 'unpriced');
  return [
    `${estimate.environment}, state ${estimate.state} (${estimate.region}): ${usd(estimate.totalUsd)} USD/month`,
    formatTable(['module', 'resource', 'type', 'USD/month', 'basis'], rows),
    '',
    'by module:',
    formatTable(
      ['module', 'USD/month'],
      [...byModule(estimate.lines)].map(([module, lines]) => [
        module,
        usd(lines.reduce((sum, line) => sum + line.monthlyUsd, 0)),
      ]),
    ),
    '',
    'assumptions:',
    ...estimate.assumptions.map((text) => `- ${text}`),
    ...(unpriced.length > 0
      ? [
          '',
          `unpriced (* above; ${unpriced.length}):`,
          ...unpriced.map((line) => `- ${line.logicalId} (${line.type}): ${line.basis}`),
        ]
      : []),
  ].join('\n');
}

/** The seed's cost table: one row per state with its monthly figure. */
export function formatStateTable(estimates: readonly CostEstimate[], markdown = false): string {
  const rows = estimates.map((e) =>
    e.environment === 'shared'
      ? [
          e.environment,
          'every state',
          usd(e.totalUsd),
          'hosted zone, image repository, GitHub connection, account baseline',
        ]
      : [e.environment, e.state, usd(e.totalUsd), stateDescription(e)],
  );
  const header = ['environment', 'state', 'USD/month', "what's running"];
  if (!markdown) return formatTable(header, rows);
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** Markdown: the state table, then each estimate's module totals. */
export function formatMarkdown(estimates: readonly CostEstimate[]): string {
  const sections = estimates.map((estimate) => {
    const modules = [...byModule(estimate.lines)]
      .map(([module, lines]) => [module, lines.reduce((sum, line) => sum + line.monthlyUsd, 0)] as const)
      .filter(([, total]) => total > 0)
      .map(([module, total]) => `| ${module} | ${usd(total)} |`);
    return [
      `### ${estimate.environment} (${estimate.state}): ${usd(estimate.totalUsd)} USD/month`,
      '',
      '| module | USD/month |',
      '|---|---|',
      ...modules,
    ].join('\n');
  });
  return [formatStateTable(estimates, true), '', ...sections].join('\n\n');
}

/** The JSON document `cost --format json` prints (shape documented in README). */
export interface CostReport {
  readonly currency: 'USD';
  readonly hoursPerMonth: number;
  readonly summary: ReadonlyArray<{ environment: string; state: EnvironmentState; totalUsd: number }>;
  readonly estimates: readonly CostEstimate[];
}

export function toReport(estimates: readonly CostEstimate[]): CostReport {
  return {
    currency: 'USD',
    hoursPerMonth: HOURS_PER_MONTH,
    summary: estimates.map((e) => ({ environment: e.environment, state: e.state, totalUsd: e.totalUsd })),
    estimates,
  };
}
