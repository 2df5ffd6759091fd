import { cidrContains, formatCidr, networkAddress, parseCidr, PRIVATE_RANGES } from '../cidr';
import { planFits, planSubnets, SUBNET_TIERS } from '../subnet-plan';
import { EGRESS_MODES, type EnvironmentConfig } from '../types';
import { checkLogRetention } from './common';
import type { IssueCollector } from './issues';

/** Egress mode, flow logs, and a private VPC range whose subnet plan fits. */
export function validateNetwork(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.network.${field}`;
  const net = env.network;
  issues.oneOf(at('egress'), net.egress, EGRESS_MODES, 'an egress mode');
  if (net.flowLogs.enabled) checkLogRetention(issues, at('flowLogs.retentionDays'), net.flowLogs.retentionDays);

  const vpc = parseCidr(net.cidr);
  if (!vpc) {
    issues.add(at('cidr'), `${JSON.stringify(net.cidr)} is not an IPv4 CIDR block (write it as "10.10.0.0/16")`);
    return;
  }
  if (vpc.prefix < 16 || vpc.prefix > 28) {
    issues.add(at('cidr'), `"${net.cidr}" has prefix /${vpc.prefix} (a VPC takes /16 to /28)`);
    return;
  }
  if (networkAddress(vpc) !== vpc.base) {
    const aligned = formatCidr({ base: networkAddress(vpc), prefix: vpc.prefix });
    issues.add(at('cidr'), `"${net.cidr}" has host bits set (did you mean "${aligned}"?)`);
    return;
  }
  if (!PRIVATE_RANGES.some((range) => cidrContains(range, vpc))) {
    issues.add(
      at('cidr'),
      `"${net.cidr}" is not a private range (use part of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)`,
    );
    return;
  }
  let masksValid = true;
  for (const tier of SUBNET_TIERS) {
    const mask = net.subnetMasks[tier];
    masksValid =
      issues.integerIn(
        at(`subnetMasks.${tier}`),
        mask,
        Math.max(16, vpc.prefix),
        28,
        `; a subnet is /16 to /28 and inside ${net.cidr}`,
      ) && masksValid;
  }
  if (!masksValid) return;
  const plan = planSubnets(vpc, net.subnetMasks, env.availabilityZones);
  if (!planFits(vpc, plan)) {
    issues.add(
      at('subnetMasks'),
      `${SUBNET_TIERS.length} tiers x ${env.availabilityZones.length} zones need ${plan.addressesUsed} addresses but "${net.cidr}" holds ${2 ** (32 - vpc.prefix)} (use longer masks or a larger cidr)`,
    );
  }
}
