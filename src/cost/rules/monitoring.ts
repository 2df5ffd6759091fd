import { priceKey } from '../price-table';
import { TRACING_CONTAINER_NAME } from '../../modules/app-task/app-task';
import { monthly, type RuleTable } from './context';

/**
 * CloudWatch alarms and dashboards: flat monthly charges (custom metrics are priced where they are
 * published). Account-wide free tiers (10 alarms, 3 dashboards) are not deducted.
 */
export const monitoringRules: RuleTable = {
  /**
   * CloudWatch bills standard alarms per alarm metric (its pricing page: 0.10 USD "per alarm metric"
   * a month): an alarm on a metric math expression counts
   * each metric the expression reads (`Metrics` entries with a `MetricStat`), e.g. a 5xx rate
   * from requests and two error counts is three alarm metrics.
   */
  'AWS::CloudWatch::Alarm': (ctx) => {
    const queries = (ctx.resource.Properties?.Metrics ?? []) as Array<{ MetricStat?: unknown }>;
    const read = queries.filter((query) => query.MetricStat !== undefined).length;
    if (read <= 1) return { charges: [{ what: 'standard alarm', quantity: 1, priceKey: priceKey.alarmMonth }] };
    return {
      charges: [
        {
          what: `alarm metrics (a metric math alarm reading ${read} metrics; billed per alarm metric)`,
          quantity: read,
          priceKey: priceKey.alarmMonth,
        },
      ],
    };
  },
  'AWS::CloudWatch::CompositeAlarm': monthly('composite alarm', priceKey.compositeAlarmMonth),
  'AWS::CloudWatch::Dashboard': monthly('dashboard', priceKey.dashboardMonth),
  /**
   * A target tracking policy makes Application Auto Scaling create two CloudWatch alarms (scale
   * out, scale in), billed like any other; step and predictive policies create none (a step
   * policy's alarms are the template's own, listed on their lines).
   */
  'AWS::ApplicationAutoScaling::ScalingPolicy': (ctx) =>
    ctx.resource.Properties?.PolicyType === 'TargetTrackingScaling'
      ? {
          charges: [
            { what: 'standard alarms it creates (scale out, scale in)', quantity: 2, priceKey: priceKey.alarmMonth },
          ],
        }
      : { free: "no charge (a step policy's alarms are listed separately; predictive scaling creates none)" },
  /**
   * A task definition is billed through the service or task that runs it; with the tracing
   * collector (`compute.tracing`), the web task's traces are priced here: requests x the sampled
   * share (the worker's jobs are not counted; the account's free 100,000 traces are not deducted).
   */
  'AWS::ECS::TaskDefinition': (ctx) => {
    const containers = (ctx.resource.Properties?.ContainerDefinitions ?? []) as Array<{
      Name?: string;
      Environment?: Array<{ Name?: string; Value?: string }>;
    }>;
    const traced = containers.some((container) => container.Name === TRACING_CONTAINER_NAME);
    const family = String(ctx.resource.Properties?.Family ?? '');
    if (!traced || !family.endsWith('-web')) return { free: 'billed through the service or task that runs it' };
    const rate = Number(
      containers
        .flatMap((container) => container.Environment ?? [])
        .find((variable) => variable.Name === 'OTEL_TRACES_SAMPLER_ARG')?.Value ?? 0,
    );
    const stopped = ctx.state !== 'running';
    return {
      charges: [
        {
          what: `million traces recorded (${ctx.usage.requestsMillions} M requests x ${rate * 100}% sampled)`,
          quantity: stopped ? 0 : ctx.usage.requestsMillions * rate,
          priceKey: priceKey.xrayMillionTraces,
        },
      ],
      note: stopped ? 'no task runs: no trace' : undefined,
    };
  },
};
