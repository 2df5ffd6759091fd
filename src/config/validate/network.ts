import { usesLoadBalancer } from '../ingress';
import { type Cidr, cidrContains, formatCidr, networkAddress, parseCidr, PRIVATE_RANGES } from '../cidr';
import { planFits, planSubnets, SUBNET_TIERS } from '../subnet-plan';
import { EGRESS_MODES, type EnvironmentConfig, type InterfaceEndpointName } from '../types';
import { checkLogRetention } from './common';
import { checkProductionRisk } from './accepted-risks';
import type { IssueCollector } from './issues';

/**
 * The services `network.interfaceEndpoints` may name, with what each carries. A record, so a name
 * added to `InterfaceEndpointName` without an entry here fails to compile.
 */
export const INTERFACE_ENDPOINT_SERVICES: Readonly<Record<InterfaceEndpointName, string>> = {
  'ecr-api': 'ECR API: auth tokens and image manifests',
  'ecr-dkr': 'ECR registry: image layer locations (the layers come from S3, through the gateway endpoint)',
  logs: "CloudWatch Logs: the tasks' log streams",
  ssm: 'Systems Manager: Parameter Store (the application secrets)',
  ssmmessages: 'Systems Manager messages: ECS Exec sessions',
  ec2messages: 'EC2 messages: the SSM agent on EC2 (Fargate tasks do not use it)',
  secretsmanager: 'Secrets Manager: database credentials, and their rotation',
  sts: 'STS: role assumption and caller identity',
};
export const INTERFACE_ENDPOINT_NAMES = Object.keys(INTERFACE_ENDPOINT_SERVICES) as InterfaceEndpointName[];

/**
 * Egress mode, flow logs (on in production unless `no-flow-logs` is an accepted risk), interface
 * endpoints, a private VPC range, subnet masks AWS allows (a /27 or larger public subnet for the
 * load balancer), and a subnet plan that fits.
 */
export function validateNetwork(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.network.${field}`;
  const net = env.network;
  issues.oneOf(at('egress'), net.egress, EGRESS_MODES, 'an egress mode');
  if (net.flowLogs.enabled) checkLogRetention(issues, at('flowLogs.retentionDays'), net.flowLogs.retentionDays);
  checkProductionRisk(env, 'no-flow-logs', issues);
  checkInterfaceEndpoints(at('interfaceEndpoints'), net.interfaceEndpoints, issues);

  const vpc = checkVpcRange(at('cidr'), net.cidr, issues);
  let masksValid = true;
  for (const tier of SUBNET_TIERS) {
    const mask = net.subnetMasks[tier];
    masksValid =
      issues.integerIn(
        at(`subnetMasks.${tier}`),
        mask,
        Math.max(16, vpc?.prefix ?? 16),
        28,
        vpc ? `; a subnet is /16 to /28 and inside ${net.cidr}` : '; a subnet is /16 to /28',
      ) && masksValid;
  }
  if (!masksValid) return;
  // Only a load balancer needs it: the HTTP API's VPC link takes an address or two per subnet.
  if (usesLoadBalancer(env) && net.subnetMasks.public > ALB_LONGEST_MASK) {
    const fits =
      !vpc || planFits(vpc, planSubnets(vpc, { ...net.subnetMasks, public: ALB_LONGEST_MASK }, env.availabilityZones));
    issues.add(
      at('subnetMasks.public'),
      `${net.subnetMasks.public} is too small for the load balancer (an ALB needs a /${ALB_LONGEST_MASK} or larger subnet in each zone, with at least 8 free addresses: use ${ALB_LONGEST_MASK} or less${fits ? '' : ', and a larger cidr'})`,
    );
    return;
  }
  if (!vpc) return;
  const plan = planSubnets(vpc, net.subnetMasks, env.availabilityZones);
  if (!planFits(vpc, plan)) {
    issues.add(
      at('subnetMasks'),
      `${SUBNET_TIERS.length} tiers x ${env.availabilityZones.length} zones need ${plan.addressesUsed} addresses but "${net.cidr}" holds ${2 ** (32 - vpc.prefix)} (use longer masks or a larger cidr)`,
    );
  }
}

/**
 * Known names (with a did-you-mean), each once: two endpoints of one service with private DNS
 * cannot share a VPC (CloudFormation fails on the second).
 *
 * No combination with the egress mode is refused, because none leaves a task without a path:
 * with `public` egress tasks run in the public subnets and reach every service through the
 * internet gateway; behind NAT, a service without an endpoint is reached through the NAT; with
 * private DNS an endpoint takes over its service's name for every subnet of the VPC, the public
 * tier included. ECR image pulls need S3 as well as `ecr-api` and `ecr-dkr` (the layers are S3
 * objects): the S3 gateway endpoint is always there, routed from every tier, so ECR endpoints
 * are never left half-working. With `public` egress endpoints are allowed but save nothing
 * (there is no NAT processing charge to avoid); the cost estimate shows what they add.
 */
function checkInterfaceEndpoints(field: string, names: unknown, issues: IssueCollector): void {
  if (!Array.isArray(names)) {
    issues.add(field, `${JSON.stringify(names)} is not a list of service names (use [] for none, e.g. ["ecr-api"])`);
    return;
  }
  const seen = new Set<unknown>();
  names.forEach((name: unknown, index) => {
    if (!issues.oneOf(`${field}[${index}]`, name, INTERFACE_ENDPOINT_NAMES, 'an interface endpoint service')) return;
    if (seen.has(name)) {
      issues.add(`${field}[${index}]`, `"${String(name)}" is listed twice (one endpoint per service; remove one)`);
    }
    seen.add(name);
  });
}

/** The longest prefix of a subnet an Application Load Balancer accepts (AWS: "at least a /27"). */
const ALB_LONGEST_MASK = 27;

/** The VPC range, when it is an aligned, private IPv4 block of /16 to /28; undefined after an issue. */
function checkVpcRange(field: string, cidr: string, issues: IssueCollector): Cidr | undefined {
  const vpc = parseCidr(cidr);
  if (!vpc) {
    issues.add(field, `${JSON.stringify(cidr)} is not an IPv4 CIDR block (write it as "10.10.0.0/16")`);
    return undefined;
  }
  if (vpc.prefix < 16 || vpc.prefix > 28) {
    issues.add(field, `"${cidr}" has prefix /${vpc.prefix} (a VPC takes /16 to /28)`);
    return undefined;
  }
  if (networkAddress(vpc) !== vpc.base) {
    const aligned = formatCidr({ base: networkAddress(vpc), prefix: vpc.prefix });
    issues.add(field, `"${cidr}" has host bits set (did you mean "${aligned}"?)`);
    return undefined;
  }
  if (!PRIVATE_RANGES.some((range) => cidrContains(range, vpc))) {
    issues.add(field, `"${cidr}" is not a private range (use part of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)`);
    return undefined;
  }
  return vpc;
}
