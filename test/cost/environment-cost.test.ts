import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, ingressOf, platformConfig } from '../../src/config';
import { ENVIRONMENT_STATES } from '../../src/config/types';
import { budgetLimits, estimateEnvironments } from '../../src/cost/environment-cost';
import type { CostEstimate } from '../../src/cost/estimator';
import { resourcesOfType, synth, type SynthesizedPlatform } from '../helpers';

describe('cost of the committed environments', () => {
  let estimates: CostEstimate[];
  let platform: SynthesizedPlatform;
  before(() => {
    estimates = ENVIRONMENT_STATES.flatMap((state) =>
      estimateEnvironments(platformConfig, platformConfig.environments, state),
    );
    platform = synth();
  });
  const find = (env: string, state: string) => estimates.find((e) => e.environment === env && e.state === state)!;

  for (const env of ['dev', 'prod']) {
    test(`${env}: minimal < paused < running`, () => {
      assert.ok(find(env, 'paused').totalUsd < find(env, 'running').totalUsd);
      assert.ok(find(env, 'minimal').totalUsd < find(env, 'paused').totalUsd);
    });
  }

  test('every total is the sum of its lines', () => {
    for (const e of estimates) {
      const sum = Math.round(e.lines.reduce((total, line) => total + line.monthlyUsd, 0) * 100) / 100;
      assert.equal(e.totalUsd, sum, `${e.environment} ${e.state}`);
    }
  });

  test("only items without a sourced price are unpriced, each saying why: dev's cache file system (EFS) among them", () => {
    for (const e of estimates) {
      const unpriced = e.lines.filter((line) => line.status === 'unpriced');
      const kinds = [...new Set(unpriced.map((line) => `${line.type} ${line.module}`))].sort();
      const running = e.state !== 'minimal';
      const expected = [
        'AWS::DynamoDB::Table state-table',
        'AWS::Lambda::Function state-guard',
        ...(running
          ? [
              'AWS::CodeBuild::Project pipeline',
              'AWS::Lambda::Function database-access',
              'AWS::Lambda::Function queue-metrics',
            ]
          : []),
        ...(running && e.environment === 'dev' ? ['AWS::Lambda::Function schedule'] : []),
        // Dev's cache task keeps its data on EFS (gone with the cache while minimal): no sourced EFS price.
        ...(running && e.environment === 'dev' ? ['AWS::EFS::FileSystem cache'] : []),
        // The monthly restore drill's function (prod's backup.drill.monthly).
        ...(running && e.environment === 'prod' ? ['AWS::Lambda::Function restore-drill'] : []),
      ].sort();
      assert.deepEqual(kinds, expected, `${e.environment} ${e.state}`);
      for (const line of unpriced) {
        assert.match(
          line.basis,
          /unpriced: (lambda\.requests\.million: no Lambda price in the sourced reference data|codebuild\..*no sourced eu-west-2 CodeBuild price|dynamodb\.on-demand\.write\.million: no DynamoDB price in the sourced reference data)|^efs\.standard\.gb-month: no sourced EFS price for eu-west-2 in the reference data; the cache's append-only file .* costs under 0\.01 USD\/month/,
        );
      }
    }
  });

  test('minimal prices no cache and no NAT gateway; paused stops the database', () => {
    const minimal = find('prod', 'minimal');
    assert.ok(!minimal.lines.some((line) => line.type === 'AWS::ElastiCache::ReplicationGroup'));
    assert.ok(!minimal.lines.some((line) => line.type === 'AWS::EC2::NatGateway'));
    const db = find('prod', 'paused').lines.find((line) => line.type === 'AWS::RDS::DBInstance')!;
    assert.doesNotMatch(db.basis, /hours/);
    assert.match(db.basis, /stopped: storage and backups only/);
  });

  test("paused is priced on the running structure: the front door and the services (web, worker, dev's cache task) stay, at 0 tasks", () => {
    for (const env of ['dev', 'prod']) {
      const paused = find(env, 'paused');
      const running = find(env, 'running');
      const services = (e: CostEstimate) => e.lines.filter((line) => line.type === 'AWS::ECS::Service');
      // Dev's cache is an ECS service too (cache.hosting: task), paused with web and worker.
      assert.deepEqual(
        services(paused)
          .map((line) => line.module)
          .sort(),
        [...(env === 'dev' ? ['cache'] : []), 'web-service', 'worker-service'],
        `${env} paused keeps its services`,
      );
      for (const service of services(paused)) {
        assert.equal(service.monthlyUsd, 0, `${env} ${service.logicalId}`);
        assert.match(service.basis, /0 tasks; scales \d+-\d+ tasks$/);
      }
      // The front door stays: prod's ALB (billed by the hour), dev's HTTP API (billed per request: 0).
      const door =
        ingressOf(environmentNamed(platformConfig, env)).kind === 'alb'
          ? 'AWS::ElasticLoadBalancingV2::LoadBalancer'
          : 'AWS::ApiGatewayV2::Api';
      assert.ok(
        paused.lines.some((line) => line.type === door),
        `${env} paused keeps its ${door}`,
      );
      assert.ok(paused.lines.some((line) => line.type === 'Custom::ServiceBounds'));
      // Running: the web service runs its configured minimum, read through Custom::ServiceBounds.
      const minTasks = environmentNamed(platformConfig, env).compute.web.minTasks;
      const web = services(running).find((line) => line.module === 'web-service')!;
      assert.ok(web.monthlyUsd > 0, `${env} web priced`);
      assert.match(web.basis, new RegExp(`${minTasks} tasks?; scales ${minTasks}-\\d+ tasks$`));
      assert.ok(!find(env, 'minimal').lines.some((line) => line.type === 'AWS::ECS::Service'));
    }
  });

  test('the guard (timer, alarm, metric) and the state table are priced in every state', () => {
    for (const e of estimates) {
      const guard = e.lines.filter((line) => line.module === 'state-guard');
      const alarm = guard.find((line) => line.type === 'AWS::CloudWatch::Alarm');
      assert.equal(alarm?.monthlyUsd, 0.1, `${e.environment} ${e.state} alarm`);
      const fn = guard.find((line) => line.type === 'AWS::Lambda::Function');
      assert.equal(fn?.monthlyUsd, 0.3, `${e.environment} ${e.state} guard metric`);
      assert.ok(e.lines.some((line) => line.type === 'AWS::DynamoDB::Table' && line.module === 'state-table'));
      // The queue-depth publisher declares two metrics: QueueBacklog and QueuedJobs.
      const publisher = e.lines.find(
        (line) => line.type === 'AWS::Lambda::Function' && line.module === 'queue-metrics',
      );
      if (e.state === 'minimal') assert.equal(publisher, undefined);
      else assert.equal(publisher?.monthlyUsd, 0.6, `${e.environment} ${e.state} publisher`);
    }
  });

  test('each environment has a monthly budget at its estimate plus the margin, alerting the ops topic', () => {
    const limits = budgetLimits(platformConfig);
    for (const envName of ['dev', 'prod']) {
      const env = environmentNamed(platformConfig, envName);
      const expected = Math.ceil(find(envName, env.state).totalUsd * (1 + env.budget.marginPercent / 100));
      assert.equal(limits[envName], expected);
      assert.equal(
        env.budget.monthlyLimitUsd,
        expected,
        `the committed budget of ${envName} drifted from its estimate plus ${env.budget.marginPercent}%: set budget.monthlyLimitUsd to ${expected} in src/config/${envName}.ts`,
      );
      const json = platform.json(envName, 'ops');
      const budgets = resourcesOfType(json, 'AWS::Budgets::Budget');
      assert.equal(budgets.length, 1);
      const budget = budgets[0][1].Properties;
      assert.deepEqual(budget.Budget.BudgetLimit, { Amount: expected, Unit: 'USD' });
      assert.deepEqual(budget.Budget.CostFilters, { TagKeyValue: [`user:environment$${envName}`] });
      assert.equal(budget.Budget.TimeUnit, 'MONTHLY');
      const [topicId] = resourcesOfType(json, 'AWS::SNS::Topic')[0];
      assert.deepEqual(
        budget.NotificationsWithSubscribers.map((n: any) => [
          n.Notification.NotificationType,
          n.Notification.Threshold,
          n.Subscribers[0].Address,
        ]),
        [
          ['ACTUAL', 80, { Ref: topicId }],
          ['FORECASTED', 100, { Ref: topicId }],
        ],
      );
      const [, policy] = resourcesOfType(json, 'AWS::SNS::TopicPolicy')[0];
      const statements = policy.Properties.PolicyDocument.Statement;
      assert.ok(
        statements.some((s: any) => s.Principal?.Service === 'budgets.amazonaws.com' && s.Action === 'sns:Publish'),
      );
    }
  });
});
