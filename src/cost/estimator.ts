import type { EnvironmentState, UsageAssumptions } from '../config/types';
import { HOURS_PER_MONTH, isPriced, type PriceEntry, priceKey, type PriceTable } from './price-table';

/** One stack's template, as the estimator reads it. */
export interface StackTemplate {
  readonly stackName: string;
  readonly region: string;
  readonly template: { readonly Resources?: Readonly<Record<string, CfnResource>> };
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly Metadata?: Record<string, unknown>;
}

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

/** A quantity of something with a price: quantity x price = monthly USD. */
interface Charge {
  readonly what: string;
  readonly quantity: number;
  readonly priceKey: string;
}

type RuleResult =
  | { readonly charges: readonly Charge[]; readonly note?: string }
  | { readonly free: string }
  | { readonly unpriced: string };

interface RuleContext {
  readonly logicalId: string;
  readonly resource: CfnResource;
  readonly stack: StackTemplate;
  readonly input: EstimateInput;
  /** Every resource of the environment, for rules that look at neighbours. */
  readonly all: ReadonlyArray<{ stack: StackTemplate; logicalId: string; resource: CfnResource }>;
  /** Records an assumption printed with the estimate. */
  assume(text: string): void;
}

type Rule = (ctx: RuleContext) => RuleResult;

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * A resource that publishes custom CloudWatch metrics declares how many with this tag, so their
 * monthly price (which no template property shows) is counted.
 */
export const CUSTOM_METRICS_TAG = 'booking:custom-metrics';

function tagValue(resource: CfnResource, key: string): string | undefined {
  const tags = resource.Properties?.Tags;
  if (Array.isArray(tags)) return tags.find((tag: { Key?: string }) => tag.Key === key)?.Value;
  if (tags && typeof tags === 'object') return (tags as Record<string, string>)[key];
  return undefined;
}

/** A literal number from a template value, or undefined for a token or anything else. */
function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

function count(ctx: RuleContext, type: string): number {
  return ctx.all.filter((entry) => entry.resource.Type === type).length;
}

/** Resources known to cost nothing by themselves, with the reason printed on their line. */
const FREE: Readonly<Record<string, string>> = {
  'AWS::EC2::VPC': 'no charge for the VPC itself',
  'AWS::EC2::Subnet': 'no charge',
  'AWS::EC2::RouteTable': 'no charge',
  'AWS::EC2::Route': 'no charge',
  'AWS::EC2::SubnetRouteTableAssociation': 'no charge',
  'AWS::EC2::InternetGateway': 'no charge (data transfer out is billed per GB)',
  'AWS::EC2::VPCGatewayAttachment': 'no charge',
  'AWS::EC2::SecurityGroup': 'no charge',
  'AWS::EC2::SecurityGroupIngress': 'no charge',
  'AWS::EC2::SecurityGroupEgress': 'no charge',
  'AWS::EC2::FlowLog': 'records billed as CloudWatch Logs ingestion (usage line)',
  'AWS::IAM::Role': 'no charge',
  'AWS::IAM::Policy': 'no charge',
  'AWS::IAM::ManagedPolicy': 'no charge',
  'AWS::RDS::DBSubnetGroup': 'no charge',
  'AWS::RDS::DBParameterGroup': 'no charge',
  'AWS::ElastiCache::SubnetGroup': 'no charge',
  'AWS::ElastiCache::ParameterGroup': 'no charge',
  'AWS::SecretsManager::SecretTargetAttachment': 'no charge',
  'AWS::Logs::LogGroup': 'billed by ingestion and storage (usage line)',
  'AWS::Logs::ResourcePolicy': 'no charge',
  'AWS::ElasticLoadBalancingV2::Listener': 'included in the load balancer',
  'AWS::ElasticLoadBalancingV2::ListenerRule': 'included in the load balancer',
  'AWS::ElasticLoadBalancingV2::ListenerCertificate': 'included in the load balancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'included in the load balancer',
  'AWS::ECS::TaskDefinition': 'billed through the service or task that runs it',
  'AWS::ECS::ClusterCapacityProviderAssociations': 'no charge',
  'AWS::ApplicationAutoScaling::ScalableTarget': 'no charge',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'no charge (its alarms are listed separately)',
  'AWS::Lambda::Permission': 'no charge',
  'AWS::Events::Rule': 'no charge for rules on AWS service events',
  'AWS::Scheduler::Schedule': 'first 14 million invocations a month are free',
  'AWS::SNS::Topic': 'first million publishes and 1,000 e-mails a month are free',
  'AWS::SNS::Subscription': 'no charge',
  'AWS::SNS::TopicPolicy': 'no charge',
  'AWS::Budgets::Budget': 'budgets without actions are free',
  'AWS::CertificateManager::Certificate': 'public ACM certificates are free',
  'AWS::CodeStarConnections::Connection': 'no charge',
  'AWS::CodeStarNotifications::NotificationRule': 'notification rules are free (delivery via SNS)',
  'AWS::S3::BucketPolicy': 'no charge',
  'AWS::Route53::RecordSet': 'alias queries to AWS resources are free; zone billed separately',
  'AWS::Route53::RecordSetGroup': 'alias queries to AWS resources are free; zone billed separately',
  'AWS::CDK::Metadata': 'CDK bookkeeping, not an AWS resource',
};

const RULES: Readonly<Record<string, Rule>> = {
  'AWS::EC2::NatGateway': (ctx) => {
    const gateways = count(ctx, 'AWS::EC2::NatGateway');
    return {
      charges: [
        { what: 'hours', quantity: HOURS_PER_MONTH, priceKey: priceKey.natHour },
        { what: 'GB processed', quantity: ctx.input.usage.natDataGiB / gateways, priceKey: priceKey.natGb },
      ],
      note: 'its public IPv4 is the EIP line',
    };
  },

  'AWS::EC2::EIP': () => ({
    charges: [{ what: 'public IPv4 hours', quantity: HOURS_PER_MONTH, priceKey: priceKey.publicIpv4Hour }],
  }),

  'AWS::EC2::VPCEndpoint': (ctx) => {
    const props = ctx.resource.Properties ?? {};
    if ((props.VpcEndpointType ?? 'Gateway') === 'Gateway')
      return { free: 'gateway endpoints (S3, DynamoDB) are free' };
    const zones = Array.isArray(props.SubnetIds) ? props.SubnetIds.length : 1;
    return {
      charges: [
        {
          what: `AZ-hours (${zones} AZ)`,
          quantity: zones * HOURS_PER_MONTH,
          priceKey: priceKey.interfaceEndpointAzHour,
        },
      ],
    };
  },

  'AWS::ElasticLoadBalancingV2::LoadBalancer': (ctx) => {
    const props = ctx.resource.Properties ?? {};
    if ((props.Type ?? 'application') !== 'application')
      return { unpriced: `no price for ${props.Type} load balancers in the table` };
    const charges: Charge[] = [
      { what: 'hours', quantity: HOURS_PER_MONTH, priceKey: priceKey.albHour },
      {
        what: `LCU-hours (${ctx.input.usage.albLcu} LCU assumed)`,
        quantity: ctx.input.usage.albLcu * HOURS_PER_MONTH,
        priceKey: priceKey.albLcuHour,
      },
    ];
    if ((props.Scheme ?? 'internet-facing') === 'internet-facing') {
      const zones = (props.Subnets ?? props.SubnetMappings ?? []).length || 2;
      charges.push({
        what: `public IPv4 hours (${zones} AZ)`,
        quantity: zones * HOURS_PER_MONTH,
        priceKey: priceKey.publicIpv4Hour,
      });
    }
    return { charges };
  },

  'AWS::RDS::DBInstance': (ctx) => {
    const props = ctx.resource.Properties ?? {};
    const instanceClass = String(props.DBInstanceClass);
    const multiAz = props.MultiAZ === true || props.MultiAZ === 'true';
    const storageType = String(props.StorageType ?? 'gp2');
    const storage = literalNumber(props.AllocatedStorage);
    const charges: Charge[] = [];
    const stopped = ctx.input.state !== 'running';
    if (!stopped) {
      charges.push({
        what: `${instanceClass} ${multiAz ? 'Multi-AZ' : 'Single-AZ'} hours`,
        quantity: HOURS_PER_MONTH,
        priceKey: priceKey.rdsInstanceHour(instanceClass, multiAz),
      });
    }
    if (storage === undefined) return { unpriced: 'AllocatedStorage is not a literal in the template' };
    charges.push({
      what: `GB ${storageType} storage`,
      quantity: storage,
      priceKey: priceKey.rdsStorageGbMonth(storageType, multiAz),
    });
    const billableBackup = Math.max(0, ctx.input.usage.databaseBackupGiB - storage);
    charges.push({
      what: `GB backup beyond the free ${storage} GB`,
      quantity: billableBackup,
      priceKey: priceKey.rdsBackupGbMonth,
    });
    const ceiling = literalNumber(props.MaxAllocatedStorage);
    if (ceiling !== undefined)
      ctx.assume(
        `${ctx.stack.stackName} database storage priced at its allocated ${storage} GB; autoscaling may grow it to ${ceiling} GB`,
      );
    return { charges, note: stopped ? 'stopped: storage and backups only' : undefined };
  },

  'AWS::ElastiCache::ReplicationGroup': (ctx) => {
    const props = ctx.resource.Properties ?? {};
    const nodes =
      literalNumber(props.NumCacheClusters) ??
      (literalNumber(props.NumNodeGroups) ?? 1) * ((literalNumber(props.ReplicasPerNodeGroup) ?? 0) + 1);
    const engine = String(props.Engine ?? 'redis').toLowerCase();
    const nodeType = String(props.CacheNodeType);
    if ((literalNumber(props.SnapshotRetentionLimit) ?? 0) > 0) {
      ctx.assume(
        `${ctx.stack.stackName} cache snapshots: storage not priced (no sourced price); a snapshot of a micro node is under 0.5 GB`,
      );
    }
    return {
      charges: [
        {
          what: `${nodeType} ${engine} node-hours (${nodes} node${nodes > 1 ? 's' : ''})`,
          quantity: nodes * HOURS_PER_MONTH,
          priceKey: priceKey.cacheNodeHour(engine, nodeType),
        },
      ],
    };
  },

  'AWS::ECS::Service': (ctx) => serviceCharges(ctx),

  'AWS::ECS::Cluster': (ctx) => {
    const settings = (ctx.resource.Properties?.ClusterSettings ?? []) as Array<{ Name: string; Value: string }>;
    const insights = settings.find((setting) => setting.Name === 'containerInsights')?.Value;
    if (insights === 'enabled' || insights === 'enhanced') {
      return {
        unpriced: 'Container Insights metrics are billed as CloudWatch metrics per task and service; no sourced rate',
      };
    }
    return { free: 'no charge for the cluster' };
  },

  'AWS::Route53::HostedZone': () => ({
    charges: [{ what: 'hosted zone', quantity: 1, priceKey: priceKey.hostedZoneMonth }],
  }),
  'AWS::SecretsManager::Secret': () => ({ charges: [{ what: 'secret', quantity: 1, priceKey: priceKey.secretMonth }] }),
  'AWS::KMS::Key': () => ({ charges: [{ what: 'customer managed key', quantity: 1, priceKey: priceKey.kmsKeyMonth }] }),
  'AWS::SSM::Parameter': (ctx) =>
    ctx.resource.Properties?.Tier === 'Advanced'
      ? { charges: [{ what: 'advanced parameter', quantity: 1, priceKey: priceKey.advancedParameterMonth }] }
      : { free: 'standard parameters are free' },
  'AWS::DynamoDB::Table': (ctx) => {
    // The ops state table: the guard reads the record and the lock on every run, a transition
    // writes a few items (record, lock, journal). Storage is a few KB (first 25 GB free).
    const reads = ctx.input.usage.stateTableReadsPerMonth;
    const writes = ctx.input.usage.stateTableWritesPerMonth;
    return {
      charges: [
        {
          what: `write request units (~${writes}/month)`,
          quantity: writes / 1e6,
          priceKey: priceKey.dynamodbMillionWrites,
        },
        {
          what: `read request units (~${reads}/month)`,
          quantity: reads / 1e6,
          priceKey: priceKey.dynamodbMillionReads,
        },
      ],
    };
  },
  'AWS::CloudWatch::Alarm': () => ({
    charges: [{ what: 'standard alarm', quantity: 1, priceKey: priceKey.alarmMonth }],
  }),
  'AWS::CloudWatch::Dashboard': () => ({
    charges: [{ what: 'dashboard', quantity: 1, priceKey: priceKey.dashboardMonth }],
  }),

  'AWS::ECR::Repository': (ctx) => ({
    charges: [
      {
        what: 'GB stored',
        quantity: ctx.input.usage.ecrStorageGiB / count(ctx, 'AWS::ECR::Repository'),
        priceKey: priceKey.ecrGbMonth,
      },
    ],
  }),

  'AWS::CodePipeline::Pipeline': (ctx) => {
    if (ctx.resource.Properties?.PipelineType === 'V2') {
      const minutes = ctx.input.usage.pipelineActionMinutes / count(ctx, 'AWS::CodePipeline::Pipeline');
      return {
        charges: [{ what: 'action-execution minutes', quantity: minutes, priceKey: priceKey.pipelineV2ActionMinute }],
      };
    }
    return { charges: [{ what: 'active V1 pipeline', quantity: 1, priceKey: priceKey.pipelineV1Month }] };
  },

  'AWS::CodeBuild::Project': (ctx) => {
    const environment = ctx.resource.Properties?.Environment ?? {};
    const arch = String(environment.Type ?? '').startsWith('ARM') ? 'arm64' : 'x86_64';
    const minutes = ctx.input.usage.buildMinutes / count(ctx, 'AWS::CodeBuild::Project');
    return {
      charges: [
        {
          what: 'build minutes',
          quantity: minutes,
          priceKey: priceKey.codeBuildMinute(String(environment.ComputeType), arch),
        },
      ],
    };
  },

  'AWS::Lambda::Function': (ctx) => {
    const isCustomResourceHandler = ctx.all.some(
      (entry) =>
        entry.stack === ctx.stack &&
        (entry.resource.Type.startsWith('Custom::') || entry.resource.Type === 'AWS::CloudFormation::CustomResource') &&
        JSON.stringify(entry.resource.Properties?.ServiceToken ?? '').includes(`"${ctx.logicalId}"`),
    );
    const scheduled = ctx.all.some(
      (entry) =>
        entry.stack === ctx.stack &&
        entry.resource.Type === 'AWS::Events::Rule' &&
        JSON.stringify(entry.resource.Properties?.Targets ?? '').includes(`"${ctx.logicalId}"`),
    );
    if (isCustomResourceHandler && !scheduled) {
      return { free: 'custom-resource handler: runs only during deployments, within the free tier' };
    }
    // Invocations stay unpriced (no sourced Lambda price); the custom metrics it declares are priced.
    const metrics = literalNumber(tagValue(ctx.resource, CUSTOM_METRICS_TAG)) ?? 0;
    return {
      charges: [
        { what: 'custom metrics published', quantity: metrics, priceKey: priceKey.customMetricMonth },
        { what: 'invocations', quantity: 1, priceKey: priceKey.lambdaMillionRequests },
      ],
    };
  },

  'AWS::WAFv2::WebACL': (ctx) => {
    const rules = Array.isArray(ctx.resource.Properties?.Rules) ? ctx.resource.Properties.Rules.length : 0;
    return {
      charges: [
        { what: 'web ACL', quantity: 1, priceKey: priceKey.wafWebAclMonth },
        { what: 'rules', quantity: rules, priceKey: priceKey.wafRuleMonth },
        { what: 'million requests', quantity: ctx.input.usage.requestsMillions, priceKey: priceKey.wafMillionRequests },
      ],
    };
  },

  'AWS::S3::Bucket': (ctx) => ({
    charges: [
      {
        what: 'GB Standard',
        quantity: ctx.input.usage.s3StorageGiB / count(ctx, 'AWS::S3::Bucket'),
        priceKey: priceKey.s3StandardGbMonth,
      },
    ],
  }),

  'AWS::CloudFront::Distribution': (ctx) => ({
    charges: [
      { what: 'GB out', quantity: ctx.input.usage.cdnDataGiB, priceKey: priceKey.cloudFrontGb },
      {
        what: '10k HTTPS requests',
        quantity: ctx.input.usage.requestsMillions * 100,
        priceKey: priceKey.cloudFrontTenThousandHttps,
      },
    ],
    note: "before CloudFront's account-wide always-free tier (1 TB, 10 M requests)",
  }),
};

/**
 * A scalable target's bound: a literal, or the configured value a Custom::ServiceBounds resource
 * (bounds resolved from the state record at deploy time) carries as MinTasks / MaxTasks.
 */
function scalingBound(ctx: RuleContext, value: unknown): number | undefined {
  const literal = literalNumber(value);
  if (literal !== undefined) return literal;
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  const resolver = getAtt ? ctx.stack.template.Resources?.[getAtt[0]] : undefined;
  if (resolver?.Type !== 'Custom::ServiceBounds') return undefined;
  return literalNumber(resolver.Properties?.[getAtt![1] === 'Min' ? 'MinTasks' : 'MaxTasks']);
}

/** Fargate tasks of one service: on-demand and Spot shares, architecture, public IPs. */
function serviceCharges(ctx: RuleContext): RuleResult {
  const props = ctx.resource.Properties ?? {};
  const taskDefinitionId = props.TaskDefinition?.Ref;
  const taskDefinition = ctx.stack.template.Resources?.[taskDefinitionId];
  if (!taskDefinition) return { unpriced: 'task definition is not in the same template' };
  const vcpu = (literalNumber(taskDefinition.Properties?.Cpu) ?? NaN) / 1024;
  const memoryGb = (literalNumber(taskDefinition.Properties?.Memory) ?? NaN) / 1024;
  if (Number.isNaN(vcpu) || Number.isNaN(memoryGb)) return { unpriced: 'task CPU or memory is not a literal' };
  const arch = taskDefinition.Properties?.RuntimePlatform?.CpuArchitecture === 'ARM64' ? 'arm64' : 'x86_64';

  const scalableTarget = ctx.all.find(
    (entry) =>
      entry.stack === ctx.stack &&
      entry.resource.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' &&
      JSON.stringify(entry.resource.Properties?.ResourceId ?? '').includes(`"${ctx.logicalId}"`),
  );
  const minimum = scalingBound(ctx, scalableTarget?.resource.Properties?.MinCapacity) ?? 0;
  const maximum = scalingBound(ctx, scalableTarget?.resource.Properties?.MaxCapacity);
  const desired = literalNumber(props.DesiredCount);
  if (desired === undefined && !scalableTarget)
    ctx.assume(`${ctx.logicalId}: no DesiredCount in the template; 1 task assumed`);
  // Paused and minimal run no task, whatever the bounds a deploy would resolve.
  const tasks = ctx.input.state === 'running' ? Math.max(desired ?? (scalableTarget ? 0 : 1), minimum) : 0;

  // Capacity-provider strategy: `base` tasks on the first provider, the rest split by weight.
  const strategy = (props.CapacityProviderStrategy ?? []) as Array<{
    CapacityProvider: string;
    Base?: number;
    Weight?: number;
  }>;
  let spotTasks = 0;
  if (strategy.length > 0) {
    let remaining = tasks;
    const placed = new Map<string, number>();
    for (const item of strategy) {
      const base = Math.min(item.Base ?? 0, remaining);
      placed.set(item.CapacityProvider, (placed.get(item.CapacityProvider) ?? 0) + base);
      remaining -= base;
    }
    const totalWeight = strategy.reduce((sum, item) => sum + (item.Weight ?? 0), 0);
    for (const item of strategy) {
      const share = totalWeight > 0 ? (remaining * (item.Weight ?? 0)) / totalWeight : 0;
      placed.set(item.CapacityProvider, (placed.get(item.CapacityProvider) ?? 0) + share);
    }
    spotTasks = placed.get('FARGATE_SPOT') ?? 0;
  }
  const onDemandTasks = tasks - spotTasks;
  const spotFactor = 1 - ctx.input.usage.fargateSpotDiscount;
  const charges: Charge[] = [];
  const add = (label: string, taskCount: number, factor: number) => {
    if (taskCount <= 0) return;
    charges.push({
      what: `${label} vCPU-hours (${fmt(taskCount)} x ${vcpu} vCPU)`,
      quantity: taskCount * vcpu * HOURS_PER_MONTH * factor,
      priceKey: priceKey.fargateVcpuHour(arch),
    });
    charges.push({
      what: `${label} GB-hours (${fmt(taskCount)} x ${memoryGb} GB)`,
      quantity: taskCount * memoryGb * HOURS_PER_MONTH * factor,
      priceKey: priceKey.fargateGbHour(arch),
    });
  };
  add(`${arch} on-demand`, onDemandTasks, 1);
  add(`${arch} Spot (-${Math.round(ctx.input.usage.fargateSpotDiscount * 100)}%)`, spotTasks, spotFactor);
  if (props.NetworkConfiguration?.AwsvpcConfiguration?.AssignPublicIp === 'ENABLED' && tasks > 0) {
    charges.push({
      what: `public IPv4 hours (${fmt(tasks)} task${tasks === 1 ? '' : 's'})`,
      quantity: tasks * HOURS_PER_MONTH,
      priceKey: priceKey.publicIpv4Hour,
    });
  }
  const scaling = maximum !== undefined ? `; scales ${minimum}-${maximum} tasks` : '';
  return { charges, note: tasks === 0 ? `0 tasks${scaling}` : `${fmt(tasks)} task${tasks === 1 ? '' : 's'}${scaling}` };
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** The module a resource belongs to: its `module` tag, else the first construct under its stack. */
function moduleOf(resource: CfnResource): string {
  const tagged = tagValue(resource, 'module');
  if (typeof tagged === 'string') return tagged;
  // Paths are <stage>/<stack>/<module construct>/...: the module is the third part.
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path === 'string') {
    const parts = path.split('/');
    const construct = parts[Math.min(2, parts.length - 1)];
    if (/^Custom.*Provider$/.test(construct)) return 'custom-resources';
    return construct.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  }
  return 'other';
}

function describePrice(entry: PriceEntry): string {
  return isPriced(entry) ? `${entry.usd} USD/${entry.unit}` : `unpriced (${entry.reason})`;
}

/** Prices every resource of one environment's templates, plus its usage items. */
export function estimate(input: EstimateInput): CostEstimate {
  const assumptions = new Set<string>();
  const all = input.stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {}).map(([logicalId, resource]) => ({ stack, logicalId, resource })),
  );
  const lines: CostLine[] = [];

  for (const { stack, logicalId, resource } of all) {
    const table = input.priceTables(stack.region);
    const base = { stack: stack.stackName, logicalId, type: resource.Type, module: moduleOf(resource) };
    const rule = RULES[resource.Type];
    const result: RuleResult | undefined = rule
      ? rule({ logicalId, resource, stack, input, all, assume: (text) => assumptions.add(text) })
      : FREE[resource.Type] !== undefined
        ? { free: FREE[resource.Type] }
        : resource.Type.startsWith('Custom::')
          ? { free: 'custom resource: its handler is listed separately' }
          : undefined;
    if (!result) {
      lines.push({ ...base, monthlyUsd: 0, status: 'unpriced', basis: `no price rule for ${resource.Type}` });
    } else if ('free' in result) {
      lines.push({ ...base, monthlyUsd: 0, status: 'free', basis: result.free });
    } else if ('unpriced' in result) {
      lines.push({ ...base, monthlyUsd: 0, status: 'unpriced', basis: result.unpriced });
    } else {
      lines.push({ ...base, ...priceCharges(result.charges, table, result.note) });
    }
  }

  // Usage billed per environment rather than per resource.
  const table = input.priceTables(input.region);
  const retentionMonths = input.logRetentionDays / 30.4;
  // Logs come from running tasks and the database: none are ingested while paused or minimal.
  const ingested = input.state === 'running' ? input.usage.logIngestGiB : 0;
  lines.push({
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
      table,
    ),
  });

  const usage = input.usage;
  assumptions.add(
    `usage: ${usage.albLcu} LCU, ${usage.natDataGiB} GB via NAT, ${usage.logIngestGiB} GB logs, ${usage.ecrStorageGiB} GB images, ` +
      `${usage.buildMinutes} build min, ${usage.pipelineActionMinutes} pipeline action min, ${usage.s3StorageGiB} GB S3, ` +
      `${usage.cdnDataGiB} GB CDN, ${usage.requestsMillions} M requests, ${usage.databaseBackupGiB} GB DB backups, Spot ${Math.round(usage.fargateSpotDiscount * 100)}% off`,
  );
  assumptions.add(
    '730 hours a month; account-wide free tiers not deducted; data transfer out (first 100 GB a month free) not included',
  );
  if (input.state !== 'running') {
    assumptions.add(
      `state ${input.state}: the database is stopped (storage and backups only), services at zero tasks, no logs ingested`,
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

function priceCharges(
  charges: readonly Charge[],
  table: PriceTable,
  note?: string,
): Pick<CostLine, 'monthlyUsd' | 'status' | 'basis'> {
  let total = 0;
  const parts: string[] = [];
  const missing: string[] = [];
  for (const charge of charges) {
    const entry = table.prices[charge.priceKey];
    if (!entry) {
      missing.push(`${charge.priceKey} (not in the ${table.region} price table)`);
      continue;
    }
    if (!isPriced(entry)) {
      missing.push(`${charge.priceKey}: ${entry.reason}`);
      continue;
    }
    if (charge.quantity === 0) continue;
    total += charge.quantity * entry.usd;
    parts.push(`${fmt(round2(charge.quantity))} ${charge.what} x ${describePrice(entry)}`);
  }
  const basis = [parts.join(' + ') || 'nothing billed', note].filter(Boolean).join('; ');
  if (missing.length > 0) {
    return { monthlyUsd: round2(total), status: 'unpriced', basis: `${basis}; unpriced: ${missing.join(', ')}` };
  }
  return { monthlyUsd: round2(total), status: 'priced', basis };
}
