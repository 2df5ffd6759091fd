import { dailyCron } from '../../config/validate/scheduled-scaling';
import { HOURS_PER_MONTH, priceKey } from '../price-table';
import {
  type Charge,
  type CommitmentUse,
  CUSTOM_METRICS_TAG,
  formatQuantity,
  literalNumber,
  referencedBy,
  type RuleContext,
  type RuleResult,
  type RuleTable,
  tagValue,
} from './context';

/** ECS services on Fargate (on-demand and Spot), their cluster, and Lambda functions. */
export const computeRules: RuleTable = {
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

  'AWS::Lambda::Function': (ctx) => {
    const isCustomResourceHandler = ctx.all.some(
      (entry) =>
        (entry.resource.Type.startsWith('Custom::') || entry.resource.Type === 'AWS::CloudFormation::CustomResource') &&
        referencedBy(ctx, entry, 'ServiceToken'),
    );
    const scheduled = ctx.all.some(
      (entry) => entry.resource.Type === 'AWS::Events::Rule' && referencedBy(ctx, entry, 'Targets'),
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

/**
 * Tasks per capacity provider: `base` tasks on the providers in order, the rest split by weight.
 * Returns how many of `tasks` run on Fargate Spot (no strategy: none).
 */
function spotShare(
  strategy: ReadonlyArray<{ CapacityProvider: string; Base?: number; Weight?: number }>,
  tasks: number,
): number {
  if (strategy.length === 0) return 0;
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
  return placed.get('FARGATE_SPOT') ?? 0;
}

/**
 * The scheduled-minimum windows of a scalable target (`<name>-start` raising the minimum,
 * `<name>-end` lowering it, in `cron(M H ? * DAYS *)` form), with their hours a week.
 */
function scheduledWindows(actions: unknown): Array<{ name: string; minTasks: number; hoursPerWeek: number }> {
  const list = (Array.isArray(actions) ? actions : []) as Array<{
    ScheduledActionName?: string;
    Schedule?: string;
    ScalableTargetAction?: { MinCapacity?: unknown };
  }>;
  const byName = new Map(list.map((action) => [action.ScheduledActionName, action]));
  const windows: Array<{ name: string; minTasks: number; hoursPerWeek: number }> = [];
  for (const start of list) {
    const name = start.ScheduledActionName?.replace(/-start$/, '');
    if (!name || name === start.ScheduledActionName) continue;
    const end = byName.get(`${name}-end`);
    const from = dailyCron(String(start.Schedule ?? ''));
    const to = dailyCron(String(end?.Schedule ?? ''));
    const minTasks = literalNumber(start.ScalableTargetAction?.MinCapacity);
    if (!from || !to || minTasks === undefined || to.minutes <= from.minutes) continue;
    windows.push({ name, minTasks, hoursPerWeek: ((to.minutes - from.minutes) / 60) * from.days.size });
  }
  return windows;
}

/** The tasks an ECS service runs in a month, as the compute rule prices them. */
export interface ServiceTasks {
  /** Tasks running all month: DesiredCount or the scalable target's minimum, the higher; 0 paused or minimal. */
  readonly tasks: number;
  /** Scheduled minimums above `tasks`: `extra` more tasks for `hours` a month each. */
  readonly scheduled: ReadonlyArray<{ readonly name: string; readonly extra: number; readonly hours: number }>;
  readonly minimum: number;
  readonly maximum: number | undefined;
}

/**
 * The tasks of the ECS service `ctx.resource` in `ctx.state`. Exported for the resources billed
 * per task (Cloud Map's registered instances), so they count the tasks the Fargate line prices.
 */
export function serviceTasks(ctx: RuleContext): ServiceTasks {
  const props = ctx.resource.Properties ?? {};
  const scalableTarget = ctx.all.find(
    (entry) =>
      entry.resource.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' && referencedBy(ctx, entry, 'ResourceId'),
  );
  const minimum = scalingBound(ctx, scalableTarget?.resource.Properties?.MinCapacity) ?? 0;
  const maximum = scalingBound(ctx, scalableTarget?.resource.Properties?.MaxCapacity);
  const desired = literalNumber(props.DesiredCount);
  if (desired === undefined && !scalableTarget)
    ctx.assume(`${ctx.logicalId}: no DesiredCount in the template; 1 task assumed`);
  // Paused and minimal run no task, whatever the bounds a deploy would resolve.
  const tasks = ctx.state === 'running' ? Math.max(desired ?? (scalableTarget ? 0 : 1), minimum) : 0;
  // A window's hours a month: a week is 7 days, a month 730 / 168 weeks.
  const windows =
    ctx.state === 'running' ? scheduledWindows(scalableTarget?.resource.Properties?.ScheduledActions) : [];
  const scheduled = windows
    .filter((window) => window.minTasks > tasks)
    .map((window) => ({
      name: window.name,
      extra: window.minTasks - tasks,
      hours: (window.hoursPerWeek * HOURS_PER_MONTH) / 168,
    }));
  return { tasks, scheduled, minimum, maximum };
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

  const { tasks, scheduled, minimum, maximum } = serviceTasks(ctx);

  const spotTasks = spotShare(props.CapacityProviderStrategy ?? [], tasks);
  const onDemandTasks = tasks - spotTasks;
  const spotFactor = 1 - ctx.usage.fargateSpotDiscount;
  const charges: Charge[] = [];
  const add = (label: string, taskCount: number, factor: number, commitment: CommitmentUse) => {
    if (taskCount <= 0) return;
    charges.push({
      what: `${label} vCPU-hours (${formatQuantity(taskCount)} x ${vcpu} vCPU)`,
      quantity: taskCount * vcpu * HOURS_PER_MONTH * factor,
      priceKey: priceKey.fargateVcpuHour(arch),
      commitment,
    });
    charges.push({
      what: `${label} GB-hours (${formatQuantity(taskCount)} x ${memoryGb} GB)`,
      quantity: taskCount * memoryGb * HOURS_PER_MONTH * factor,
      priceKey: priceKey.fargateGbHour(arch),
      commitment,
    });
  };
  add(`${arch} on-demand`, onDemandTasks, 1, 'fargate-on-demand');
  add(`${arch} Spot (-${Math.round(ctx.usage.fargateSpotDiscount * 100)}%)`, spotTasks, spotFactor, 'fargate-spot');
  const taskLabel = `${formatQuantity(tasks)} task${tasks === 1 ? '' : 's'}`;
  if (props.NetworkConfiguration?.AwsvpcConfiguration?.AssignPublicIp === 'ENABLED' && tasks > 0) {
    charges.push({
      what: `public IPv4 hours (${taskLabel})`,
      quantity: tasks * HOURS_PER_MONTH,
      priceKey: priceKey.publicIpv4Hour,
    });
  }
  // The scheduled windows' extra tasks, on-demand and Spot as the strategy places them above the floor.
  for (const { name, extra, hours } of scheduled) {
    const extraSpot = spotShare(props.CapacityProviderStrategy ?? [], tasks + extra) - spotTasks;
    const factor = hours / HOURS_PER_MONTH;
    add(
      `${arch} on-demand, ${name} (+${formatQuantity(extra - extraSpot)} for ${formatQuantity(hours)} h)`,
      extra - extraSpot,
      factor,
      'fargate-scheduled',
    );
    add(
      `${arch} Spot, ${name} (+${formatQuantity(extraSpot)} for ${formatQuantity(hours)} h)`,
      extraSpot,
      spotFactor * factor,
      'fargate-spot',
    );
  }
  const scaling = maximum !== undefined ? `; scales ${minimum}-${maximum} tasks` : '';
  return { charges, note: `${taskLabel}${scaling}` };
}
