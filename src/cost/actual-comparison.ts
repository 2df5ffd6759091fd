/**
 * `cost <env> --actual`: the estimate beside Cost Explorer's actual figures for last month, per
 * Cost Explorer service. The estimate's lines are mapped to the service names Cost Explorer
 * groups by, through the table below (by CloudFormation type prefix, longest first).
 */
import type { EnvironmentConfig, EnvironmentState } from '../config/types';
import { formatTable } from '../summary';
import { runningHoursPerWeek } from './commitment-plan';
import type { CostEstimate } from './estimator';
import { HOURS_PER_MONTH, priceKey } from './price-table';

/**
 * Cost Explorer's SERVICE names by CloudFormation resource type prefix (or the estimator's own
 * line type, e.g. `CloudWatch Logs`). The longest matching prefix wins: a NAT gateway is billed as
 * "EC2 - Other", other EC2-named network resources (Elastic IPs, endpoints) under Amazon VPC.
 */
export const COST_EXPLORER_SERVICES: Readonly<Record<string, string>> = {
  'AWS::RDS::': 'Amazon Relational Database Service',
  'AWS::ECS::': 'Amazon Elastic Container Service',
  'AWS::ElastiCache::': 'Amazon ElastiCache',
  'AWS::ElasticLoadBalancingV2::': 'Amazon Elastic Load Balancing',
  'AWS::EC2::NatGateway': 'EC2 - Other',
  'AWS::EC2::FlowLog': 'AmazonCloudWatch',
  'AWS::EC2::': 'Amazon Virtual Private Cloud',
  'AWS::CloudWatch::': 'AmazonCloudWatch',
  'AWS::Logs::': 'AmazonCloudWatch',
  'CloudWatch Logs': 'AmazonCloudWatch',
  'AWS::KMS::': 'AWS Key Management Service',
  'AWS::SecretsManager::': 'AWS Secrets Manager',
  'AWS::SSM::': 'AWS Systems Manager',
  'AWS::Route53::': 'Amazon Route 53',
  'AWS::S3::': 'Amazon Simple Storage Service',
  'AWS::ECR::': 'Amazon EC2 Container Registry (ECR)',
  'AWS::CodePipeline::': 'AWS CodePipeline',
  'AWS::CodeBuild::': 'CodeBuild',
  'AWS::CloudFront::': 'Amazon CloudFront',
  'AWS::WAFv2::': 'AWS WAF',
  'AWS::Lambda::': 'AWS Lambda',
  'AWS::DynamoDB::': 'Amazon DynamoDB',
  'AWS::Backup::': 'AWS Backup',
  'AWS::StepFunctions::': 'AWS Step Functions',
  'AWS::SNS::': 'Amazon Simple Notification Service',
  'AWS::GuardDuty::': 'Amazon GuardDuty',
  'AWS::SecurityHub::': 'AWS Security Hub',
  'AWS::CloudTrail::': 'AWS CloudTrail',
};

/**
 * Charges billed under another service than their resource's: every public IPv4 address (of a
 * load balancer or a task) is billed by Amazon VPC since 2024-02.
 */
const CHARGE_SERVICES: Readonly<Record<string, string>> = {
  [priceKey.publicIpv4Hour]: 'Amazon Virtual Private Cloud',
};

/** Other names Cost Explorer has used for a service, mapped to the table's. */
const SERVICE_ALIASES: Readonly<Record<string, string>> = {
  'Elastic Load Balancing': 'Amazon Elastic Load Balancing',
};

const PREFIXES = Object.keys(COST_EXPLORER_SERVICES).sort((a, b) => b.length - a.length);

/** The Cost Explorer service of a line type, or undefined when the table has none. */
export function costExplorerService(type: string): string | undefined {
  const prefix = PREFIXES.find((candidate) => type.startsWith(candidate));
  return prefix && COST_EXPLORER_SERVICES[prefix];
}

/** An estimate's monthly USD per Cost Explorer service; lines no service maps go to `unmapped`. */
export function estimateByService(estimate: CostEstimate): {
  byService: Record<string, number>;
  unmapped: Record<string, number>;
} {
  const byService: Record<string, number> = {};
  const unmapped: Record<string, number> = {};
  const add = (target: Record<string, number>, key: string, value: number) => {
    if (value !== 0) target[key] = (target[key] ?? 0) + value;
  };
  for (const line of estimate.lines) {
    const service = costExplorerService(line.type);
    const charges = line.charges ?? [];
    if (charges.length === 0) {
      if (service) add(byService, service, line.monthlyUsd);
      else add(unmapped, line.type, line.monthlyUsd);
      continue;
    }
    for (const charge of charges) {
      const chargeService = CHARGE_SERVICES[charge.priceKey] ?? service;
      const monthly = charge.quantity * (charge.unitUsd ?? 0);
      if (chargeService) add(byService, chargeService, monthly);
      else add(unmapped, line.type, monthly);
    }
  }
  return { byService, unmapped };
}

/**
 * The states an environment spends a month in, as its configuration says: with a pause schedule,
 * running for its hours a week and paused the rest; else its configured state all month.
 */
export function stateShares(env: EnvironmentConfig): Array<{ state: EnvironmentState; share: number }> {
  if (env.state === 'minimal') return [{ state: 'minimal', share: 1 }];
  const hours = env.schedule ? runningHoursPerWeek(env.schedule) : undefined;
  if (hours === undefined || hours >= 168) return [{ state: 'running', share: 1 }];
  return [
    { state: 'running', share: hours / 168 },
    { state: 'paused', share: 1 - hours / 168 },
  ];
}

/** Estimates weighted by the share of the month spent in each state (e.g. running 65/168, paused the rest). */
export interface WeightedEstimate {
  readonly estimate: CostEstimate;
  readonly share: number;
}

export interface ServiceComparison {
  readonly service: string;
  readonly estimateUsd: number;
  readonly actualUsd: number;
  /** (actual - estimate) / estimate in percent; null without an estimate. */
  readonly differencePercent: number | null;
}

export interface ActualComparison {
  readonly environment: string;
  readonly month: string;
  readonly currency: 'USD';
  /** How the estimate was weighted, e.g. `running 38.7%, paused 61.3%`. */
  readonly estimateBasis: string;
  readonly services: readonly ServiceComparison[];
  readonly total: ServiceComparison;
  readonly notes: readonly string[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const percentOf = (estimate: number, actual: number) =>
  estimate === 0 ? null : Math.round(((actual - estimate) / estimate) * 1000) / 10;

/** Compares the (weighted) estimate with Cost Explorer's figures, service by service. */
export function compareWithActual(
  environment: string,
  estimates: readonly WeightedEstimate[],
  actual: {
    readonly start: string;
    readonly hours: number;
    readonly byService: Readonly<Record<string, number>>;
    readonly estimated: boolean;
    readonly truncated: boolean;
  },
  extraNotes: readonly string[] = [],
): ActualComparison {
  const estimated: Record<string, number> = {};
  const unmapped: Record<string, number> = {};
  for (const { estimate, share } of estimates) {
    const split = estimateByService(estimate);
    for (const [service, usd] of Object.entries(split.byService))
      estimated[service] = (estimated[service] ?? 0) + usd * share;
    for (const [type, usd] of Object.entries(split.unmapped)) unmapped[type] = (unmapped[type] ?? 0) + usd * share;
  }
  const actualByService: Record<string, number> = {};
  for (const [service, usd] of Object.entries(actual.byService)) {
    const name = SERVICE_ALIASES[service] ?? service;
    actualByService[name] = (actualByService[name] ?? 0) + usd;
  }
  const services = [...new Set([...Object.keys(estimated), ...Object.keys(actualByService)])]
    .map((service) => {
      const estimateUsd = round2(estimated[service] ?? 0);
      const actualUsd = round2(actualByService[service] ?? 0);
      return { service, estimateUsd, actualUsd, differencePercent: percentOf(estimateUsd, actualUsd) };
    })
    .filter((row) => row.estimateUsd !== 0 || row.actualUsd !== 0)
    .sort((a, b) => Math.max(b.estimateUsd, b.actualUsd) - Math.max(a.estimateUsd, a.actualUsd));
  const estimateTotal = round2(services.reduce((sum, row) => sum + row.estimateUsd, 0));
  const actualTotal = round2(services.reduce((sum, row) => sum + row.actualUsd, 0));

  const notes = [
    'Cost Explorer counts only costs billed with both tags: untagged ones (tax, support, most data transfer, API requests, account-level services such as GuardDuty and CloudTrail, and anything from before the tags were activated) are not in the actual column, so a service far below its estimate may be one of them',
    `the estimate is for a ${HOURS_PER_MONTH}-hour month; ${actual.start.slice(0, 7)} had ${actual.hours} hours`,
    ...extraNotes,
  ];
  const onlyActual = services.filter((row) => row.estimateUsd === 0).map((row) => row.service);
  if (onlyActual.length > 0) notes.push(`not in the estimate, billed all the same: ${onlyActual.join(', ')}`);
  const unmappedTypes = Object.entries(unmapped).filter(([, usd]) => round2(usd) !== 0);
  if (unmappedTypes.length > 0) {
    notes.push(
      `estimated but not mapped to a Cost Explorer service (add it to COST_EXPLORER_SERVICES): ${unmappedTypes.map(([type, usd]) => `${type} ${round2(usd).toFixed(2)}`).join(', ')}`,
    );
  }
  const unpriced = estimates[0]?.estimate.lines.filter((line) => line.status === 'unpriced').length ?? 0;
  if (unpriced > 0)
    notes.push(
      `${unpriced} estimate line(s) are unpriced (see \`cost ${environment}\`): the estimate is low by what they cost`,
    );
  if (actual.estimated) notes.push('Cost Explorer still marks the month as estimated: its bill is not final yet');
  if (actual.truncated)
    notes.push('Cost Explorer had more services than one page: the rest are not counted (one request per run)');

  return {
    environment,
    month: actual.start.slice(0, 7),
    currency: 'USD',
    estimateBasis: estimates
      .map(({ estimate, share }) => `${estimate.state} ${Math.round(share * 1000) / 10}%`)
      .join(', '),
    services,
    total: {
      service: 'total',
      estimateUsd: estimateTotal,
      actualUsd: actualTotal,
      differencePercent: percentOf(estimateTotal, actualTotal),
    },
    notes,
  };
}

function difference(percent: number | null): string {
  if (percent === null) return 'n/a';
  return `${percent > 0 ? '+' : ''}${percent.toFixed(1)}%`;
}

/** The comparison as the CLI prints it. */
export function formatComparison(comparison: ActualComparison): string {
  const rows = [...comparison.services, comparison.total].map((row) => [
    row.service,
    row.estimateUsd.toFixed(2),
    row.actualUsd.toFixed(2),
    difference(row.differencePercent),
  ]);
  return [
    `${comparison.environment}, ${comparison.month}: estimate (${comparison.estimateBasis}) against Cost Explorer (UnblendedCost, USD)`,
    formatTable(['Cost Explorer service', 'estimate', 'actual', 'difference'], rows),
    '',
    ...comparison.notes.map((note) => `note: ${note}`),
  ].join('\n');
}
