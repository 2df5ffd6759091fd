/**
 * The honest price of interface VPC endpoints (`network.interfaceEndpoints`): what a set of them
 * costs a month before any traffic, and how much AWS-bound traffic a month must leave the NAT
 * gateway for them before they cost less than it. Printed under `booking-infra cost <env>`.
 */
import type { EnvironmentConfig, InterfaceEndpointName } from '../config/types';
import { natGatewayCount } from '../modules/networking/networking';
import { HOURS_PER_MONTH, isPriced, priceKey, type PriceTable } from './price-table';
import { priceTableFor } from './prices';

/**
 * The set the break-even is shown for when an environment lists none: the seed's list (ECR API
 * and registry, CloudWatch Logs, SSM, SSM messages, EC2 messages) plus Secrets Manager, the one
 * the platform's credential rotation can already need.
 */
export const REFERENCE_ENDPOINTS: readonly InterfaceEndpointName[] = [
  'ecr-api',
  'ecr-dkr',
  'logs',
  'ssm',
  'ssmmessages',
  'ec2messages',
  'secretsmanager',
];

/** Why the NAT gateway stays whatever endpoints are added. */
export const NAT_STAYS =
  'the NAT gateway stays: tasks call third-party services on the internet, which no endpoint serves';

export interface EndpointBreakEven {
  readonly environment: string;
  readonly region: string;
  /** The endpoints priced: the configured list, or the one asked about. */
  readonly endpoints: readonly InterfaceEndpointName[];
  /** Whether `endpoints` is the environment's configured list. */
  readonly configured: boolean;
  /** AZs, each holding one network interface of every endpoint. */
  readonly zones: number;
  /** Endpoints x AZs x 730 h x the AZ-hour price, before any traffic. */
  readonly fixedMonthlyUsd: number;
  /** Endpoint price per AZ-hour. */
  readonly endpointUsdPerAzHour: number;
  /** Endpoint data processing, USD per GB. */
  readonly endpointUsdPerGb: number;
  /** NAT gateway data processing, USD per GB. */
  readonly natUsdPerGb: number;
  /** NAT gateways the egress mode builds (0 with `public` egress). */
  readonly natGateways: number;
  /** Their monthly price before data: hours and public IPv4 addresses. */
  readonly natFixedMonthlyUsd: number;
  /**
   * GB a month of AWS-bound traffic (to the listed services) above which the endpoints cost less
   * than sending it through the NAT gateway: fixed cost / (NAT - endpoint price per GB). `null`
   * when there is no NAT gateway (`public` egress): then there is no processing charge to save and
   * endpoints never pay for themselves; 0 for an empty list.
   */
  readonly breakEvenGiB: number | null;
  /** GB a month the NAT gateways process (`usage.natDataGiB`): an upper bound of the AWS-bound part. */
  readonly natDataGiB: number;
  /**
   * What the endpoints would save (negative: cost) a month if all of `natDataGiB` went to the
   * listed services instead of the NAT: the best case at the configured usage.
   */
  readonly bestCaseSavingUsd: number;
  /** Whether the NAT gateway could then be removed: never here (see NAT_STAYS). */
  readonly natRemovable: false;
  readonly natRemovableReason: string;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length > 0 && a.length === b.length && a.every((name) => b.includes(name));
}

function price(table: PriceTable, key: string): number {
  const entry = table.prices[key];
  if (!isPriced(entry)) throw new Error(`no ${key} price in the ${table.region} price table`);
  return entry.usd;
}

/**
 * The break-even of `endpoints` (default: the environment's configured list, or
 * REFERENCE_ENDPOINTS when it lists none) in the environment's AZs, against its NAT gateway.
 */
export function endpointBreakEven(
  env: EnvironmentConfig,
  endpoints: readonly InterfaceEndpointName[] = env.network.interfaceEndpoints.length > 0
    ? env.network.interfaceEndpoints
    : REFERENCE_ENDPOINTS,
): EndpointBreakEven {
  const table = priceTableFor(env.region);
  const zones = env.availabilityZones.length;
  const azHour = price(table, priceKey.interfaceEndpointAzHour);
  const endpointUsdPerGb = price(table, priceKey.interfaceEndpointGb);
  const natUsdPerGb = price(table, priceKey.natGb);
  const natGateways = natGatewayCount(env.network.egress, zones);
  const fixed = endpoints.length * zones * HOURS_PER_MONTH * azHour;
  const savingPerGb = natUsdPerGb - endpointUsdPerGb;
  const breakEvenGiB =
    endpoints.length === 0 ? 0 : natGateways === 0 || savingPerGb <= 0 ? null : round2(fixed / savingPerGb);
  const natDataGiB = env.usage.natDataGiB;
  return {
    environment: env.name,
    region: env.region,
    endpoints: [...endpoints],
    configured: sameMembers(endpoints, env.network.interfaceEndpoints),
    zones,
    fixedMonthlyUsd: round2(fixed),
    endpointUsdPerAzHour: azHour,
    endpointUsdPerGb,
    natUsdPerGb,
    natGateways,
    natFixedMonthlyUsd: round2(
      natGateways * HOURS_PER_MONTH * (price(table, priceKey.natHour) + price(table, priceKey.publicIpv4Hour)),
    ),
    breakEvenGiB,
    natDataGiB,
    bestCaseSavingUsd: round2((natGateways > 0 ? natDataGiB * savingPerGb : 0) - fixed),
    natRemovable: false,
    natRemovableReason: NAT_STAYS,
  };
}

const usd = (value: number) => value.toFixed(2);
const gb = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/**
 * One line for the cost listing, e.g. `VPC endpoints (none configured; 7 as ecr-api, ...): 7 x 2 AZ
 * x 730 h x 0.011 = 112.42 USD/month + 0.01/GB, against NAT 0.05/GB: cheaper above 2810.5 GB/month
 * of AWS-bound traffic; ...`.
 */
export function formatBreakEven(b: EndpointBreakEven): string {
  if (b.endpoints.length === 0) return 'VPC endpoints: none';
  const which = b.configured
    ? `configured: ${b.endpoints.join(', ')}`
    : `none configured; priced for ${b.endpoints.join(', ')}`;
  const fixed = `${b.endpoints.length} x ${b.zones} AZ x ${HOURS_PER_MONTH} h x ${b.endpointUsdPerAzHour} = ${usd(b.fixedMonthlyUsd)} USD/month + ${b.endpointUsdPerGb}/GB`;
  if (b.breakEvenGiB === null) {
    return `VPC endpoints (${which}): ${fixed}; no NAT gateway here (public egress), so no ${b.natUsdPerGb}/GB to save: they never pay for themselves`;
  }
  const atUsage = b.bestCaseSavingUsd >= 0 ? `saves ${usd(b.bestCaseSavingUsd)}` : `costs ${usd(-b.bestCaseSavingUsd)}`;
  return (
    `VPC endpoints (${which}): ${fixed}, against NAT ${b.natUsdPerGb}/GB: cheaper above ${gb(b.breakEvenGiB)} GB/month ` +
    `of AWS-bound traffic (at ${gb(b.natDataGiB)} GB through the NAT: ${atUsage} USD/month at best); ${NAT_STAYS}`
  );
}
