import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { environmentNamed, platformConfig } from '../../src/config';
import { OPS_LAMBDA_VARIABLES as V } from '../../src/ops/contracts';
import { EnvironmentSchedule, type EnvironmentScheduleProps } from '../../src/modules/schedule/environment-schedule';
import { synthesize } from '../../src/quality/synthesize';
import { resourcesOfType, temporaryDirectory } from '../helpers';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';

const dev = environmentNamed(platformConfig, 'dev');
// Dev's cache is a task (`cache.hosting: 'task'`): its service is paused and resumed with web and worker.
const configured = { web: { min: 1, max: 2 }, worker: { min: 0, max: 2 }, cache: { min: 1, max: 1 } };
const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-2:123456789012:${resource}`;

/** A resource ARN as text, its partition token written `aws` (a plain test stack has no literal partition). */
function arnText(value: any): unknown {
  const join = value?.['Fn::Join'];
  if (!join) return value;
  return join[1].map((part: any) => (part?.Ref === 'AWS::Partition' ? 'aws' : part)).join(join[0]);
}

/** The props of dev's schedule behind the load balancer, changed by `overrides`. */
function scheduleProps(overrides: Partial<EnvironmentScheduleProps> = {}): EnvironmentScheduleProps {
  assert.ok(dev.schedule, 'dev has a schedule');
  assert.equal(dev.cache.hosting, 'task', "dev's cache is a task: its service is one the schedule operates");
  return {
    appName: 'booking',
    environmentName: 'dev',
    schedule: dev.schedule,
    databaseId: 'booking-dev',
    clusterName: 'booking-dev',
    webServiceName: 'booking-dev-web',
    workerServiceName: 'booking-dev-worker',
    cacheServiceName: 'booking-dev-cache',
    serviceArns: [
      arn('ecs', 'service/booking-dev/booking-dev-web'),
      arn('ecs', 'service/booking-dev/booking-dev-worker'),
      arn('ecs', 'service/booking-dev/booking-dev-cache'),
    ],
    targetGroupArn: arn('elasticloadbalancing', 'targetgroup/web/0123456789abcdef'),
    apiUrl: 'https://api-dev.lichnails.co.uk/',
    migrateFamily: 'booking-dev-migrate',
    pipelineName: 'booking-dev',
    stateTableName: 'booking-dev-ops-state',
    configured,
    metricNamespace: 'booking',
    logRetentionDays: 14,
    ...overrides,
  };
}

/** The schedule alone in a stack; with `gated`, cdk-nag must find nothing unacknowledged. */
function scheduleTemplate(props: EnvironmentScheduleProps, gated = false): Record<string, any> {
  const app = new App({
    context: { [BUNDLING_STACKS]: [] },
    ...(gated ? { outdir: temporaryDirectory('booking-schedule-') } : {}),
  });
  if (gated) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Scheduled', { env: { account: '123456789012', region: 'eu-west-2' } });
  new EnvironmentSchedule(stack, 'Schedule', props);
  if (gated) synthesize(app);
  return Template.fromStack(stack).toJSON();
}

/** The operator function's role's statements, ARNs as text. */
function operatorStatements(json: Record<string, any>): any[] {
  const [[functionId]] = resourcesOfType(json, 'AWS::Lambda::Function');
  const operatorRoleId = json.Resources[functionId].Properties.Role['Fn::GetAtt'][0];
  return resourcesOfType(json, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(operatorRoleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
    .map((s: any) => ({
      actions: [s.Action].flat().sort(),
      resource: Array.isArray(s.Resource) ? s.Resource.map(arnText) : arnText(s.Resource),
      ...(s.Condition ? { condition: arnTextDeep(s.Condition) } : {}),
    }));
}

describe('environment schedule (module)', () => {
  let json: Record<string, any>;
  let functionId: string;
  before(() => {
    json = scheduleTemplate(scheduleProps());
    [[functionId]] = resourcesOfType(json, 'AWS::Lambda::Function');
  });

  test('dev pauses on weeknights and weekends through EventBridge Scheduler (Europe/London)', () => {
    const schedules = resourcesOfType(json, 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties);
    assert.deepEqual(
      schedules.map((s) => [s.ScheduleExpression, s.ScheduleExpressionTimezone, s.Target.Input]).sort(),
      [
        ['cron(0 20 ? * MON-FRI *)', 'Europe/London', '{"action":"pause"}'],
        ['cron(0 7 ? * MON-FRI *)', 'Europe/London', '{"action":"resume"}'],
      ].sort(),
    );
    const [schedulerRoleId] = resourcesOfType(json, 'AWS::IAM::Role').find(([, role]) =>
      JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    )!;
    for (const schedule of schedules) {
      assert.equal(schedule.State, 'ENABLED');
      assert.deepEqual(schedule.FlexibleTimeWindow, { Mode: 'OFF' });
      assert.deepEqual(schedule.Target.Arn, { 'Fn::GetAtt': [functionId, 'Arn'] });
      assert.deepEqual(schedule.Target.RoleArn, { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] });
      assert.deepEqual(schedule.Target.RetryPolicy, { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    }
  });

  test("the scheduler's role, assumed from this account only, may invoke the unqualified function and nothing else", () => {
    const [[roleId, role]] = resourcesOfType(json, 'AWS::IAM::Role').filter(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    );
    assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition, {
      StringEquals: { 'aws:SourceAccount': '123456789012' },
    });
    const statements = resourcesOfType(json, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    assert.deepEqual(statements, [
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [functionId, 'Arn'] } },
    ]);
  });

  test('the operator reads its resources, the state table and the configured bounds from its variables', () => {
    const fn = json.Resources[functionId].Properties;
    assert.deepEqual(fn.Environment.Variables, {
      [V.environment]: 'dev',
      [V.stage]: 'booking-dev',
      [V.databaseId]: 'booking-dev',
      [V.cluster]: 'booking-dev',
      [V.webService]: 'booking-dev-web',
      [V.workerService]: 'booking-dev-worker',
      [V.cacheService]: 'booking-dev-cache',
      [V.targetGroupArn]: arn('elasticloadbalancing', 'targetgroup/web/0123456789abcdef'),
      [V.apiUrl]: 'https://api-dev.lichnails.co.uk/',
      [V.migrateFamily]: 'booking-dev-migrate',
      [V.pipelineName]: 'booking-dev',
      [V.stateTable]: 'booking-dev-ops-state',
      [V.metricNamespace]: 'booking',
      [V.configuredCapacity]: JSON.stringify(configured),
    });
    assert.equal(fn.Timeout, 900, 'a pause waits for tasks to drain and the database to stop');
  });

  test("the operator's role: its services (the cache's too), its database, the state table, ListTasks in its cluster, its pipeline, its tasks' health", () => {
    const statements = operatorStatements(json);
    const [logGroupId] = resourcesOfType(json, 'AWS::Logs::LogGroup')[0];
    assert.deepEqual(statements, [
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
      {
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resource: [
          arn('ecs', 'service/booking-dev/booking-dev-web'),
          arn('ecs', 'service/booking-dev/booking-dev-worker'),
          arn('ecs', 'service/booking-dev/booking-dev-cache'),
        ],
      },
      {
        actions: ['application-autoscaling:DescribeScalableTargets', 'elasticloadbalancing:DescribeTargetHealth'],
        resource: '*',
      },
      {
        // Only this environment's ECS scalable targets, by their tags: not prod's in a shared account.
        actions: ['application-autoscaling:RegisterScalableTarget'],
        resource: arn('application-autoscaling', 'scalable-target/*'),
        condition: {
          StringEquals: {
            'aws:ResourceTag/app': 'booking',
            'aws:ResourceTag/environment': 'dev',
            'application-autoscaling:service-namespace': 'ecs',
            'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
          },
        },
      },
      {
        // Pause silences the alarms a paused environment trips; resume gives them back.
        actions: ['cloudwatch:DisableAlarmActions', 'cloudwatch:EnableAlarmActions'],
        resource: [
          'web-below-minimum',
          'no-healthy-web-target',
          'http-5xx-rate',
          'platform-down',
          'elb5xx',
          'no-web-task',
          'api-5xx',
          // A paused cache task leaves the backlog publisher nothing to read.
          'backlog-metric-missing',
          'queue-depth-errors',
        ].map((suffix) => arn('cloudwatch', `alarm:booking-dev-${suffix}`)),
      },
      {
        actions: ['rds:DescribeDBInstances', 'rds:StartDBInstance', 'rds:StopDBInstance'],
        resource: arn('rds', 'db:booking-dev'),
      },
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resource: arn('dynamodb', 'table/booking-dev-ops-state'),
      },
      {
        actions: ['ecs:ListTasks'],
        resource: '*',
        condition: { ArnEquals: { 'ecs:cluster': arn('ecs', 'cluster/booking-dev') } },
      },
      { actions: ['codepipeline:GetPipelineState'], resource: arn('codepipeline', 'booking-dev') },
      // A resume waits for the cache task's container health before it starts web and worker.
      { actions: ['ecs:DescribeTasks'], resource: arn('ecs', 'task/booking-dev/*') },
    ]);
    assert.ok(!JSON.stringify(statements).includes('ssm:'), 'no SSM parameter holds the state any more');
    assert.ok(!JSON.stringify(statements).includes('apigateway:'), 'no VPC link behind a load balancer');
  });
});

describe('environment schedule with an ElastiCache cache (no cache service)', () => {
  let json: Record<string, any>;
  before(() => {
    json = scheduleTemplate(
      scheduleProps({
        cacheServiceName: undefined,
        serviceArns: [
          arn('ecs', 'service/booking-dev/booking-dev-web'),
          arn('ecs', 'service/booking-dev/booking-dev-worker'),
        ],
        configured: { web: configured.web, worker: configured.worker },
      }),
    );
  });

  test('the operator is told no cache service, may update web and worker only, and behind a load balancer reads no task', () => {
    const [[, fn]] = resourcesOfType(json, 'AWS::Lambda::Function');
    assert.ok(!(V.cacheService in fn.Properties.Environment.Variables));
    const statements = operatorStatements(json);
    assert.deepEqual(
      statements.find((s) => s.actions.includes('ecs:UpdateService')),
      {
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resource: [
          arn('ecs', 'service/booking-dev/booking-dev-web'),
          arn('ecs', 'service/booking-dev/booking-dev-worker'),
        ],
      },
    );
    assert.ok(!statements.some((s) => s.actions.includes('ecs:DescribeTasks')), 'target health, not task health');
  });
});

describe('environment schedule with the HTTP API (no load balancer, a VPC link)', () => {
  let json: Record<string, any>;
  before(() => {
    // Synthesized with cdk-nag: the grants below pass it, their wildcard acknowledged.
    json = scheduleTemplate(scheduleProps({ targetGroupArn: undefined, vpcLinkId: 'vldev42' }), true);
  });

  test('the operator is told the VPC link and the API URL, and no target group', () => {
    const [[, fn]] = resourcesOfType(json, 'AWS::Lambda::Function');
    const variables = fn.Properties.Environment.Variables;
    assert.equal(variables[V.vpcLinkId], 'vldev42');
    assert.equal(variables[V.apiUrl], 'https://api-dev.lichnails.co.uk/');
    assert.ok(!(V.targetGroupArn in variables));
  });

  test("resume may read that VPC link (apigateway:GET on its path) and the health of the cluster's tasks; no target health", () => {
    const statements = operatorStatements(json);
    assert.deepEqual(
      statements.filter((s) =>
        s.actions.some((action: string) => /^(apigateway|ecs:DescribeTasks|elasticloadbalancing)/.test(action)),
      ),
      [
        { actions: ['ecs:DescribeTasks'], resource: arn('ecs', 'task/booking-dev/*') },
        { actions: ['apigateway:GET'], resource: 'arn:aws:apigateway:eu-west-2::/vpclinks/vldev42' },
      ],
    );
    assert.deepEqual(
      statements.find(
        (s) => s.resource === '*' && s.actions.includes('application-autoscaling:DescribeScalableTargets'),
      ),
      { actions: ['application-autoscaling:DescribeScalableTargets'], resource: '*' },
    );
    assert.ok(
      statements.some(
        (s) =>
          s.actions.includes('ecs:ListTasks') &&
          JSON.stringify(s.condition) ===
            JSON.stringify({ ArnEquals: { 'ecs:cluster': arn('ecs', 'cluster/booking-dev') } }),
      ),
      'ListTasks, which finds the web tasks, stays limited to the cluster',
    );
  });
});

/** `arnText` applied to every value of a condition block. */
function arnTextDeep(condition: Record<string, Record<string, unknown>>): unknown {
  return Object.fromEntries(
    Object.entries(condition).map(([operator, keys]) => [
      operator,
      Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, arnText(value)])),
    ]),
  );
}
