import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { type EnvironmentConfig, environmentNamed, findConfigIssues, platformConfig } from '../../src/config';
import { WEB_HEALTH_CHECK, withAppPort } from '../../src/config/application';
import { OPS_LAMBDA_VARIABLES as V, STACK_OUTPUTS } from '../../src/ops/contracts';
import { CACHE_TASK_BOUNDS, configuredCapacity } from '../../src/ops/resources';
import {
  ACTIONS_WITHOUT_RESOURCE_TYPES,
  DEV_BEHIND_ALB,
  DEV_ON_ELASTICACHE,
  resourcesOfType,
  synth,
  type SynthesizedPlatform,
  withEnvironment,
} from '../helpers';

function taskDefinition(json: Record<string, any>, family: string): any {
  const found = resourcesOfType(json, 'AWS::ECS::TaskDefinition').find(([, td]) => td.Properties.Family === family);
  assert.ok(found, `task definition ${family}`);
  return found[1].Properties;
}

function container(td: any, name: string): any {
  const found = td.ContainerDefinitions.find((c: any) => c.Name === name);
  assert.ok(found, `container ${name}`);
  return found;
}

function service(json: Record<string, any>, name: string): [string, any] {
  const found = resourcesOfType(json, 'AWS::ECS::Service').find(([, s]) => s.Properties.ServiceName === name);
  assert.ok(found, `service ${name}`);
  return [found[0], found[1].Properties];
}

/** The Cloud Map service registering `name` (`web`, `cache`) in the environment's namespace. */
function cloudMapService(json: Record<string, any>, name: string): [string, any] {
  const found = resourcesOfType(json, 'AWS::ServiceDiscovery::Service').find(([, s]) => s.Properties.Name === name);
  assert.ok(found, `Cloud Map service ${name}`);
  return found;
}

function scalableTargetOf(json: Record<string, any>, serviceId: string): any {
  const found = resourcesOfType(json, 'AWS::ApplicationAutoScaling::ScalableTarget').find(([, t]) =>
    JSON.stringify(t.Properties.ResourceId).includes(serviceId),
  );
  assert.ok(found, `scalable target of ${serviceId}`);
  return found;
}

/**
 * The Lambda a CloudFormation value from another stack of the environment resolves to: the app
 * stack reads the data stack's guard through a weak reference (Fn::GetStackOutput) to an output
 * of the data stack, which is that function's ARN.
 */
function functionBehind(platform: SynthesizedPlatform, envName: string, value: any): string {
  const reference = value?.['Fn::GetStackOutput'];
  assert.ok(reference, `a weak reference to another stack, got ${JSON.stringify(value)}`);
  assert.equal(reference.StackName, `booking-${envName}-data`);
  const output = platform.json(envName, 'data').Outputs?.[reference.OutputName];
  assert.ok(output, `data stack output ${reference.OutputName}`);
  const [functionId, attribute] = output.Value['Fn::GetAtt'];
  assert.equal(attribute, 'Arn');
  assert.equal(platform.json(envName, 'data').Resources[functionId].Type, 'AWS::Lambda::Function');
  return functionId;
}

/** The guard Lambda of the data stack: the handler of its Custom::EnvironmentStructure. */
function guardFunction(platform: SynthesizedPlatform, envName: string): string {
  const [[, gate]] = resourcesOfType(platform.json(envName, 'data'), 'Custom::EnvironmentStructure');
  return gate.Properties.ServiceToken['Fn::GetAtt'][0];
}

/** The output of another stack a cross-stack value reads (Fn::GetStackOutput), or undefined. */
function outputName(value: unknown): string | undefined {
  return /"OutputName":"([^"]+)"/.exec(JSON.stringify(value))?.[1];
}

const SECRET_NAMES = ['DATABASE_USER', 'DATABASE_PASSWORD', 'REDIS_PASSWORD', 'DJANGO_SECRET_KEY'];

const DEV = environmentNamed(platformConfig, 'dev');
const PROD = environmentNamed(platformConfig, 'prod');

/**
 * Dev behind the ALB, as it ran before its HTTP API (which has no load balancer, target group or
 * request-count scaling): the ALB's behaviour is checked on it and on prod.
 */
const DEV_ALB: EnvironmentConfig = DEV_BEHIND_ALB;

/**
 * Dev on the ElastiCache cache it had before its cache task (`cache.hosting: 'task'`), still behind
 * its HTTP API: what a task cache adds to the app stack is absent there.
 */
const DEV_ELASTICACHE: EnvironmentConfig = DEV_ON_ELASTICACHE;

/** `cache.hosting: 'task'` (dev): the cache is an ECS service of the app stack; ElastiCache (prod) otherwise. */
const hasCacheTask = (env: EnvironmentConfig) => env.cache.hosting === 'task';

/** The app stack's ECS services: web and worker, and the cache's with a task cache. */
const serviceRoles = (env: EnvironmentConfig) =>
  hasCacheTask(env) ? (['web', 'worker', 'cache'] as const) : (['web', 'worker'] as const);

/** The alarm actions of the ops stack's alerts topic. */
const OPS_TOPIC = /OpsTopicArn|AlertsTopic/;

describe('compute tier', () => {
  let platform: SynthesizedPlatform;
  let devAlb: SynthesizedPlatform;
  let minimal: SynthesizedPlatform;
  let devElastiCache: SynthesizedPlatform;
  before(() => {
    platform = synth();
    devAlb = synth({ ...platformConfig, environments: [DEV_ALB] });
    devElastiCache = synth({ ...platformConfig, environments: [DEV_ELASTICACHE] });
    // Both at once: dev's HTTP API and prod's ALB go away alike.
    minimal = synth(withEnvironment('prod', { state: 'minimal' }, withEnvironment('dev', { state: 'minimal' })));
  });

  /** An environment behind the ALB: prod as committed, dev as DEV_ALB. */
  const behindAlb = (envName: 'dev' | 'prod') => ({
    label: envName === 'dev' ? 'dev behind an ALB' : 'prod',
    env: envName === 'dev' ? DEV_ALB : PROD,
    // Read by the tests, after before() has synthesized.
    get platform() {
      return envName === 'dev' ? devAlb : platform;
    },
  });

  for (const envName of ['dev', 'prod'] as const) {
    const env = environmentNamed(platformConfig, envName);
    const alb = behindAlb(envName);
    const cacheTask = hasCacheTask(env);

    test(`${envName}: web task runs the app behind ${cacheTask ? 'the PgBouncer and cache-tunnel sidecars' : 'a PgBouncer sidecar'} it waits for`, () => {
      const td = taskDefinition(platform.json(envName, 'app'), `booking-${envName}-web`);
      assert.equal(td.Cpu, String(env.compute.web.cpu));
      assert.equal(td.Memory, String(env.compute.web.memoryMiB));
      assert.deepEqual(td.RuntimePlatform, { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
      const app = container(td, 'app');
      const pgbouncer = container(td, 'pgbouncer');
      assert.deepEqual(app.PortMappings, [{ ContainerPort: 8000, Protocol: 'tcp', Name: 'http' }]);
      assert.deepEqual(app.Command, withAppPort(env.compute.web.command, env.compute.appPort));
      assert.deepEqual(app.DependsOn, [
        ...(cacheTask ? [{ ContainerName: 'cache-tunnel', Condition: 'HEALTHY' }] : []),
        { ContainerName: 'pgbouncer', Condition: 'HEALTHY' },
      ]);
      const environment = Object.fromEntries(app.Environment.map((e: any) => [e.Name, e.Value]));
      assert.equal(environment.DATABASE_HOST, '127.0.0.1');
      assert.equal(environment.DATABASE_PORT, '6432');
      assert.equal(environment.ALLOWED_HOSTS, env.apiHost);
      assert.equal(environment.REDIS_PORT, '6379');
      if (cacheTask) {
        // Plain text to the task's own tunnel, which speaks TLS-PSK to the cache task with the data stack's key.
        assert.equal(environment.REDIS_HOST, '127.0.0.1');
        assert.equal(environment.REDIS_TLS, 'false');
        const tunnel = container(td, 'cache-tunnel');
        assert.equal(tunnel.Essential, true, 'no tunnel, no cache: the task stops with it');
        assert.deepEqual(tunnel.Environment, [{ Name: 'CACHE_HOST', Value: 'cache.booking-dev.internal' }]);
        assert.deepEqual(
          tunnel.Secrets.map((s: any) => s.Name),
          ['CACHE_PSK'],
        );
        const [psk] = tunnel.Secrets;
        assert.match(outputName(psk.ValueFrom)!, /^PublishOutputRefCacheTaskTunnelKey/);
        assert.equal(psk.ValueFrom['Fn::Join'][1].at(-1), ':psk::');
      } else {
        // TLS from the app itself to the replication group.
        assert.match(outputName(environment.REDIS_HOST)!, /CacheReplicationGroup.*PrimaryEndPointAddress/);
        assert.equal(environment.REDIS_TLS, 'true');
      }
      assert.equal(pgbouncer.User, '10001');
      assert.equal(pgbouncer.ReadonlyRootFilesystem, true);
      assert.deepEqual(pgbouncer.HealthCheck.Command, ['CMD-SHELL', 'nc -z 127.0.0.1 6432 || exit 1']);
      const bouncerEnv = Object.fromEntries(pgbouncer.Environment.map((e: any) => [e.Name, e.Value]));
      assert.equal(bouncerEnv.POOL_SIZE, String(env.compute.pgbouncer.defaultPoolSize));
      assert.equal(bouncerEnv.DB_PORT, '5432');
      assert.deepEqual(pgbouncer.Secrets.map((s: any) => s.Name).sort(), ['DB_PASSWORD', 'DB_USER']);
      assert.deepEqual(pgbouncer.MountPoints, [
        { ContainerPath: '/run/pgbouncer', ReadOnly: false, SourceVolume: 'pgbouncer-run' },
      ]);
    });

    test(`${envName}: secrets arrive through ECS secrets, never as plain environment`, () => {
      const json = platform.json(envName, 'app');
      for (const role of ['web', 'worker', 'migrate']) {
        const app = container(taskDefinition(json, `booking-${envName}-${role}`), 'app');
        assert.deepEqual(app.Secrets.map((s: any) => s.Name).sort(), [...SECRET_NAMES].sort(), role);
        const plain = app.Environment.map((e: any) => e.Name);
        for (const name of SECRET_NAMES) assert.ok(!plain.includes(name), `${role} ${name} in Environment`);
        const djangoKey = app.Secrets.find((s: any) => s.Name === 'DJANGO_SECRET_KEY');
        assert.match(
          JSON.stringify(djangoKey.ValueFrom),
          new RegExp(`parameter/booking/${envName}/app/DJANGO_SECRET_KEY`),
        );
        assert.equal(app.LogConfiguration.LogDriver, 'awslogs');
      }
      for (const [, group] of resourcesOfType(json, 'AWS::Logs::LogGroup')) {
        assert.equal(group.Properties.RetentionInDays, env.logRetentionDays);
      }
    });

    test(`${envName}: worker has its own command, a process health check, a long stop timeout and no load balancer`, () => {
      const json = platform.json(envName, 'app');
      const td = taskDefinition(json, `booking-${envName}-worker`);
      const app = container(td, 'app');
      assert.deepEqual(app.Command, env.compute.worker.command);
      assert.deepEqual(app.HealthCheck.Command, ['CMD-SHELL', env.compute.worker.healthCheckCommand]);
      assert.equal(app.StopTimeout, env.compute.worker.stopTimeoutSeconds);
      assert.deepEqual(app.PortMappings ?? [], []);
      assert.ok(td.ContainerDefinitions.some((c: any) => c.Name === 'pgbouncer'));
      const [, worker] = service(json, `booking-${envName}-worker`);
      assert.deepEqual(worker.LoadBalancers ?? [], []);
    });

    test(`${envName}: migrate task runs manage.py migrate straight against the database with the worker's roles${cacheTask ? ', its one sidecar the cache tunnel' : ''}`, () => {
      const json = platform.json(envName, 'app');
      const td = taskDefinition(json, `booking-${envName}-migrate`);
      // No PgBouncer; with a task cache, the tunnel the app's cache settings point at.
      assert.deepEqual(
        td.ContainerDefinitions.map((c: any) => c.Name),
        cacheTask ? ['app', 'cache-tunnel'] : ['app'],
      );
      const app = container(td, 'app');
      assert.deepEqual(app.Command, ['python', 'manage.py', 'migrate', '--noinput']);
      const environment = Object.fromEntries(app.Environment.map((e: any) => [e.Name, e.Value]));
      assert.equal(environment.DATABASE_PORT, '5432');
      assert.equal(environment.DATABASE_SSLMODE, 'require');
      assert.ok(environment.DATABASE_HOST['Fn::GetStackOutput'], 'the RDS endpoint from the data stack');
      const worker = taskDefinition(json, `booking-${envName}-worker`);
      assert.deepEqual(td.TaskRoleArn, worker.TaskRoleArn);
      assert.deepEqual(td.ExecutionRoleArn, worker.ExecutionRoleArn);
    });

    test(`${envName}: services deploy safely with circuit breaker, 100/200, ECS Exec as configured`, () => {
      const json = platform.json(envName, 'app');
      for (const role of ['web', 'worker']) {
        const [, props] = service(json, `booking-${envName}-${role}`);
        assert.deepEqual(props.DeploymentConfiguration, {
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
          MaximumPercent: 200,
          MinimumHealthyPercent: 100,
        });
        // dev true; prod false (a production risk: issue 14)
        assert.equal(props.EnableExecuteCommand, env.compute.ecsExec);
        assert.equal(props.EnableExecuteCommand, envName === 'dev');
        assert.equal(
          props.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp,
          env.network.egress === 'public' ? 'ENABLED' : 'DISABLED',
        );
      }
      const [, web] = service(json, `booking-${envName}-web`);
      assert.equal(web.HealthCheckGracePeriodSeconds, 60);
    });

    test(`${alb.label}: the ALB decides web health: the web container has no health check of its own`, () => {
      const app = container(taskDefinition(alb.platform.json(envName, 'app'), `booking-${envName}-web`), 'app');
      assert.equal(app.HealthCheck, undefined, 'the ALB decides web health (the seed removed the container check)');
    });

    test(`${alb.label}: the web service registers its app container's port in the target group, not in Cloud Map${hasCacheTask(alb.env) ? ' (which names the cache task only)' : ''}`, () => {
      const json = alb.platform.json(envName, 'app');
      const albCacheTask = hasCacheTask(alb.env);
      const [, web] = service(json, `booking-${envName}-web`);
      const [[targetGroupId]] = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
      assert.deepEqual(web.LoadBalancers, [
        { ContainerName: 'app', ContainerPort: 8000, TargetGroupArn: { Ref: targetGroupId } },
      ]);
      assert.equal(web.ServiceRegistries, undefined);
      // The private namespace exists behind an ALB only for a task cache, whose clients find it there.
      assert.deepEqual(
        resourcesOfType(json, 'AWS::ServiceDiscovery::Service').map(([, discovery]) => discovery.Properties.Name),
        albCacheTask ? ['cache'] : [],
      );
      assert.equal(resourcesOfType(json, 'AWS::ServiceDiscovery::PrivateDnsNamespace').length, albCacheTask ? 1 : 0);
    });

    test(`${envName}: no DesiredCount${cacheTask ? " (the cache task's service neither)" : ''}, so a deploy leaves the running count alone (a pause included)`, () => {
      const json = platform.json(envName, 'app');
      assert.equal(resourcesOfType(json, 'AWS::ECS::Service').length, serviceRoles(env).length);
      for (const role of serviceRoles(env)) {
        const [, props] = service(json, `booking-${envName}-${role}`);
        assert.ok(!('DesiredCount' in props), `${role} has DesiredCount ${props.DesiredCount}`);
      }
    });

    test(`${envName}: scaling bounds come from Custom::ServiceBounds (resolved by the guard from the configured bounds${cacheTask ? "; the cache task's 1..1" : ''}); capacity mix follows config`, () => {
      const json = platform.json(envName, 'app');
      const guard = guardFunction(platform, envName);
      const allBounds = resourcesOfType(json, 'Custom::ServiceBounds');
      assert.equal(allBounds.length, serviceRoles(env).length);
      for (const role of serviceRoles(env)) {
        const [id] = service(json, `booking-${envName}-${role}`);
        // One Valkey task while running, never two on its data file.
        const cfg =
          role === 'cache'
            ? { minTasks: CACHE_TASK_BOUNDS.min, maxTasks: CACHE_TASK_BOUNDS.max, scheduledMinimums: undefined }
            : env.compute[role];
        const [, target] = scalableTargetOf(json, id);
        const min = target.Properties.MinCapacity['Fn::GetAtt'];
        const max = target.Properties.MaxCapacity['Fn::GetAtt'];
        assert.ok(min && max, `${role}: bounds are not literals (${JSON.stringify(target.Properties.MinCapacity)})`);
        assert.deepEqual([min[1], max[1]], ['Min', 'Max']);
        assert.equal(min[0], max[0], `${role}: both bounds from one resource`);
        const bounds = json.Resources[min[0]];
        assert.equal(bounds.Type, 'Custom::ServiceBounds');
        assert.deepEqual(
          { Role: bounds.Properties.Role, MinTasks: bounds.Properties.MinTasks, MaxTasks: bounds.Properties.MaxTasks },
          { Role: role, MinTasks: String(cfg.minTasks), MaxTasks: String(cfg.maxTasks) },
        );
        // A service with scheduled minimums names them, so a window change resolves the bounds again.
        assert.deepEqual(Object.keys(bounds.Properties).sort(), [
          'MaxTasks',
          'MinTasks',
          'Role',
          ...(cfg.scheduledMinimums?.length ? ['ScheduledMinimums'] : []),
          'ServiceToken',
        ]);
        assert.equal(functionBehind(platform, envName, bounds.Properties.ServiceToken), guard);
      }
      const [, web] = service(json, `booking-${envName}-web`);
      const expectedWeb =
        envName === 'prod'
          ? [
              { CapacityProvider: 'FARGATE', Base: 1, Weight: 50 },
              { CapacityProvider: 'FARGATE_SPOT', Weight: 50 },
            ]
          : [{ CapacityProvider: 'FARGATE_SPOT', Weight: 100 }];
      assert.deepEqual(web.CapacityProviderStrategy, expectedWeb);
      if (cacheTask) {
        const [, cache] = service(json, `booking-${envName}-cache`);
        assert.equal(env.cache.task?.spot, true);
        assert.deepEqual(cache.CapacityProviderStrategy, [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]);
      }
    });

    test(`${alb.label}: web scales on CPU and on requests per task`, () => {
      const template = alb.platform.template(envName, 'app');
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          TargetValue: alb.env.compute.web.cpuTargetPercent,
        }),
      });
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
          TargetValue: alb.env.compute.web.requestsPerTaskPerMinute,
        }),
      });
    });

    test(`${envName}: worker scales on the queue backlog metric, from zero, back to the minimum when drained`, () => {
      const json = platform.json(envName, 'app');
      const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const waiting = alarms.find((a) => a.AlarmName === `booking-${envName}-worker-messages-waiting`);
      const drained = alarms.find((a) => a.AlarmName === `booking-${envName}-worker-queues-drained`);
      for (const alarm of [waiting, drained]) {
        assert.equal(alarm.Namespace, 'booking');
        assert.equal(alarm.MetricName, 'QueueBacklog');
        assert.deepEqual(alarm.Dimensions, [{ Name: 'Environment', Value: envName }]);
        assert.equal(alarm.Period, 60);
      }
      assert.equal(waiting.Threshold, 1);
      assert.equal(waiting.EvaluationPeriods, 1);
      assert.equal(drained.Threshold, 0);
      assert.equal(drained.EvaluationPeriods, 10);
      const steps = resourcesOfType(json, 'AWS::ApplicationAutoScaling::ScalingPolicy')
        .filter(([, p]) => p.Properties.PolicyType === 'StepScaling')
        .map(([, p]) => p.Properties.StepScalingPolicyConfiguration);
      const out = steps.find((s) => s.StepAdjustments.length > 1);
      const m = env.compute.worker.messagesPerTask;
      const w = env.compute.worker;
      assert.equal(out.AdjustmentType, 'ExactCapacity');
      assert.deepEqual(
        out.StepAdjustments[0],
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: m - 1, ScalingAdjustment: Math.max(1, w.minTasks) },
        'one waiting message starts a task, even from zero',
      );
      assert.equal(out.StepAdjustments.at(-1).ScalingAdjustment, w.maxTasks);
      const scaleIn = steps.find((s) => s.StepAdjustments.length === 1);
      assert.deepEqual(scaleIn.StepAdjustments, [{ MetricIntervalUpperBound: 0, ScalingAdjustment: w.minTasks }]);
    });

    test(`${envName}: the backlog publisher runs every minute in the VPC, next to the cache, ${cacheTask ? "through the cache task's TLS-PSK tunnel with the cache's password" : 'as its own IAM cache user'}`, () => {
      const json = platform.json(envName, 'app');
      const [, fn] = resourcesOfType(json, 'AWS::Lambda::Function')
        .filter(([, f]) => f.Properties.Environment?.Variables?.QUEUES)
        .at(0)!;
      const variables = fn.Properties.Environment.Variables;
      assert.equal(variables.QUEUES, 'default');
      assert.equal(variables.CACHE_AUTH_TOKEN, undefined);
      const publisherActions = resourcesOfType(json, 'AWS::IAM::Policy')
        .filter(([id]) => id.startsWith('QueueMetrics'))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
      if (cacheTask) {
        assert.equal(variables.CACHE_HOST, 'cache.booking-dev.internal');
        assert.equal(variables.CACHE_PORT, '6379');
        assert.equal(variables.CACHE_TLS, 'psk');
        // No NAT and no Secrets Manager endpoint to read them at run time: CloudFormation resolves
        // both secrets at deploy time (dynamic references; the template holds neither value).
        for (const [name, secret, key] of [
          ['CACHE_TUNNEL_PSK', 'CacheTaskTunnelKey', 'psk'],
          ['CACHE_PASSWORD', 'CacheTaskAuthToken', 'token'],
        ]) {
          assert.equal(variables[name]['Fn::Join'][1][0], '{{resolve:secretsmanager:', name);
          assert.match(outputName(variables[name])!, new RegExp(`^PublishOutputRef${secret}`), name);
          assert.equal(variables[name]['Fn::Join'][1].at(-1), `:SecretString:${key}::}}`, name);
        }
        assert.equal(variables.CACHE_USER, undefined);
        assert.equal(variables.CACHE_REPLICATION_GROUP_ID, undefined);
        assert.ok(
          !publisherActions.some((action: string) => action.startsWith('elasticache:')),
          publisherActions.join(', '),
        );
      } else {
        assert.equal(variables.CACHE_TLS, 'true');
        // IAM authentication as its own read-only cache user: no token in its environment.
        assert.equal(variables.CACHE_PASSWORD, undefined);
        assert.ok(variables.CACHE_USER);
        assert.ok(variables.CACHE_REPLICATION_GROUP_ID);
        assert.ok(publisherActions.includes('elasticache:Connect'));
      }
      assert.ok(fn.Properties.VpcConfig.SubnetIds.length >= 2);
      const rules = resourcesOfType(json, 'AWS::Events::Rule')
        .map(([, r]) => r.Properties.ScheduleExpression)
        .filter(Boolean);
      assert.deepEqual(rules, ['rate(1 minute)']);
    });

    test(`${alb.label}: load balancer serves HTTPS with a modern policy and redirects HTTP`, () => {
      const template = alb.platform.template(envName, 'app');
      const json = alb.platform.json(envName, 'app');
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        Certificates: [{ CertificateArn: { Ref: Match.stringLikeRegexp('ApiDomainCertificate') } }],
      });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [
          { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
        ],
      });
      const [, lb] = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0];
      const attributes = Object.fromEntries(lb.Properties.LoadBalancerAttributes.map((a: any) => [a.Key, a.Value]));
      assert.equal(lb.Properties.Scheme, 'internet-facing');
      assert.equal(attributes['routing.http.drop_invalid_header_fields.enabled'], 'true');
      assert.equal(attributes['deletion_protection.enabled'], String(alb.env.deletionProtection));
      assert.equal(attributes['access_logs.s3.enabled'], alb.env.compute.loadBalancerAccessLogs ? 'true' : undefined);
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        HealthCheckPath: '/health/',
        TargetType: 'ip',
        Port: 8000,
        TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
      });
    });

    test(`${alb.label}: load-balancer alarms notify the ops topic`, () => {
      const json = alb.platform.json(envName, 'app');
      const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm')
        .map(([, a]) => a.Properties)
        .filter((a) => /-(target5xx|elb5xx|unhealthy-hosts|latency-p95)$/.test(a.AlarmName));
      assert.deepEqual(alarms.map((a) => a.AlarmName.replace(`booking-${envName}-`, '')).sort(), [
        'elb5xx',
        'latency-p95',
        'target5xx',
        'unhealthy-hosts',
      ]);
      for (const alarm of alarms) {
        assert.equal(alarm.AlarmActions.length, 1);
        assert.match(JSON.stringify(alarm.AlarmActions[0]), OPS_TOPIC);
      }
      const latency = alarms.find((a) => a.AlarmName.endsWith('latency-p95'));
      assert.equal(latency.ExtendedStatistic, 'p95');
    });

    test(`${envName}: IAM uses no wildcard action, and "*" resources only for actions without resource-level permissions`, () => {
      const allowedOnStar = ACTIONS_WITHOUT_RESOURCE_TYPES;
      for (const part of ['app', 'data', 'network', 'ops']) {
        for (const [id, policy] of resourcesOfType(platform.json(envName, part), 'AWS::IAM::Policy')) {
          for (const statement of policy.Properties.PolicyDocument.Statement) {
            const actions = [statement.Action].flat();
            assert.ok(
              !actions.some((a: string) => a === '*' || /:\*$/.test(a)),
              `${id}: wildcard action in ${JSON.stringify(actions)}`,
            );
            if ([statement.Resource].flat().includes('*')) {
              // ListTasks has no resource type: "*" is allowed only when its cluster condition scopes it.
              const scopedToCluster = JSON.stringify(statement.Condition?.ArnEquals?.['ecs:cluster'] ?? '').includes(
                `:cluster/booking-${envName}`,
              );
              for (const action of actions) {
                assert.ok(
                  allowedOnStar.has(action) || (action === 'ecs:ListTasks' && scopedToCluster),
                  `${id}: ${action} on "*"`,
                );
              }
            }
          }
        }
      }
    });
  }

  test('dev (HTTP API): the web container checks /health/ on the app port itself, every 30 s', () => {
    const app = container(taskDefinition(platform.json('dev', 'app'), 'booking-dev-web'), 'app');
    const [command] = withAppPort([WEB_HEALTH_CHECK], DEV.compute.appPort);
    // The task's own address, from the ECS metadata endpoint, as the target group's check used.
    assert.ok(command.includes("os.environ['ECS_CONTAINER_METADATA_URI_V4']"), command);
    assert.ok(command.includes("url = 'http://' + ip + ':8000/health/'"), command);
    assert.ok(!command.includes('127.0.0.1'), command);
    assert.equal(DEV.compute.web.healthCheckCommand, WEB_HEALTH_CHECK);
    assert.deepEqual(app.HealthCheck, {
      Command: ['CMD-SHELL', command],
      Interval: 30,
      Timeout: 5,
      Retries: 3,
      StartPeriod: 30,
    });
  });

  test("dev (HTTP API): the web service registers its app container's port in Cloud Map (SRV), not in a target group, in the namespace it shares with the cache task", () => {
    const json = platform.json('dev', 'app');
    const [, web] = service(json, 'booking-dev-web');
    assert.deepEqual(web.LoadBalancers, []);
    const [discoveryId, discovery] = cloudMapService(json, 'web');
    assert.deepEqual(web.ServiceRegistries, [
      { ContainerName: 'app', ContainerPort: 8000, RegistryArn: { 'Fn::GetAtt': [discoveryId, 'Arn'] } },
    ]);
    // One namespace, the app stack's own (not the HTTP API module's): the web tasks and the cache task.
    const [[namespaceId, namespace], ...others] = resourcesOfType(json, 'AWS::ServiceDiscovery::PrivateDnsNamespace');
    assert.deepEqual(others, []);
    assert.match(namespaceId, /^Namespace[0-9A-F]{8}$/);
    assert.equal(namespace.Properties.Name, 'booking-dev.internal');
    assert.deepEqual(
      resourcesOfType(json, 'AWS::ServiceDiscovery::Service')
        .map(([, d]) => [d.Properties.Name, d.Properties.DnsConfig.NamespaceId])
        .sort(),
      [
        ['cache', { 'Fn::GetAtt': [namespaceId, 'Id'] }],
        ['web', { 'Fn::GetAtt': [namespaceId, 'Id'] }],
      ],
    );
    assert.deepEqual(discovery.Properties.DnsConfig.DnsRecords, [{ TTL: 10, Type: 'SRV' }]);
    // ECS reports the container health check to Cloud Map: a failing task is deregistered.
    assert.deepEqual(discovery.Properties.HealthCheckCustomConfig, { FailureThreshold: 1 });
    const [, worker] = service(json, 'booking-dev-worker');
    assert.equal(worker.ServiceRegistries, undefined);
  });

  test('dev (HTTP API): web scales on CPU only: no target group to count requests on', () => {
    const policies = resourcesOfType(platform.json('dev', 'app'), 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .filter(([id]) => id.startsWith('WebService'))
      .map(([, policy]) => policy.Properties);
    assert.deepEqual(
      policies.map((p) => [
        p.PolicyType,
        p.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType,
        p.TargetTrackingScalingPolicyConfiguration?.TargetValue,
      ]),
      [['TargetTrackingScaling', 'ECSServiceAverageCPUUtilization', DEV.compute.web.cpuTargetPercent]],
    );
    assert.equal(DEV.compute.web.requestsPerTaskPerMinute, undefined);
  });

  test('dev (HTTP API): no load balancer; the API answers on its own custom domain only, TLS 1.2, throttled and access-logged', () => {
    const json = platform.json('dev', 'app');
    for (const type of [
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ElasticLoadBalancingV2::Listener',
      'AWS::ElasticLoadBalancingV2::TargetGroup',
    ]) {
      assert.equal(resourcesOfType(json, type).length, 0, type);
    }
    const [[apiId, api]] = resourcesOfType(json, 'AWS::ApiGatewayV2::Api');
    assert.equal(api.Properties.Name, 'booking-dev-api');
    assert.equal(api.Properties.ProtocolType, 'HTTP');
    assert.equal(api.Properties.DisableExecuteApiEndpoint, true, 'no second, unmonitored name for the API');
    const [[domainId]] = resourcesOfType(json, 'AWS::ApiGatewayV2::DomainName');
    platform.template('dev', 'app').hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: DEV.apiHost,
      DomainNameConfigurations: [
        {
          CertificateArn: { Ref: Match.stringLikeRegexp('ApiDomainCertificate') },
          EndpointType: 'REGIONAL',
          SecurityPolicy: 'TLS_1_2',
        },
      ],
    });
    const [[, mapping]] = resourcesOfType(json, 'AWS::ApiGatewayV2::ApiMapping');
    assert.deepEqual(mapping.Properties, { ApiId: { Ref: apiId }, DomainName: { Ref: domainId }, Stage: '$default' });
    const [[, record]] = resourcesOfType(json, 'AWS::Route53::RecordSet');
    assert.equal(record.Properties.Name, `${DEV.apiHost}.`);
    assert.equal(record.Properties.Type, 'A');
    assert.deepEqual(record.Properties.AliasTarget, {
      DNSName: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] },
      HostedZoneId: { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] },
    });
    const [[, stage]] = resourcesOfType(json, 'AWS::ApiGatewayV2::Stage');
    assert.equal(stage.Properties.StageName, '$default');
    assert.deepEqual(stage.Properties.DefaultRouteSettings, {
      ThrottlingRateLimit: DEV.ingress!.throttle!.ratePerSecond,
      ThrottlingBurstLimit: DEV.ingress!.throttle!.burst,
    });
    const logGroupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    assert.equal(json.Resources[logGroupId].Properties.LogGroupName, '/aws/apigateway/booking-dev-api');
    assert.equal(json.Resources[logGroupId].Properties.RetentionInDays, DEV.logRetentionDays);
    assert.match(stage.Properties.AccessLogSettings.Format, /\$context\.status/);
  });

  test('dev (HTTP API): every request goes through the VPC link to the web tasks Cloud Map lists', () => {
    const json = platform.json('dev', 'app');
    const [[linkId, link]] = resourcesOfType(json, 'AWS::ApiGatewayV2::VpcLink');
    assert.equal(link.Properties.Name, 'booking-dev-web');
    assert.match(JSON.stringify(link.Properties.SecurityGroupIds), /NetworkingVpcLinkSecurityGroup/);
    const [, web] = service(json, 'booking-dev-web');
    assert.deepEqual(link.Properties.SubnetIds, web.NetworkConfiguration.AwsvpcConfiguration.Subnets);
    const [discoveryId] = cloudMapService(json, 'web');
    const [[integrationId, integration]] = resourcesOfType(json, 'AWS::ApiGatewayV2::Integration');
    assert.deepEqual(
      {
        type: integration.Properties.IntegrationType,
        connection: integration.Properties.ConnectionType,
        link: integration.Properties.ConnectionId,
        uri: integration.Properties.IntegrationUri,
        method: integration.Properties.IntegrationMethod,
      },
      {
        type: 'HTTP_PROXY',
        connection: 'VPC_LINK',
        link: { Ref: linkId },
        uri: { 'Fn::GetAtt': [discoveryId, 'Arn'] },
        method: 'ANY',
      },
    );
    const routes = resourcesOfType(json, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
    assert.deepEqual(routes.map((route) => route.RouteKey).sort(), ['ANY /', 'ANY /{proxy+}']);
    for (const route of routes) {
      assert.deepEqual(route.Target, { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    }
  });

  test("dev (HTTP API): the API's 5xx and p95 latency alarms notify the ops topic", () => {
    const json = platform.json('dev', 'app');
    const [[apiId]] = resourcesOfType(json, 'AWS::ApiGatewayV2::Api');
    const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.AlarmName.startsWith('booking-dev-api-'));
    assert.deepEqual(alarms.map((a) => a.AlarmName).sort(), ['booking-dev-api-5xx', 'booking-dev-api-latency-p95']);
    for (const alarm of alarms) {
      assert.equal(alarm.Namespace, 'AWS/ApiGateway');
      assert.deepEqual(alarm.Dimensions, [
        { Name: 'ApiId', Value: { Ref: apiId } },
        { Name: 'Stage', Value: '$default' },
      ]);
      assert.equal(alarm.AlarmActions.length, 1);
      assert.match(JSON.stringify(alarm.AlarmActions[0]), OPS_TOPIC);
    }
    const latency = alarms.find((a) => a.AlarmName.endsWith('latency-p95'));
    assert.equal(latency.ExtendedStatistic, 'p95');
    // The load balancer's alarms have nothing to watch.
    assert.ok(!alarms.some((a) => /-(target5xx|elb5xx|unhealthy-hosts)$/.test(a.AlarmName)));
  });

  /** The schedule Lambda's variables in dev's app template, and those that do not depend on the front door. */
  const scheduleVariables = (json: Record<string, any>, env: EnvironmentConfig) => {
    const [, fn] = resourcesOfType(json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('Schedule'))!;
    const [webId] = service(json, 'booking-dev-web');
    const [workerId] = service(json, 'booking-dev-worker');
    const cacheService = hasCacheTask(env)
      ? { [V.cacheService]: { 'Fn::GetAtt': [service(json, 'booking-dev-cache')[0], 'Name'] } }
      : {};
    return {
      actual: fn.Properties.Environment.Variables,
      common: {
        [V.environment]: 'dev',
        [V.stage]: 'booking-dev',
        [V.databaseId]: 'booking-dev',
        [V.cluster]: 'booking-dev',
        [V.webService]: { 'Fn::GetAtt': [webId, 'Name'] },
        [V.workerService]: { 'Fn::GetAtt': [workerId, 'Name'] },
        ...cacheService,
        [V.apiUrl]: 'https://api-dev.lichnails.co.uk/',
        [V.migrateFamily]: 'booking-dev-migrate',
        [V.pipelineName]: 'booking-dev',
        [V.stateTable]: 'booking-dev-ops-state',
        [V.metricNamespace]: 'booking',
        [V.configuredCapacity]: JSON.stringify(configuredCapacity(env)),
      },
    };
  };

  test('dev (HTTP API): the schedule Lambda gets its resources (the cache service among them), the VPC link and API URL (no target group), the state table and the configured bounds as variables', () => {
    const json = platform.json('dev', 'app');
    const { actual, common } = scheduleVariables(json, DEV);
    const [[vpcLinkId]] = resourcesOfType(json, 'AWS::ApiGatewayV2::VpcLink');
    assert.deepEqual(actual, { ...common, [V.vpcLinkId]: { Ref: vpcLinkId } });
    assert.ok(!JSON.stringify(actual).includes('STATE_PARAMETER'));
  });

  test('dev behind an ALB: the schedule Lambda gets the target group instead of a VPC link', () => {
    const json = devAlb.json('dev', 'app');
    const { actual, common } = scheduleVariables(json, DEV_ALB);
    const [targetGroupId] = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::TargetGroup')[0];
    assert.deepEqual(actual, { ...common, [V.targetGroupArn]: { Ref: targetGroupId } });
  });

  // Behind an ALB without a task cache, no ecs:DescribeTasks at all: test/modules/schedule.test.ts.
  test("the schedule Lambda reads target health behind an ALB, and dev's cache task's health; behind the HTTP API, its VPC link and the tasks' health", () => {
    const statementsOf = (json: Record<string, any>) =>
      resourcesOfType(json, 'AWS::IAM::Policy')
        .filter(([id]) => id.startsWith('ScheduleOperator'))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const granting = (statements: any[], action: string) =>
      statements.filter((s: any) => [s.Action].flat().includes(action)).map((s: any) => s.Resource);

    const albStatements = statementsOf(devAlb.json('dev', 'app'));
    assert.deepEqual(granting(albStatements, 'elasticloadbalancing:DescribeTargetHealth'), ['*']);
    // A resume waits for the cache task's health before starting web and worker.
    assert.deepEqual(granting(albStatements, 'ecs:DescribeTasks'), [
      'arn:aws:ecs:eu-west-2:111111111111:task/booking-dev/*',
    ]);
    assert.deepEqual(granting(albStatements, 'apigateway:GET'), []);

    const json = platform.json('dev', 'app');
    const [[vpcLinkId]] = resourcesOfType(json, 'AWS::ApiGatewayV2::VpcLink');
    const apiStatements = statementsOf(json);
    assert.deepEqual(granting(apiStatements, 'elasticloadbalancing:DescribeTargetHealth'), []);
    assert.deepEqual(granting(apiStatements, 'ecs:DescribeTasks'), [
      'arn:aws:ecs:eu-west-2:111111111111:task/booking-dev/*',
    ]);
    assert.deepEqual(granting(apiStatements, 'apigateway:GET'), [
      { 'Fn::Join': ['', ['arn:aws:apigateway:eu-west-2::/vpclinks/', { Ref: vpcLinkId }]] },
    ]);
  });

  test("dev: the schedule Lambda's role names every resource it touches (the cache service too); no SSM state parameter", () => {
    const json = platform.json('dev', 'app');
    const statements = resourcesOfType(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('ScheduleOperator'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const [webId] = service(json, 'booking-dev-web');
    const [workerId] = service(json, 'booking-dev-worker');
    const [cacheId] = service(json, 'booking-dev-cache');
    const byAction = (action: string) => {
      const found = statements.filter((s: any) => [s.Action].flat().includes(action));
      assert.equal(found.length, 1, action);
      return found[0];
    };
    const dynamodb = byAction('dynamodb:GetItem');
    assert.deepEqual([dynamodb.Action].flat().sort(), [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    assert.equal(dynamodb.Resource, 'arn:aws:dynamodb:eu-west-2:111111111111:table/booking-dev-ops-state');
    const listTasks = byAction('ecs:ListTasks');
    assert.deepEqual([listTasks.Action].flat(), ['ecs:ListTasks']);
    assert.equal(listTasks.Resource, '*');
    assert.deepEqual(listTasks.Condition, {
      ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:eu-west-2:111111111111:cluster/booking-dev' },
    });
    const pipeline = byAction('codepipeline:GetPipelineState');
    assert.deepEqual([pipeline.Action].flat(), ['codepipeline:GetPipelineState']);
    assert.equal(pipeline.Resource, 'arn:aws:codepipeline:eu-west-2:111111111111:booking-dev');
    const services = byAction('ecs:UpdateService');
    assert.deepEqual(services.Resource.map((resource: any) => resource.Ref).sort(), [cacheId, webId, workerId].sort());
    const rds = byAction('rds:StopDBInstance');
    assert.deepEqual([rds.Action].flat().sort(), [
      'rds:DescribeDBInstances',
      'rds:StartDBInstance',
      'rds:StopDBInstance',
    ]);
    assert.equal(rds.Resource, 'arn:aws:rds:eu-west-2:111111111111:db:booking-dev');
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    assert.ok(!actions.some((a: string) => a.startsWith('ssm:')), `SSM actions: ${actions.join(', ')}`);
    assert.equal(resourcesOfType(json, 'AWS::Scheduler::Schedule').length, 2);
  });

  test('dev with ElastiCache: no cache service, bounds or tunnel; the app talks TLS to the replication group', () => {
    const json = devElastiCache.json('dev', 'app');
    assert.deepEqual(
      resourcesOfType(json, 'AWS::ECS::Service')
        .map(([, s]) => s.Properties.ServiceName)
        .sort(),
      ['booking-dev-web', 'booking-dev-worker'],
    );
    assert.deepEqual(
      resourcesOfType(json, 'Custom::ServiceBounds')
        .map(([, b]) => b.Properties.Role)
        .sort(),
      ['web', 'worker'],
    );
    for (const role of ['web', 'worker', 'migrate']) {
      const td = taskDefinition(json, `booking-dev-${role}`);
      assert.ok(!td.ContainerDefinitions.some((c: any) => c.Name === 'cache-tunnel'), role);
      const app = container(td, 'app');
      const environment = Object.fromEntries(app.Environment.map((e: any) => [e.Name, e.Value]));
      assert.match(outputName(environment.REDIS_HOST)!, /CacheReplicationGroup.*PrimaryEndPointAddress/, role);
      assert.equal(environment.REDIS_TLS, 'true', role);
    }
    assert.deepEqual(container(taskDefinition(json, 'booking-dev-web'), 'app').DependsOn, [
      { ContainerName: 'pgbouncer', Condition: 'HEALTHY' },
    ]);
    assert.equal(json.Outputs?.[STACK_OUTPUTS.app.cacheServiceName], undefined);
  });

  test('dev with ElastiCache: the namespace holds the web tasks only; the schedule and the publisher know no cache task', () => {
    const json = devElastiCache.json('dev', 'app');
    assert.deepEqual(
      resourcesOfType(json, 'AWS::ServiceDiscovery::Service').map(([, d]) => d.Properties.Name),
      ['web'],
    );
    assert.equal(resourcesOfType(json, 'AWS::ServiceDiscovery::PrivateDnsNamespace').length, 1);
    const { actual, common } = scheduleVariables(json, DEV_ELASTICACHE);
    const [[vpcLinkId]] = resourcesOfType(json, 'AWS::ApiGatewayV2::VpcLink');
    assert.deepEqual(actual, { ...common, [V.vpcLinkId]: { Ref: vpcLinkId } });
    assert.equal(actual[V.cacheService], undefined);
    const [, fn] = resourcesOfType(json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('QueueMetrics'))!;
    const variables = fn.Properties.Environment.Variables;
    assert.equal(variables.CACHE_TLS, 'true');
    assert.ok(variables.CACHE_USER);
    assert.ok(variables.CACHE_REPLICATION_GROUP_ID);
    assert.equal(variables.CACHE_PASSWORD, undefined);
  });

  test('prod: no schedule, no schedule Lambda', () => {
    const json = platform.json('prod', 'app');
    // The monthly restore drill's schedule is the only one.
    assert.deepEqual(
      resourcesOfType(json, 'AWS::Scheduler::Schedule').map(([id]) => id.replace(/[0-9A-F]{8}$/, '')),
      ['RestoreDrillMonthly'],
    );
    assert.ok(!resourcesOfType(json, 'AWS::Lambda::Function').some(([id]) => id.startsWith('Schedule')));
  });

  for (const envName of ['dev', 'prod'] as const) {
    test(`${envName} minimal: no load balancer or HTTP API, no services, no bounds, no publisher, no API record; cluster and certificate stay`, () => {
      const json = minimal.json(envName, 'app');
      for (const type of [
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        'AWS::ApiGatewayV2::Api',
        'AWS::ApiGatewayV2::VpcLink',
        'AWS::ServiceDiscovery::PrivateDnsNamespace',
        'AWS::ServiceDiscovery::Service',
        'AWS::ECS::Service',
        'AWS::ECS::TaskDefinition',
        'AWS::ApplicationAutoScaling::ScalableTarget',
        'Custom::ServiceBounds',
        'AWS::Lambda::Function',
        'AWS::Scheduler::Schedule',
        'AWS::Route53::RecordSet',
      ]) {
        assert.equal(resourcesOfType(json, type).length, 0, type);
      }
      assert.equal(resourcesOfType(json, 'AWS::ECS::Cluster').length, 1);
      assert.equal(resourcesOfType(json, 'AWS::CertificateManager::Certificate').length, 1);
    });
  }

  test('pool sizes that overflow max_connections fail with the numbers', () => {
    const issues = findConfigIssues(
      withEnvironment('dev', {
        compute: { web: { maxTasks: 6 }, worker: { maxTasks: 6 }, pgbouncer: { defaultPoolSize: 10 } },
      }),
    );
    assert.deepEqual(issues, [
      {
        field: 'dev.compute.pgbouncer.defaultPoolSize',
        message:
          '(6 web + 6 worker tasks) x 10 = 120 server connections exceed max_connections 112 - 10 reserved = 102 on db.t4g.micro (lower the pool size or maxTasks, or use a larger database class)',
      },
    ]);
  });

  test('bad compute config fails with a clear message', () => {
    assert.deepEqual(findConfigIssues(withEnvironment('dev', { compute: { web: { memoryMiB: 3000 } } })), [
      {
        field: 'dev.compute.web.memoryMiB',
        message: '3000 is not a Fargate memory size for cpu 256 (use one of: 512, 1024, 2048)',
      },
    ]);
    assert.deepEqual(findConfigIssues(withEnvironment('dev', { compute: { architecture: 'arm' as never } })), [
      { field: 'dev.compute.architecture', message: '"arm" is not a Fargate CPU architecture (did you mean "arm64"?)' },
    ]);
    assert.deepEqual(findConfigIssues(withEnvironment('dev', { compute: { worker: { stopTimeoutSeconds: 300 } } })), [
      {
        field: 'dev.compute.worker.stopTimeoutSeconds',
        message: '300 is out of range (use a whole number from 2 to 120, the Fargate maximum)',
      },
    ]);
    assert.deepEqual(
      findConfigIssues(withEnvironment('dev', { compute: { environment: { DJANGO_SECRET_KEY: 'oops' } } })),
      [
        {
          field: 'dev.compute.environment.DJANGO_SECRET_KEY',
          message: 'is also an application secret (set it in one place: secrets stay out of plain environment)',
        },
      ],
    );
  });
});
