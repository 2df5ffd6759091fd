import { type Cidr, cidrSize, formatCidr } from './cidr';
import type { SubnetMasks } from './types';

export const SUBNET_TIERS = ['public', 'private', 'isolated'] as const;
export type SubnetTier = (typeof SUBNET_TIERS)[number];

export interface PlannedSubnet {
  readonly tier: SubnetTier;
  readonly availabilityZone: string;
  readonly cidr: string;
}

export interface SubnetPlan {
  readonly subnets: readonly PlannedSubnet[];
  /** Addresses of the VPC range the plan uses, alignment gaps included. */
  readonly addressesUsed: number;
}

/**
 * Lays subnets out the way the CDK's `Vpc` does: tier by tier in the order public, private,
 * isolated, one subnet per AZ, each aligned to its own size. Validation uses it to reject a
 * layout that does not fit before the CDK fails with a less helpful error, and the tests check
 * that the VPC's subnets match it exactly.
 */
export function planSubnets(vpc: Cidr, masks: SubnetMasks, availabilityZones: readonly string[]): SubnetPlan {
  const subnets: PlannedSubnet[] = [];
  let next = vpc.base;
  for (const tier of SUBNET_TIERS) {
    const size = 2 ** (32 - masks[tier]);
    for (const availabilityZone of availabilityZones) {
      next = Math.ceil(next / size) * size;
      subnets.push({ tier, availabilityZone, cidr: formatCidr({ base: next, prefix: masks[tier] }) });
      next += size;
    }
  }
  return { subnets, addressesUsed: next - vpc.base };
}

/** Whether the plan fits inside the VPC range. */
export function planFits(vpc: Cidr, plan: SubnetPlan): boolean {
  return plan.addressesUsed <= cidrSize(vpc);
}
