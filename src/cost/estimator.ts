/**
 * The cost estimator: walks an environment's templates, prices each resource with the rule for
 * its type (./rules, one file per group), adds the usage billed per environment, and totals.
 */
import type { EnvironmentState, UsageAssumptions } from '../config/types';
import { HOURS_PER_MONTH, isPriced, priceKey, type PriceTable } from './price-table';
import { ruleFor } from './rules';
import { type CfnResource, type Charge, formatQuantity, type StackTemplate, tagValue } from './rules/context';

export { type CommitmentUse, CUSTOM_METRICS_TAG, type StackTemplate } from './rules/context';

export type LineStatus = 'priced' | 'free' | 'unpriced';

/** One resource (or one usage item) and what it costs a month. */
export interface CostLine {
  readonly stack: string;
  /** The resource's logical id, or `(usage)` for an environment-level usage item. */
  readonly logicalId: string;
  readonly type: string;
  readonly module: string;
  readonly monthlyUsd: number;
  readonly status: LineStatus;
  /** Quantities times prices, or why the line is free or unpriced. */
  readonly basis: string;
  /** The charges of a priced line, as numbers (`cost --plan` reads the steady ones). */
  readonly charges?: readonly PricedCharge[];
}

/** One charge of a line with its unit price (null: the price is missing) and monthly figure. */
export interface PricedCharge extends Charge {
  readonly unitUsd: number | null;
  readonly monthlyUsd: number;
}

export interface CostEstimate {
  readonly environment: string;
  readonly state: EnvironmentState;
  readonly region: string;
  readonly lines: readonly CostLine[];
  /** Sum of every line's monthly figure, rounded to cents. */
  readonly totalUsd: number;
  /** Usage assumptions and modelling choices behind the figures, printed with them. */
  readonly assumptions: readonly string[];
}

export interface EstimateInput {
  readonly environment: string;
  readonly state: EnvironmentState;
  readonly region: string;
  readonly logRetentionDays: number;
  readonly usage: UsageAssumptions;
  readonly stacks: readonly StackTemplate[];
  /** Price tables by region; a stack in a region without one is unpriced. */
  readonly priceTables: (region: string) => PriceTable;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** The module a resource belongs to: its `module` tag, else the first construct under its stack. */
function moduleOf(resource: CfnResource): string {
  const tagged = tagValue(resource, 'module');
  if (typeof tagged === 'string') return tagged;
  const path = resource.Metadata?.['aws:cdk:path'];
  return moduleFromPath(typeof path === 'string' ? path : undefined);
}

/**
 * A resource's module when no tag names it: paths are <stage>/<stack>/<module construct>/..., so
 * the module is the third part, in kebab case.
 */
export function moduleFromPath(path: string | undefined): string {
  if (path === undefined) return 'other';
  const parts = path.split('/');
  const construct = parts[Math.min(2, parts.length - 1)];
  if (/^Custom.*Provider$/.test(construct)) return 'custom-resources';
  return construct.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

/** Prices every resource of one environment's templates, plus its usage items. */
export function estimate(input: EstimateInput): CostEstimate {
  const assumptions = new Set<string>();
  const all = input.stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {}).map(([logicalId, resource]) => ({ stack, logicalId, resource })),
  );
  const lines: CostLine[] = [];

  for (const entry of all) {
    const { stack, logicalId, resource } = entry;
    const base = { stack: stack.stackName, logicalId, type: resource.Type, module: moduleOf(resource) };
    const rule = ruleFor(resource.Type);
    if (!rule) {
      lines.push({ ...base, monthlyUsd: 0, status: 'unpriced', basis: `no price rule for ${resource.Type}` });
      continue;
    }
    const result = rule({
      ...entry,
      state: input.state,
      usage: input.usage,
      all,
      assume: (text) => assumptions.add(text),
    });
    if ('free' in result) {
      lines.push({ ...base, monthlyUsd: 0, status: 'free', basis: result.free });
    } else if ('unpriced' in result) {
      lines.push({ ...base, monthlyUsd: 0, status: 'unpriced', basis: result.unpriced });
    } else {
      lines.push({ ...base, ...priceCharges(result.charges, input.priceTables(stack.region), result.note) });
    }
  }

  lines.push(logsUsageLine(input));

  const usage = input.usage;
  assumptions.add(
    `usage: ${usage.albLcu} LCU, ${usage.natDataGiB} GB via NAT, ${usage.logIngestGiB} GB logs, ${usage.ecrStorageGiB} GB images, ` +
      `${usage.buildMinutes} build min, ${usage.pipelineActionMinutes} pipeline action min, ${usage.s3StorageGiB} GB S3, ` +
      `${usage.cdnDataGiB} GB CDN, ${usage.requestsMillions} M requests, ${usage.databaseBackupGiB} GB DB backups, Spot ${Math.round(usage.fargateSpotDiscount * 100)}% off`,
  );
  assumptions.add(
    `${HOURS_PER_MONTH} hours a month; account-wide free tiers not deducted but CloudFront's (1 TB, 10 M requests, applied to each distribution: right while the account's distributions stay under it together); data transfer out (first 100 GB a month free) not included`,
  );
  if (input.state !== 'running') {
    const instance = lines.some((line) => line.type === 'AWS::RDS::DBInstance');
    assumptions.add(
      `state ${input.state}: the database is ${instance ? 'stopped (storage and backups only)' : 'kept as a snapshot (no instance)'}, services at zero tasks, no logs ingested`,
    );
  }

  const totalUsd = round2(lines.reduce((sum, line) => sum + line.monthlyUsd, 0));
  return {
    environment: input.environment,
    state: input.state,
    region: input.region,
    lines,
    totalUsd,
    assumptions: [...assumptions],
  };
}

/**
 * CloudWatch Logs, billed per environment rather than per log group: ingestion, and storage at
 * the steady state of the retention period.
 */
function logsUsageLine(input: EstimateInput): CostLine {
  const retentionMonths = input.logRetentionDays / 30.4;
  // Logs come from running tasks and the database: none are ingested while paused or minimal.
  const ingested = input.state === 'running' ? input.usage.logIngestGiB : 0;
  return {
    stack: '-',
    logicalId: '(usage)',
    type: 'CloudWatch Logs',
    module: 'logs',
    ...priceCharges(
      [
        { what: 'GB ingested', quantity: ingested, priceKey: priceKey.logsIngestGb },
        {
          what: `GB-months stored (${input.logRetentionDays}-day retention, steady state)`,
          quantity: ingested * retentionMonths,
          priceKey: priceKey.logsStorageGbMonth,
        },
      ],
      input.priceTables(input.region),
    ),
  };
}

/** Quantities times the table's prices; a charge whose price is missing makes the line unpriced. */
function priceCharges(
  charges: readonly Charge[],
  table: PriceTable,
  note?: string,
): Pick<CostLine, 'monthlyUsd' | 'status' | 'basis' | 'charges'> {
  let total = 0;
  const parts: string[] = [];
  const missing: string[] = [];
  const priced: PricedCharge[] = [];
  for (const charge of charges) {
    const entry = table.prices[charge.priceKey];
    if (!entry) {
      missing.push(`${charge.priceKey} (not in the ${table.region} price table)`);
    } else if (!isPriced(entry)) {
      missing.push(`${charge.priceKey}: ${entry.reason}`);
    }
    const unitUsd = isPriced(entry) ? entry.usd : null;
    priced.push({ ...charge, unitUsd, monthlyUsd: round2(charge.quantity * (unitUsd ?? 0)) });
    if (!isPriced(entry) || charge.quantity === 0) continue;
    total += charge.quantity * entry.usd;
    parts.push(`${formatQuantity(round2(charge.quantity))} ${charge.what} x ${entry.usd} USD/${entry.unit}`);
  }
  const basis = [parts.join(' + ') || 'nothing billed', note].filter(Boolean).join('; ');
  if (missing.length > 0) {
    return {
      monthlyUsd: round2(total),
      status: 'unpriced',
      basis: `${basis}; unpriced: ${missing.join(', ')}`,
      charges: priced,
    };
  }
  return { monthlyUsd: round2(total), status: 'priced', basis, charges: priced };
}
