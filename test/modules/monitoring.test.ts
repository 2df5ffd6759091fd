import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, platformConfig } from '../../src/config';
import type { EnvironmentConfig, MonitoringConfig } from '../../src/config/types';
import { IssueCollector } from '../../src/config/validate/issues';
import { validateMonitoring } from '../../src/config/validate/monitoring';
import { CACHE_MAXMEMORY_SHARE } from '../../src/modules/cache/cache-service';
import { cacheClusterIds, MONITORING_DEFAULTS, monitoringSettings } from '../../src/modules/monitoring/monitoring';
import {
  DEV_BEHIND_ALB,
  DEV_ON_ELASTICACHE,
  resourcesOfType,
  synth,
  type SynthesizedPlatform,
  withEnvironment,
} from '../helpers';

const TOPIC = /PublishOutputRefAlertsTopic/;
const GIB = 1024 ** 3;

const DEV = environmentNamed(platformConfig, 'dev');

/**
 * Dev behind the ALB, as it ran before its HTTP API: the load balancer's metrics (healthy targets,
 * ALB 5xx, the ALB dashboard) are checked on it and on prod.
 */
const DEV_ALB: EnvironmentConfig = DEV_BEHIND_ALB;

/**
 * Dev with ElastiCache, as it ran before its cache task (`cache.hosting: 'task'`): the per-node
 * cache alarm of a single node is checked on it.
 */
const DEV_ELASTICACHE: EnvironmentConfig = DEV_ON_ELASTICACHE;

/**
 * The dashboard's widgets by title, the body's tokens written as text: `Ref:<id>` for a Ref,
 * `<id>.<attribute>` for a Fn::GetAtt, `<intrinsic>` for any other.
 */
function dashboardWidgets(json: Record<string, any>): Map<string, any> {
  const [[, dashboard]] = resourcesOfType(json, 'AWS::CloudWatch::Dashboard');
  const text = (part: any) =>
    typeof part === 'string'
      ? part
      : part.Ref
        ? `Ref:${part.Ref}`
        : part['Fn::GetAtt']
          ? part['Fn::GetAtt'].join('.')
          : '<intrinsic>';
  const body = JSON.parse(dashboard.Properties.DashboardBody['Fn::Join'][1].map(text).join(''));
  return new Map(body.widgets.map((widget: any) => [widget.properties.title, widget.properties]));
}

/** The logical id of the ECS service named `name`. */
function serviceId(json: Record<string, any>, name: string): string {
  const found = resourcesOfType(json, 'AWS::ECS::Service').find(
    ([, service]) => service.Properties.ServiceName === name,
  );
  assert.ok(found, `no service ${name}`);
  return found[0];
}

/** The alarms of a template by name, without the `booking-<env>-` prefix. */
function alarmsByName(json: Record<string, any>, env: string): Map<string, any> {
  return new Map(
    resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, r]) => [
      r.Properties.AlarmName.replace(`booking-${env}-`, ''),
      r.Properties,
    ]),
  );
}

/** The logical id of the alarm named `booking-<env>-<name>`. */
function alarmId(json: Record<string, any>, env: string, name: string): string {
  const found = resourcesOfType(json, 'AWS::CloudWatch::Alarm').find(
    ([, r]) => r.Properties.AlarmName === `booking-${env}-${name}`,
  );
  assert.ok(found, `no alarm ${name}`);
  return found[0];
}

describe('monitoring: alarms, composite alarm and dashboard', () => {
  let platform: SynthesizedPlatform;
  let prod: Record<string, any>;
  let dev: Record<string, any>;
  let devAlb: Record<string, any>;
  let devElastiCache: Record<string, any>;
  before(() => {
    platform = synth();
    prod = platform.json('prod', 'app');
    dev = platform.json('dev', 'app');
    devAlb = synth({ ...platformConfig, environments: [DEV_ALB] }).json('dev', 'app');
    devElastiCache = synth({ ...platformConfig, environments: [DEV_ELASTICACHE] }).json('dev', 'app');
  });

  // [name, namespace, metric (or expression), statistic, threshold, comparison, period, evaluation periods, datapoints, missing]
  const PROD_ALARMS: Array<
    [string, string, string, string | undefined, number, string, number, number, number | undefined, string]
  > = [
    [
      'database-cpu',
      'AWS/RDS',
      'CPUUtilization',
      'Average',
      80,
      'GreaterThanThreshold',
      300,
      3,
      undefined,
      'notBreaching',
    ],
    [
      'database-free-storage',
      'AWS/RDS',
      'FreeStorageSpace',
      'Minimum',
      2 * GIB,
      'LessThanThreshold',
      300,
      1,
      undefined,
      'notBreaching',
    ],
    // db.t4g.small: max_connections 225, 80% = 180.
    [
      'database-connections',
      'AWS/RDS',
      'DatabaseConnections',
      'Maximum',
      180,
      'GreaterThanThreshold',
      300,
      2,
      undefined,
      'notBreaching',
    ],
    [
      'cache-memory-001',
      'AWS/ElastiCache',
      'DatabaseMemoryUsagePercentage',
      'Maximum',
      75,
      'GreaterThanThreshold',
      300,
      2,
      undefined,
      'notBreaching',
    ],
    [
      'cache-memory-002',
      'AWS/ElastiCache',
      'DatabaseMemoryUsagePercentage',
      'Maximum',
      75,
      'GreaterThanThreshold',
      300,
      2,
      undefined,
      'notBreaching',
    ],
    [
      'queue-depth-errors',
      'AWS/Lambda',
      'Errors',
      'Sum',
      1,
      'GreaterThanOrEqualToThreshold',
      300,
      1,
      undefined,
      'notBreaching',
    ],
    [
      'database-access-errors',
      'AWS/Lambda',
      'Errors',
      'Sum',
      1,
      'GreaterThanOrEqualToThreshold',
      300,
      1,
      undefined,
      'notBreaching',
    ],
    // prod: web minTasks 2, Container Insights off -> healthy targets stand in for running tasks.
    [
      'web-below-minimum',
      'AWS/ApplicationELB',
      'HealthyHostCount',
      'Minimum',
      2,
      'LessThanThreshold',
      60,
      10,
      10,
      'notBreaching',
    ],
    [
      'no-healthy-web-target',
      'AWS/ApplicationELB',
      'HealthyHostCount',
      'Minimum',
      1,
      'LessThanThreshold',
      60,
      5,
      5,
      'notBreaching',
    ],
    [
      'http-5xx-rate',
      'expression',
      'IF(requests >= 10, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)',
      undefined,
      5,
      'GreaterThanThreshold',
      300,
      2,
      undefined,
      'notBreaching',
    ],
    [
      'backlog-metric-missing',
      'booking',
      'QueueBacklog',
      'SampleCount',
      1,
      'LessThanThreshold',
      60,
      10,
      10,
      'breaching',
    ],
  ];

  test('prod: every monitoring alarm, with its metric, threshold, period, evaluation and missing data', () => {
    const alarms = alarmsByName(prod, 'prod');
    for (const [
      name,
      namespace,
      metric,
      statistic,
      threshold,
      comparison,
      period,
      evaluations,
      datapoints,
      missing,
    ] of PROD_ALARMS) {
      const alarm = alarms.get(name);
      assert.ok(alarm, `no alarm ${name}`);
      if (namespace === 'expression') {
        const expression = alarm.Metrics.find((m: any) => m.Expression);
        assert.equal(expression.Expression, metric, name);
        for (const m of alarm.Metrics.filter((m: any) => m.MetricStat)) assert.equal(m.MetricStat.Period, period, name);
      } else {
        assert.equal(alarm.Namespace, namespace, name);
        assert.equal(alarm.MetricName, metric, name);
        assert.equal(alarm.Statistic, statistic, name);
        assert.equal(alarm.Period, period, name);
      }
      assert.equal(alarm.Threshold, threshold, name);
      assert.equal(alarm.ComparisonOperator, comparison, name);
      assert.equal(alarm.EvaluationPeriods, evaluations, name);
      assert.equal(alarm.DatapointsToAlarm, datapoints, name);
      assert.equal(alarm.TreatMissingData, missing, name);
      assert.equal(alarm.AlarmActions.length, 1, name);
      assert.match(JSON.stringify(alarm.AlarmActions), TOPIC, name);
      assert.match(JSON.stringify(alarm.OKActions), TOPIC, name);
    }
    const monitoring = resourcesOfType(prod, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('Monitoring'));
    assert.equal(monitoring.length, PROD_ALARMS.length);
  });

  test('dimensions: the database by identifier, the cache per node, the functions of this stack', () => {
    const alarms = alarmsByName(prod, 'prod');
    assert.deepEqual(alarms.get('database-cpu').Dimensions, [{ Name: 'DBInstanceIdentifier', Value: 'booking-prod' }]);
    assert.deepEqual(alarms.get('cache-memory-001').Dimensions, [
      { Name: 'CacheClusterId', Value: 'booking-prod-acl-001' },
    ]);
    assert.deepEqual(alarms.get('cache-memory-002').Dimensions, [
      { Name: 'CacheClusterId', Value: 'booking-prod-acl-002' },
    ]);
    assert.deepEqual(alarms.get('queue-depth-errors').Dimensions, [
      {
        Name: 'FunctionName',
        Value: {
          Ref: resourcesOfType(prod, 'AWS::Lambda::Function').find(([id]) => id.startsWith('QueueMetrics'))![0],
        },
      },
    ]);
    assert.deepEqual(alarms.get('backlog-metric-missing').Dimensions, [{ Name: 'Environment', Value: 'prod' }]);
  });

  test("every Lambda of the app stack has an errors alarm (dev: the schedule operator too); dev's cache task has one memory alarm, a single ElastiCache node one", () => {
    for (const [env, json] of [
      ['prod', prod],
      ['dev', dev],
    ] as const) {
      // The restore drill's function fails its state machine, whose failed-drill alarm pages instead.
      const functions = resourcesOfType(json, 'AWS::Lambda::Function')
        .map(([id]) => id)
        .filter((id) => !id.startsWith('RestoreDrill'));
      const watched = resourcesOfType(json, 'AWS::CloudWatch::Alarm')
        .filter(([, r]) => r.Properties.MetricName === 'Errors' && r.Properties.Namespace === 'AWS/Lambda')
        .map(([, r]) => r.Properties.Dimensions[0].Value.Ref);
      assert.deepEqual(watched.sort(), functions.sort(), env);
    }
    const alarms = alarmsByName(dev, 'dev');
    assert.ok(alarms.has('schedule-errors'));
    // A cache task: no ElastiCache node to watch, its service's memory instead.
    assert.ok(alarms.has('cache-task-memory'));
    assert.deepEqual(
      [...alarms.keys()].filter((name) => name.startsWith('cache-memory-')),
      [],
    );
    // db.t4g.micro: max_connections 112, 80% = 89.
    assert.equal(alarms.get('database-connections').Threshold, 89);
    // Dev with ElastiCache: one node, one alarm, and no task to watch.
    const withElastiCache = alarmsByName(devElastiCache, 'dev');
    assert.deepEqual(
      [...withElastiCache.keys()].filter((name) => name.startsWith('cache-')),
      ['cache-memory-001'],
    );
    assert.deepEqual(withElastiCache.get('cache-memory-001').Dimensions, [
      { Name: 'CacheClusterId', Value: 'booking-dev-acl-001' },
    ]);
  });

  test("dev (cache task): cache-task-memory watches the cache service's memory, 75% of maxmemory being 45% of the task; a paused cache is not breaching", () => {
    const alarm = alarmsByName(dev, 'dev').get('cache-task-memory');
    assert.ok(alarm, 'cache-task-memory');
    // Valkey's maxmemory is CACHE_MAXMEMORY_SHARE of the task's memory; the alarm fires at
    // cacheMemoryPercent of it, as a node's alarm fires at that share of the node's maxmemory.
    assert.equal(CACHE_MAXMEMORY_SHARE, 0.6);
    assert.deepEqual(
      {
        namespace: alarm.Namespace,
        metric: alarm.MetricName,
        statistic: alarm.Statistic,
        threshold: alarm.Threshold,
        comparison: alarm.ComparisonOperator,
        period: alarm.Period,
        evaluations: alarm.EvaluationPeriods,
        datapoints: alarm.DatapointsToAlarm,
        missing: alarm.TreatMissingData,
      },
      {
        namespace: 'AWS/ECS',
        metric: 'MemoryUtilization',
        statistic: 'Maximum',
        threshold: 45,
        comparison: 'GreaterThanThreshold',
        period: 300,
        evaluations: 2,
        datapoints: undefined,
        // Paused, the service runs no task and publishes nothing.
        missing: 'notBreaching',
      },
    );
    assert.deepEqual(alarm.Dimensions, [
      { Name: 'ClusterName', Value: { Ref: resourcesOfType(dev, 'AWS::ECS::Cluster')[0][0] } },
      { Name: 'ServiceName', Value: { 'Fn::GetAtt': [serviceId(dev, 'booking-dev-cache'), 'Name'] } },
    ]);
    assert.match(alarm.AlarmDescription, /45% of its memory \(75% of Valkey's maxmemory\)/);
    assert.match(JSON.stringify(alarm.AlarmActions), TOPIC);
    assert.match(JSON.stringify(alarm.OKActions), TOPIC);
  });

  test('without Container Insights, healthy targets stand in for running web tasks behind an ALB (dev: minTasks 1); the HTTP API has none, so no web-below-minimum', () => {
    const behindAlb = alarmsByName(devAlb, 'dev').get('web-below-minimum');
    assert.ok(behindAlb, 'dev behind an ALB: web-below-minimum');
    assert.equal(behindAlb.Namespace, 'AWS/ApplicationELB');
    assert.equal(behindAlb.MetricName, 'HealthyHostCount');
    assert.equal(behindAlb.Threshold, 1);
    assert.ok(alarmsByName(devAlb, 'dev').has('no-healthy-web-target'));
    const alarms = alarmsByName(dev, 'dev');
    assert.equal(DEV.compute.containerInsights, false);
    assert.ok(!alarms.has('web-below-minimum'), 'dev (HTTP API): web-below-minimum');
    assert.ok(!alarms.has('no-healthy-web-target'), 'dev (HTTP API): no-healthy-web-target');
  });

  test("dev (HTTP API): no-web-task breaches when the web service publishes no CPU (no task runs); the 5xx rate reads the API's 5xx and Count", () => {
    const alarms = alarmsByName(dev, 'dev');
    const [webServiceId] = resourcesOfType(dev, 'AWS::ECS::Service').find(
      ([, service]) => service.Properties.ServiceName === 'booking-dev-web',
    )!;
    const noWebTask = alarms.get('no-web-task');
    assert.ok(noWebTask, 'no-web-task');
    assert.deepEqual(
      {
        namespace: noWebTask.Namespace,
        metric: noWebTask.MetricName,
        statistic: noWebTask.Statistic,
        threshold: noWebTask.Threshold,
        comparison: noWebTask.ComparisonOperator,
        period: noWebTask.Period,
        evaluations: noWebTask.EvaluationPeriods,
        datapoints: noWebTask.DatapointsToAlarm,
        missing: noWebTask.TreatMissingData,
      },
      {
        namespace: 'AWS/ECS',
        metric: 'CPUUtilization',
        statistic: 'SampleCount',
        threshold: 1,
        comparison: 'LessThanThreshold',
        period: 60,
        evaluations: 5,
        datapoints: 5,
        missing: 'breaching',
      },
    );
    assert.deepEqual(noWebTask.Dimensions, [
      { Name: 'ClusterName', Value: { Ref: resourcesOfType(dev, 'AWS::ECS::Cluster')[0][0] } },
      { Name: 'ServiceName', Value: { 'Fn::GetAtt': [webServiceId, 'Name'] } },
    ]);
    assert.match(JSON.stringify(noWebTask.AlarmActions), TOPIC);
    assert.match(JSON.stringify(noWebTask.OKActions), TOPIC);

    const rate = alarms.get('http-5xx-rate');
    const expression = rate.Metrics.find((m: any) => m.Expression);
    assert.equal(expression.Expression, 'IF(requests >= 10, 100 * (FILL(api5xx, 0)) / requests, 0)');
    const [[apiId]] = resourcesOfType(dev, 'AWS::ApiGatewayV2::Api');
    const read = Object.fromEntries(
      rate.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [
        m.Id,
        { ...m.MetricStat.Metric, period: m.MetricStat.Period, stat: m.MetricStat.Stat },
      ]),
    );
    const apiMetric = (MetricName: string) => ({
      Namespace: 'AWS/ApiGateway',
      MetricName,
      Dimensions: [
        { Name: 'ApiId', Value: { Ref: apiId } },
        { Name: 'Stage', Value: '$default' },
      ],
      period: 300,
      stat: 'Sum',
    });
    assert.deepEqual(read, { requests: apiMetric('Count'), api5xx: apiMetric('5xx') });
    assert.doesNotMatch(JSON.stringify(rate), /AWS\/ApplicationELB/);
  });

  test('the backlog-missing alarm breaches on missing data; the scaling alarms never scale out on it', () => {
    for (const [env, json] of [
      ['prod', prod],
      ['dev', dev],
    ] as const) {
      const alarms = alarmsByName(json, env);
      assert.equal(alarms.get('backlog-metric-missing').TreatMissingData, 'breaching');
      const waiting = alarms.get('worker-messages-waiting');
      const drained = alarms.get('worker-queues-drained');
      assert.equal(waiting.TreatMissingData, 'notBreaching', env);
      assert.equal(drained.TreatMissingData, 'missing', env);
      // The scaling alarms act on the scaling policies only; the missing-metric one pages.
      for (const alarm of [waiting, drained]) assert.doesNotMatch(JSON.stringify(alarm.AlarmActions), TOPIC);
      assert.match(JSON.stringify(alarms.get('backlog-metric-missing').AlarmActions), TOPIC);
    }
  });

  test('dev (HTTP API): the composite "platform down" alarm watches no-web-task in place of no-healthy-web-target', () => {
    const [[, composite]] = resourcesOfType(dev, 'AWS::CloudWatch::CompositeAlarm');
    const [, parts] = composite.Properties.AlarmRule['Fn::Join'];
    const members = parts.filter((p: any) => typeof p === 'object').map((p: any) => p['Fn::GetAtt'][0]);
    assert.deepEqual(
      members,
      ['http-5xx-rate', 'no-web-task', 'backlog-metric-missing', 'database-free-storage'].map((name) =>
        alarmId(dev, 'dev', name),
      ),
    );
  });

  test('the composite "platform down" alarm: any of 5xx rate, no healthy target, backlog missing, storage', () => {
    const [[, composite]] = resourcesOfType(prod, 'AWS::CloudWatch::CompositeAlarm');
    const props = composite.Properties;
    assert.equal(props.AlarmName, 'booking-prod-platform-down');
    assert.match(JSON.stringify(props.AlarmActions), TOPIC);
    assert.match(JSON.stringify(props.OKActions), TOPIC);
    const [, parts] = props.AlarmRule['Fn::Join'];
    const members = parts.filter((p: any) => typeof p === 'object').map((p: any) => p['Fn::GetAtt'][0]);
    assert.deepEqual(
      members,
      ['http-5xx-rate', 'no-healthy-web-target', 'backlog-metric-missing', 'database-free-storage'].map((name) =>
        alarmId(prod, 'prod', name),
      ),
    );
    const text = parts.filter((p: any) => typeof p === 'string').join('|');
    assert.equal(text, '(ALARM("|") OR ALARM("|") OR ALARM("|") OR ALARM("|"))');
  });

  test("the dashboard is named after the environment and has the named widgets: the front door's (ALB behind an ALB, API behind the HTTP API), the cache's (its task's in dev, ElastiCache's in prod)", () => {
    for (const [label, env, json, front] of [
      ['dev (HTTP API)', 'dev', dev, 'API'],
      ['dev behind an ALB', 'dev', devAlb, 'ALB'],
      ['prod', 'prod', prod, 'ALB'],
    ] as const) {
      const cacheTask = environmentNamed(platformConfig, env).cache.hosting === 'task';
      const dashboards = resourcesOfType(json, 'AWS::CloudWatch::Dashboard');
      assert.equal(dashboards.length, 1, label);
      const props = dashboards[0][1].Properties;
      assert.equal(props.DashboardName, `booking-${env}`);
      const body = props.DashboardBody['Fn::Join'][1].filter((p: any) => typeof p === 'string').join('');
      for (const title of [
        `${front} requests`,
        `${front} latency p50/p95/p99`,
        `${front} 4xx/5xx`,
        'Web CPU and memory',
        'Worker CPU and memory',
        'Queue backlog and queued jobs',
        'Database CPU',
        'Database connections vs max',
        'Database free storage',
        'Database freeable memory',
        'Database read/write latency',
        'Cache memory %',
        ...(cacheTask ? ['Cache task CPU'] : ['Cache evictions', 'Cache connections']),
        'Lambda errors',
        'Lambda durations',
      ]) {
        assert.ok(body.includes(`"title":"${title}"`), `${label}: ${title}`);
      }
      for (const title of cacheTask ? ['Cache evictions', 'Cache connections'] : ['Cache task CPU']) {
        assert.ok(!body.includes(`"title":"${title}"`), `${label}: no ${title}`);
      }
      const other = front === 'ALB' ? 'API' : 'ALB';
      assert.ok(!body.includes(`"title":"${other} `), `${label}: no ${other} widget`);
      assert.ok(body.includes(front === 'ALB' ? 'AWS/ApplicationELB' : 'AWS/ApiGateway'), label);
      for (const metric of [
        'p50',
        'p99',
        'QueuedJobs',
        'FreeableMemory',
        'ReadLatency',
        'WriteLatency',
        ...(cacheTask ? [] : ['Evictions', 'CurrConnections']),
        'Duration',
      ]) {
        assert.ok(body.includes(metric), `${label}: ${metric}`);
      }
      // The cache graphs: the cache service's ECS metrics for a task, each node's for ElastiCache.
      const widgets = dashboardWidgets(json);
      if (cacheTask) {
        assert.ok(!body.includes('AWS/ElastiCache'), `${label}: no ElastiCache metric`);
        const service = ['ClusterName', `Ref:${resourcesOfType(json, 'AWS::ECS::Cluster')[0][0]}`, 'ServiceName'];
        const cacheService = `${serviceId(json, `booking-${env}-cache`)}.Name`;
        for (const [title, metric] of [
          ['Cache memory %', 'MemoryUtilization'],
          ['Cache task CPU', 'CPUUtilization'],
        ]) {
          assert.deepEqual(
            widgets.get(title).metrics,
            [['AWS/ECS', metric, ...service, cacheService, { label: 'cache task', stat: 'Maximum' }]],
            `${label}: ${title}`,
          );
        }
      } else {
        assert.deepEqual(
          widgets.get('Cache memory %').metrics,
          cacheClusterIds(`booking-${env}-acl`, environmentNamed(platformConfig, env).cache.nodes).map((node) => [
            'AWS/ElastiCache',
            'DatabaseMemoryUsagePercentage',
            'CacheClusterId',
            node,
            { label: node, stat: 'Maximum' },
          ]),
          `${label}: Cache memory %`,
        );
      }
      // The max_connections line: 112 for db.t4g.micro (dev), 225 for db.t4g.small (prod).
      assert.ok(body.includes('"label":"max_connections"'), label);
      assert.ok(body.includes(`"value":${env === 'dev' ? 112 : 225}`), label);
    }
  });
});

describe('monitoring variants', () => {
  test('Container Insights on: running-below-desired alarms for web and worker; thresholds and dashboard from config', () => {
    const config = withEnvironment('dev', {
      compute: { containerInsights: true },
      monitoring: { databaseCpuPercent: 90, cacheMemoryPercent: 60, http5xxPercent: 2, dashboard: false },
    });
    const platform = synth({ ...config, environments: [environmentNamed(config, 'dev')] });
    const json = platform.json('dev', 'app');
    const alarms = alarmsByName(json, 'dev');
    assert.ok(!alarms.has('web-below-minimum'));
    for (const role of ['web', 'worker']) {
      const alarm = alarms.get(`${role}-below-desired`);
      assert.ok(alarm, role);
      const expression = alarm.Metrics.find((m: any) => m.Expression);
      assert.equal(expression.Expression, 'desired - running');
      const names = alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName);
      assert.deepEqual(names.sort(), ['DesiredTaskCount', 'RunningTaskCount']);
      for (const m of alarm.Metrics.filter((m: any) => m.MetricStat)) {
        assert.equal(m.MetricStat.Metric.Namespace, 'ECS/ContainerInsights');
      }
      assert.equal(alarm.EvaluationPeriods, 10);
      assert.equal(alarm.DatapointsToAlarm, 10);
      assert.equal(alarm.TreatMissingData, 'notBreaching');
    }
    assert.equal(alarms.get('database-cpu').Threshold, 90);
    // The cache task's alarm: 60% of maxmemory, which is 0.6 of the task's memory.
    assert.equal(alarms.get('cache-task-memory').Threshold, 36);
    assert.equal(alarms.get('http-5xx-rate').Threshold, 2);
    assert.equal(resourcesOfType(json, 'AWS::CloudWatch::Dashboard').length, 0);
  });

  test('minimal builds no monitoring', () => {
    const config = withEnvironment('dev', { state: 'minimal' });
    const platform = synth({ ...config, environments: [environmentNamed(config, 'dev')] });
    const json = platform.json('dev', 'app');
    assert.equal(resourcesOfType(json, 'AWS::CloudWatch::Alarm').length, 0);
    assert.equal(resourcesOfType(json, 'AWS::CloudWatch::CompositeAlarm').length, 0);
    assert.equal(resourcesOfType(json, 'AWS::CloudWatch::Dashboard').length, 0);
  });

  test('settings: defaults when absent, config values win, undefined keeps the default', () => {
    assert.deepEqual(monitoringSettings(undefined), MONITORING_DEFAULTS);
    assert.deepEqual(MONITORING_DEFAULTS, {
      databaseCpuPercent: 80,
      databaseFreeStorageGiB: 2,
      databaseConnectionsPercent: 80,
      cacheMemoryPercent: 75,
      http5xxPercent: 5,
      dashboard: true,
    });
    assert.equal(monitoringSettings({ http5xxPercent: 1, dashboard: undefined }).http5xxPercent, 1);
    assert.equal(monitoringSettings({ dashboard: undefined }).dashboard, true);
    assert.deepEqual(cacheClusterIds('booking-prod-acl', 2), ['booking-prod-acl-001', 'booking-prod-acl-002']);
  });
});

describe('monitoring validation', () => {
  const base = environmentNamed(platformConfig, 'dev');
  const issuesFor = (monitoring: unknown) => {
    const issues = new IssueCollector();
    validateMonitoring({ ...base, monitoring: monitoring as MonitoringConfig } as EnvironmentConfig, issues);
    return issues.issues;
  };

  test('absent, empty and valid settings pass', () => {
    assert.deepEqual(issuesFor(undefined), []);
    assert.deepEqual(issuesFor({}), []);
    assert.deepEqual(
      issuesFor({
        databaseCpuPercent: 90,
        databaseFreeStorageGiB: 5,
        databaseConnectionsPercent: 70,
        cacheMemoryPercent: 60,
        http5xxPercent: 0.5,
        dashboard: false,
      }),
      [],
    );
  });

  test('percentages above 0 and at most 100', () => {
    const issues = issuesFor({ databaseCpuPercent: 0, cacheMemoryPercent: 120, http5xxPercent: '5' });
    assert.deepEqual(
      issues.map((i) => i.field),
      ['dev.monitoring.databaseCpuPercent', 'dev.monitoring.cacheMemoryPercent', 'dev.monitoring.http5xxPercent'],
    );
    assert.match(
      issues[0].message,
      /^0 is not a percentage the alarm can reach \(use a number above 0 and at most 100/,
    );
    assert.match(issues[1].message, /^120 is not a percentage/);
    assert.match(issues[2].message, /^"5" is not a percentage/);
  });

  test('free storage: positive and below the database storage', () => {
    const [bad] = issuesFor({ databaseFreeStorageGiB: -1 });
    assert.equal(bad.field, 'dev.monitoring.databaseFreeStorageGiB');
    assert.match(bad.message, /^-1 is not a storage size \(use a number of GiB above 0/);
    const [tooBig] = issuesFor({ databaseFreeStorageGiB: base.database.allocatedStorageGiB });
    assert.equal(tooBig.field, 'dev.monitoring.databaseFreeStorageGiB');
    assert.match(
      tooBig.message,
      /is not below the database's \d+ GiB of storage, so the alarm would fire from the start \(use less than/,
    );
  });

  test('unknown fields suggest the known one; dashboard is a boolean', () => {
    const issues = issuesFor({ databaseCpuPrecent: 80, dashboard: 'yes' });
    assert.deepEqual(
      issues.map((i) => [i.field, i.message]),
      [
        [
          'dev.monitoring.databaseCpuPrecent',
          '"databaseCpuPrecent" is not a monitoring setting (did you mean "databaseCpuPercent"?)',
        ],
        ['dev.monitoring.dashboard', '"yes" is not true or false (true: a dashboard, 3 USD/month; false: none)'],
      ],
    );
  });
});
