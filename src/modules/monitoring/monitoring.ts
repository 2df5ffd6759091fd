import { Duration, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { MonitoringConfig } from '../../config/types';

// Plain aws-cdk-lib CloudWatch constructs rather than cdk-monitoring-constructs: that library
// would be one more dependency to pin and keep in step with aws-cdk-lib for a dozen alarms and
// one dashboard, and its defaults (names, actions, missing-data treatment) would need overriding
// one by one to match what is written here anyway.

/** Every threshold set: `MonitoringConfig` with its defaults applied. */
export type MonitoringSettings = Required<MonitoringConfig>;

/** The defaults of `MonitoringConfig` (see its field comments). */
export const MONITORING_DEFAULTS: MonitoringSettings = {
  databaseCpuPercent: 80,
  databaseFreeStorageGiB: 2,
  databaseConnectionsPercent: 80,
  cacheMemoryPercent: 75,
  http5xxPercent: 5,
  dashboard: true,
};

/** `config` (absent: none) with the defaults filled in. */
export function monitoringSettings(config: MonitoringConfig | undefined): MonitoringSettings {
  return {
    ...MONITORING_DEFAULTS,
    ...Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => v !== undefined)),
  };
}

/**
 * The CacheClusterId of each node of a replication group (cluster mode off): ElastiCache names
 * them `<replication group id>-001`, `-002`, ... and publishes its metrics per node.
 */
export function cacheClusterIds(replicationGroupId: string, nodes: number): string[] {
  return Array.from({ length: nodes }, (_, i) => `${replicationGroupId}-${String(i + 1).padStart(3, '0')}`);
}

/** Fewer requests than this in 5 minutes never make a 5xx rate (one error of two is not 50%). */
export const MIN_REQUESTS_FOR_5XX_RATE = 10;

/**
 * Alarms that fire by design while the environment is paused (web at zero tasks, no healthy
 * target): pause could disable their actions and resume enable them again.
 */
export const ALARMS_FIRING_WHILE_PAUSED = [
  'web-below-minimum',
  'no-healthy-web-target',
  'no-web-task',
  'platform-down',
] as const;

export interface MonitoredFunction {
  /** Short label, e.g. `queue-depth`: the alarm is `<name>-<label>-errors`. */
  readonly label: string;
  readonly function: lambda.IFunction;
}

export interface EnvironmentMonitoringProps {
  /** Environment prefix, e.g. `booking-prod`: alarm names `<name>-*` and the dashboard's name. */
  readonly name: string;
  /** Thresholds and the dashboard switch (`monitoringSettings(config.monitoring)`). */
  readonly settings: MonitoringSettings;
  /** The ops topic: every alarm notifies it on ALARM and on OK. */
  readonly topic: sns.ITopic;
  /**
   * The database: its fixed instance identifier (the metrics' DBInstanceIdentifier; a literal,
   * so this stack takes no reference to the data stack) and its `max_connections`.
   */
  readonly database: { readonly identifier: string; readonly maxConnections: number };
  /** The cache nodes' CacheClusterIds (`cacheClusterIds(replicationGroupId, nodes)`); none for a task cache. */
  readonly cacheClusterIds: readonly string[];
  /**
   * The cache task's service (`cache.hosting: task`) and the share of its memory Valkey may fill:
   * its memory alarm and dashboard graphs read the service's ECS metrics.
   * @default none (an ElastiCache cache)
   */
  readonly cacheTask?: { readonly service: ecs.FargateService; readonly maxmemoryShare: number };
  readonly webService: ecs.FargateService;
  readonly workerService: ecs.FargateService;
  /** The web service's configured minimum: fewer healthy targets for 10 minutes pages. */
  readonly webMinTasks: number;
  /**
   * Container Insights is on (`compute.containerInsights`): running and desired task counts
   * exist (ECS/ContainerInsights) and both services get a "running below desired" alarm.
   * Without it AWS/ECS has CPU and memory only, so web is watched through the load balancer's
   * healthy targets and the worker is not watched (its backlog-missing and Lambda alarms remain).
   */
  readonly containerInsights: boolean;
  /**
   * The API's front door: the load balancer and its target group (`ingress: alb`), or the HTTP
   * API's id (`ingress: http-api`), whose `Count`, `5xx` and `Latency` metrics stand in for the
   * load balancer's. Without a target group, "no web task" is the web service's CPU metric
   * missing (ECS publishes it only while a task runs), and without Container Insights the web's
   * "below minimum" alarm has no metric to watch, so there is none.
   */
  readonly ingress:
    | {
        readonly kind: 'alb';
        readonly loadBalancer: elbv2.ApplicationLoadBalancer;
        readonly targetGroup: elbv2.ApplicationTargetGroup;
      }
    | { readonly kind: 'http-api'; readonly apiId: string };
  /** The app stack's functions: one Errors alarm each. */
  readonly functions: readonly MonitoredFunction[];
  /** QueueMetrics.backlog: the metric the worker scales on. */
  readonly backlog: cloudwatch.Metric;
}

/**
 * The environment's alarms, its composite "platform down" alarm and its dashboard. Every alarm
 * notifies the ops topic on ALARM and on OK. Cost: 0.10 USD/month per alarm, 0.50 for the
 * composite, 3 for the dashboard.
 */
export class EnvironmentMonitoring extends Construct {
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly platformDown: cloudwatch.CompositeAlarm;
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: EnvironmentMonitoringProps) {
    super(scope, id);
    Tags.of(this).add('module', 'monitoring');
    const { settings, name } = props;
    const notify = (alarm: cloudwatch.AlarmBase) => {
      alarm.addAlarmAction(new actions.SnsAction(props.topic));
      alarm.addOkAction(new actions.SnsAction(props.topic));
    };
    const alarm = (
      alarmId: string,
      description: string,
      options: Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription'>,
    ): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${name}-${kebab(alarmId)}`,
        alarmDescription: description,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      notify(created);
      this.alarms.push(created);
      return created;
    };
    const five = Duration.minutes(5);
    const one = Duration.minutes(1);
    const GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;

    // Database (metrics by its fixed identifier; none while it is stopped: not breaching).
    const rds = (metricName: string, statistic: string, period = five) =>
      new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName,
        dimensionsMap: { DBInstanceIdentifier: props.database.identifier },
        statistic,
        period,
      });
    alarm('DatabaseCpu', `Database CPU above ${settings.databaseCpuPercent}% for 15 minutes`, {
      metric: rds('CPUUtilization', 'Average'),
      threshold: settings.databaseCpuPercent,
      comparisonOperator: GT,
      evaluationPeriods: 3,
    });
    const storage = alarm(
      'DatabaseFreeStorage',
      `Database free storage below ${settings.databaseFreeStorageGiB} GiB (raise database.maxAllocatedStorageGiB or clean up)`,
      {
        metric: rds('FreeStorageSpace', 'Minimum'),
        threshold: settings.databaseFreeStorageGiB * 1024 ** 3,
        comparisonOperator: LT,
        evaluationPeriods: 1,
      },
    );
    const connectionLimit = Math.floor((props.database.maxConnections * settings.databaseConnectionsPercent) / 100);
    alarm(
      'DatabaseConnections',
      `Database connections above ${connectionLimit} (${settings.databaseConnectionsPercent}% of max_connections ${props.database.maxConnections}) for 10 minutes`,
      {
        metric: rds('DatabaseConnections', 'Maximum'),
        threshold: connectionLimit,
        comparisonOperator: GT,
        evaluationPeriods: 2,
      },
    );

    // Cache: per node. noeviction: when maxmemory is reached, writes (enqueues, sessions) fail.
    const cacheMetric = (clusterId: string, metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ElastiCache',
        metricName,
        dimensionsMap: { CacheClusterId: clusterId },
        statistic,
        period: five,
      });
    for (const clusterId of props.cacheClusterIds) {
      const node = clusterId.slice(-3);
      alarm(
        `CacheMemory${node}`,
        `Cache node ${clusterId} uses more than ${settings.cacheMemoryPercent}% of maxmemory for 10 minutes (noeviction: enqueues fail when full)`,
        {
          metric: cacheMetric(clusterId, 'DatabaseMemoryUsagePercentage', 'Maximum'),
          threshold: settings.cacheMemoryPercent,
          comparisonOperator: GT,
          evaluationPeriods: 2,
        },
      );
    }

    if (props.cacheTask) {
      // The task's memory holds Valkey's data (up to maxmemory, a share of it) and the tunnel.
      const threshold = Math.round(settings.cacheMemoryPercent * props.cacheTask.maxmemoryShare);
      alarm(
        'CacheTaskMemory',
        `The cache task uses more than ${threshold}% of its memory (${settings.cacheMemoryPercent}% of Valkey's maxmemory) for 10 minutes (noeviction: enqueues fail when full)`,
        {
          metric: props.cacheTask.service.metricMemoryUtilization({ period: five, statistic: 'Maximum' }),
          threshold,
          comparisonOperator: GT,
          evaluationPeriods: 2,
        },
      );
    }

    // Lambdas: any error in 5 minutes.
    for (const { label, function: fn } of props.functions) {
      alarm(`${pascal(label)}Errors`, `The ${label} function failed at least once in 5 minutes`, {
        metric: fn.metricErrors({ period: five, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: GTE,
        evaluationPeriods: 1,
      });
    }

    // Tasks running below what they should.
    const ingress = props.ingress;
    const front = frontDoorMetrics(props);
    const healthy =
      ingress.kind === 'alb'
        ? ingress.targetGroup.metrics.healthyHostCount({ period: one, statistic: 'Minimum' })
        : undefined;
    if (props.containerInsights) {
      for (const [role, service] of [
        ['Web', props.webService],
        ['Worker', props.workerService],
      ] as const) {
        const count = (metricName: string) =>
          new cloudwatch.Metric({
            namespace: 'ECS/ContainerInsights',
            metricName,
            dimensionsMap: { ClusterName: service.cluster.clusterName, ServiceName: service.serviceName },
            statistic: 'Average',
            period: one,
          });
        alarm(`${role}BelowDesired`, `${role} runs fewer tasks than desired for 10 minutes`, {
          metric: new cloudwatch.MathExpression({
            expression: 'desired - running',
            usingMetrics: { desired: count('DesiredTaskCount'), running: count('RunningTaskCount') },
            label: 'tasks missing',
            period: one,
          }),
          threshold: 0,
          comparisonOperator: GT,
          evaluationPeriods: 10,
          datapointsToAlarm: 10,
        });
      }
    } else if (healthy) {
      // AWS/ECS has no running/desired counts without Container Insights: healthy targets of the
      // load balancer stand in for the web's running tasks (the worker is not watched this way).
      alarm('WebBelowMinimum', `Fewer than ${props.webMinTasks} healthy web targets for 10 minutes`, {
        metric: healthy,
        threshold: props.webMinTasks,
        comparisonOperator: LT,
        evaluationPeriods: 10,
        datapointsToAlarm: 10,
      });
    }
    const noHealthyTarget = healthy
      ? alarm('NoHealthyWebTarget', 'No healthy web target for 5 minutes: the API is down', {
          metric: healthy,
          threshold: 1,
          comparisonOperator: LT,
          evaluationPeriods: 5,
          datapointsToAlarm: 5,
        })
      : // ECS publishes the service's CPU only while one of its tasks runs: none for 5 minutes is no web task.
        alarm('NoWebTask', 'No web task ran for 5 minutes: the API is down', {
          metric: props.webService.metricCpuUtilization({ period: one, statistic: 'SampleCount' }),
          threshold: 1,
          comparisonOperator: LT,
          evaluationPeriods: 5,
          datapointsToAlarm: 5,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        });

    // 5xx rate: every 5xx the clients saw (from the application and from the front door).
    const fiveXxRate = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${MIN_REQUESTS_FOR_5XX_RATE}, 100 * (${Object.keys(front.fiveXx)
        .map((id) => `FILL(${id}, 0)`)
        .join(' + ')}) / requests, 0)`,
      usingMetrics: { requests: front.requests, ...front.fiveXx },
      label: '5xx % of requests',
      period: five,
    });
    const http5xx = alarm(
      'Http5xxRate',
      `More than ${settings.http5xxPercent}% of requests answered 5xx for 10 minutes (at least ${MIN_REQUESTS_FOR_5XX_RATE} requests per 5 minutes)`,
      { metric: fiveXxRate, threshold: settings.http5xxPercent, comparisonOperator: GT, evaluationPeriods: 2 },
    );

    // The backlog publisher: no datapoint for 10 minutes pages. Missing data is BREACHING here,
    // and only here: the worker's scaling alarms keep treating it as not breaching / missing, so
    // a broken publisher neither scales the workers out nor in, it pages.
    const backlogMissing = alarm(
      'BacklogMetricMissing',
      'The queue-backlog publisher sent no QueueBacklog datapoint for 10 minutes: the worker cannot scale on it',
      {
        metric: props.backlog.with({ statistic: 'SampleCount', period: one }),
        threshold: 1,
        comparisonOperator: LT,
        evaluationPeriods: 10,
        datapointsToAlarm: 10,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      },
    );

    this.platformDown = new cloudwatch.CompositeAlarm(this, 'PlatformDown', {
      compositeAlarmName: `${name}-platform-down`,
      alarmDescription:
        'The platform is down or about to be: 5xx rate, no healthy web task, no backlog metric (workers cannot scale), or database storage nearly full',
      alarmRule: cloudwatch.AlarmRule.anyOf(http5xx, noHealthyTarget, backlogMissing, storage),
    });
    notify(this.platformDown);

    if (settings.dashboard) {
      this.dashboard = this.buildDashboard(props, front, healthy, fiveXxRate, rds, cacheMetric, connectionLimit);
    }
  }

  private buildDashboard(
    props: EnvironmentMonitoringProps,
    front: FrontDoorMetrics,
    healthy: cloudwatch.Metric | undefined,
    fiveXxRate: cloudwatch.IMetric,
    rds: (metricName: string, statistic: string) => cloudwatch.Metric,
    cacheMetric: (clusterId: string, metricName: string, statistic: string) => cloudwatch.Metric,
    connectionLimit: number,
  ): cloudwatch.Dashboard {
    const five = Duration.minutes(5);
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });
    const service = (label: string, svc: ecs.FargateService) => {
      const metrics: cloudwatch.IMetric[] = [
        svc.metricCpuUtilization({ period: five, label: 'CPU %' }),
        svc.metricMemoryUtilization({ period: five, label: 'memory %' }),
      ];
      const counts = props.containerInsights
        ? ['RunningTaskCount', 'DesiredTaskCount'].map(
            (metricName) =>
              new cloudwatch.Metric({
                namespace: 'ECS/ContainerInsights',
                metricName,
                dimensionsMap: { ClusterName: svc.cluster.clusterName, ServiceName: svc.serviceName },
                statistic: 'Average',
                period: five,
              }),
          )
        : label === 'Web' && healthy
          ? [healthy.with({ label: 'healthy targets' })]
          : [];
      return graph(`${label} CPU and memory`, metrics, counts.length ? { right: counts } : {});
    };
    const functions = props.functions;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.name,
      defaultInterval: Duration.hours(6),
    });
    dashboard.addWidgets(
      graph(`${front.label} requests`, [front.requests.with({ label: 'requests' })]),
      graph(
        `${front.label} latency p50/p95/p99`,
        ['p50', 'p95', 'p99'].map((statistic) => front.latency(statistic).with({ label: statistic })),
      ),
      graph(`${front.label} 4xx/5xx`, [...front.errorGraph], { right: [fiveXxRate] }),
    );
    const queuedJobs = new cloudwatch.Metric({
      namespace: props.backlog.namespace,
      metricName: 'QueuedJobs',
      dimensionsMap: props.backlog.dimensions as Record<string, string>,
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    dashboard.addWidgets(
      service('Web', props.webService),
      service('Worker', props.workerService),
      graph('Queue backlog and queued jobs', [
        props.backlog.with({ label: 'backlog' }),
        queuedJobs.with({ label: 'queued jobs' }),
      ]),
    );
    dashboard.addWidgets(
      graph('Database CPU', [rds('CPUUtilization', 'Average')]),
      graph('Database connections vs max', [rds('DatabaseConnections', 'Maximum')], {
        leftAnnotations: [
          { value: props.database.maxConnections, label: 'max_connections' },
          { value: connectionLimit, label: 'alarm', color: '#ff7f0e' },
        ],
      }),
      graph('Database free storage', [rds('FreeStorageSpace', 'Minimum')]),
    );
    dashboard.addWidgets(
      graph('Database freeable memory', [rds('FreeableMemory', 'Minimum')]),
      graph('Database read/write latency', [
        rds('ReadLatency', 'Average').with({ label: 'read' }),
        rds('WriteLatency', 'Average').with({ label: 'write' }),
      ]),
      graph(
        'Cache memory %',
        props.cacheTask
          ? [
              props.cacheTask.service.metricMemoryUtilization({
                period: five,
                statistic: 'Maximum',
                label: 'cache task',
              }),
            ]
          : props.cacheClusterIds.map((id) =>
              cacheMetric(id, 'DatabaseMemoryUsagePercentage', 'Maximum').with({ label: id }),
            ),
      ),
    );
    dashboard.addWidgets(
      ...(props.cacheTask
        ? [
            graph('Cache task CPU', [
              props.cacheTask.service.metricCpuUtilization({ period: five, statistic: 'Maximum', label: 'cache task' }),
            ]),
          ]
        : [
            graph(
              'Cache evictions',
              props.cacheClusterIds.map((id) => cacheMetric(id, 'Evictions', 'Sum').with({ label: id })),
            ),
            graph(
              'Cache connections',
              props.cacheClusterIds.map((id) => cacheMetric(id, 'CurrConnections', 'Maximum').with({ label: id })),
            ),
          ]),
      graph(
        'Lambda errors',
        functions.map(({ label, function: fn }) => fn.metricErrors({ period: five, statistic: 'Sum', label })),
      ),
    );
    dashboard.addWidgets(
      graph(
        'Lambda durations',
        functions.map(({ label, function: fn }) => fn.metricDuration({ period: five, statistic: 'p95', label })),
      ),
    );
    return dashboard;
  }
}

/** `DatabaseCpu` -> `database-cpu`, `CacheMemory001` -> `cache-memory-001`. */
function kebab(id: string): string {
  return id
    .replace(/([a-z])([A-Z0-9])/g, '$1-$2')
    .replace(/([0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/** `queue-depth` -> `QueueDepth`. */
function pascal(label: string): string {
  return label
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** What the monitoring reads from the front door, whichever it is. */
interface FrontDoorMetrics {
  /** `ALB` or `API`, in the dashboard's titles. */
  readonly label: string;
  /** Requests per 5 minutes. */
  readonly requests: cloudwatch.Metric;
  /** The 5xx counts per 5 minutes the clients saw, by expression id. */
  readonly fiveXx: Readonly<Record<string, cloudwatch.Metric>>;
  /** 4xx and 5xx counts for the dashboard. */
  readonly errorGraph: readonly cloudwatch.Metric[];
  /** Response time at a percentile, per 5 minutes. */
  latency(statistic: string): cloudwatch.Metric;
}

function frontDoorMetrics(props: EnvironmentMonitoringProps): FrontDoorMetrics {
  const five = Duration.minutes(5);
  const sum5 = { period: five, statistic: 'Sum' };
  const ingress = props.ingress;
  if (ingress.kind === 'alb') {
    const alb = ingress.loadBalancer.metrics;
    return {
      label: 'ALB',
      requests: alb.requestCount(sum5),
      fiveXx: {
        target5xx: alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, sum5),
        elb5xx: alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, sum5),
      },
      errorGraph: [
        alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, { ...sum5, label: 'target 4xx' }),
        alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { ...sum5, label: 'target 5xx' }),
        alb.httpCodeElb(elbv2.HttpCodeElb.ELB_4XX_COUNT, { ...sum5, label: 'ALB 4xx' }),
        alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { ...sum5, label: 'ALB 5xx' }),
      ],
      latency: (statistic) => ingress.targetGroup.metrics.targetResponseTime({ period: five, statistic }),
    };
  }
  // HTTP API metrics (AWS/ApiGateway, dimensions ApiId and Stage): 5xx counts the tasks' answers
  // and API Gateway's own (503 when no task is registered, 504 on the integration's timeout).
  const metric = (metricName: string, statistic: string, label?: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiId: ingress.apiId, Stage: '$default' },
      statistic,
      period: five,
      label,
    });
  return {
    label: 'API',
    requests: metric('Count', 'Sum'),
    fiveXx: { api5xx: metric('5xx', 'Sum') },
    errorGraph: [metric('4xx', 'Sum', '4xx'), metric('5xx', 'Sum', '5xx')],
    latency: (statistic) => metric('Latency', statistic),
  };
}
