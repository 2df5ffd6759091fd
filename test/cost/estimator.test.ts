import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { platformConfig } from '../../src/config';
import type { UsageAssumptions } from '../../src/config/types';
import { type CostEstimate, estimate, type StackTemplate } from '../../src/cost/estimator';
import { isPriced } from '../../src/cost/price-table';
import { PRICE_TABLES, priceTableFor } from '../../src/cost/prices';
import { fixtureStack } from './fixtures';

const usage: UsageAssumptions = {
  albLcu: 1,
  natDataGiB: 10,
  logIngestGiB: 2,
  ecrStorageGiB: 0,
  buildMinutes: 0,
  pipelineActionMinutes: 0,
  s3StorageGiB: 0,
  cdnDataGiB: 0,
  requestsMillions: 0,
  databaseBackupGiB: 30,
  fargateSpotDiscount: 0.7,
  stateTableReadsPerMonth: 18_000,
  stateTableWritesPerMonth: 400,
};

function priceFixture(state: 'running' | 'paused' | 'minimal' = 'running'): CostEstimate {
  return estimate({
    environment: 'fixture',
    state,
    region: 'eu-west-2',
    logRetentionDays: 30,
    usage,
    stacks: [fixtureStack],
    priceTables: priceTableFor,
  });
}

const line = (result: CostEstimate, logicalId: string) => {
  const found = result.lines.find((candidate) => candidate.logicalId === logicalId);
  assert.ok(found, `a line for ${logicalId}`);
  return found;
};

describe('cost estimator on a hand-made template (eu-west-2 prices)', () => {
  const running = priceFixture();

  test('NAT gateway: 730 h x 0.05 + 10 GB x 0.05 = 37.00; its EIP: 730 h x 0.005 = 3.65', () => {
    assert.equal(line(running, 'Nat').monthlyUsd, 37.0);
    assert.equal(line(running, 'NatIp').monthlyUsd, 3.65);
  });

  test('ALB: 730 x 0.02646 + 1 LCU x 730 x 0.0084 + 2 AZ x 730 x 0.005 = 32.75', () => {
    assert.equal(line(running, 'Alb').monthlyUsd, 32.75);
  });

  test('RDS running: 730 x 0.018 + 20 GB x 0.133 + (30 - 20) GB backup x 0.10 = 16.80', () => {
    assert.equal(line(running, 'Db').monthlyUsd, 16.8);
    assert.match(running.assumptions.join('\n'), /autoscaling may grow it to 100 GB/);
  });

  test('RDS stopped (paused): storage and backups only, 2.66 + 1.00 = 3.66', () => {
    assert.equal(line(priceFixture('paused'), 'Db').monthlyUsd, 3.66);
  });

  test('paused and minimal price a service at 0 tasks, whatever its DesiredCount', () => {
    for (const state of ['paused', 'minimal'] as const) {
      const service = line(priceFixture(state), 'Service');
      assert.equal(service.monthlyUsd, 0, state);
      assert.equal(service.status, 'priced', state);
      assert.match(service.basis, /^nothing billed; 0 tasks$/, state);
    }
  });

  test('Valkey: 2 nodes x 730 h x 0.0144 = 21.02', () => {
    assert.equal(line(running, 'Cache').monthlyUsd, 21.02);
  });

  test('Fargate service: 2 ARM tasks, base 1 on-demand then 1:1 with Spot, public IPs = 20.98', () => {
    // on-demand 1.5 tasks: 1.5 x 0.25 vCPU x 730 x 0.03725 = 10.197; 1.5 x 0.5 GB x 730 x 0.00409 = 2.239
    // Spot 0.5 task at 30%: 0.5 x 0.25 x 730 x 0.3 x 0.03725 = 1.020; 0.5 x 0.5 x 730 x 0.3 x 0.00409 = 0.224
    // public IPv4: 2 x 730 x 0.005 = 7.30
    assert.equal(line(running, 'Service').monthlyUsd, 20.98);
    assert.equal(line(running, 'TaskDef').status, 'free');
  });

  test('interface endpoint: 2 AZ x 730 h x 0.011 = 16.06; gateway endpoint free', () => {
    assert.equal(line(running, 'Endpoint').monthlyUsd, 16.06);
    assert.equal(line(running, 'S3Endpoint').status, 'free');
  });

  test('flat monthly items: zone 0.50, secret 0.40, key 1.00, alarm 0.10, dashboard 3.00, advanced parameter 0.05', () => {
    assert.deepEqual(
      ['Zone', 'Secret', 'Key', 'Alarm1', 'Dashboard', 'Advanced', 'Standard'].map(
        (id) => line(running, id).monthlyUsd,
      ),
      [0.5, 0.4, 1, 0.1, 3, 0.05, 0],
    );
  });

  test('log usage: 2 GB x 0.5985 + 2 GB x 30/30.4 months x 0.0315 = 1.26', () => {
    assert.equal(line(running, '(usage)').monthlyUsd, 1.26);
  });

  test('the total is the sum of the lines: 154.67', () => {
    const sum = Math.round(running.lines.reduce((total, l) => total + l.monthlyUsd, 0) * 100) / 100;
    assert.equal(running.totalUsd, sum);
    assert.equal(running.totalUsd, 154.67);
  });

  test('an unknown resource type and an unsourced price are listed as unpriced with their reason', () => {
    const unpriced = running.lines.filter((l) => l.status === 'unpriced');
    assert.deepEqual(
      unpriced.map((l) => l.logicalId),
      ['Publisher', 'Mystery'],
    );
    assert.match(
      line(running, 'Publisher').basis,
      /unpriced: lambda\.requests\.million: no Lambda price in the sourced reference data/,
    );
    assert.equal(line(running, 'Mystery').basis, 'no price rule for AWS::Made::Up');
  });

  test('known-free resources are listed as free, not dropped', () => {
    assert.equal(line(running, 'Vpc').status, 'free');
    assert.equal(running.lines.length, Object.keys(fixtureStack.template.Resources!).length + 1);
  });

  test('a region without a price table leaves priced resources unpriced, naming the missing key', () => {
    const elsewhere = estimate({
      environment: 'fixture',
      state: 'running',
      region: 'ap-south-1',
      logRetentionDays: 30,
      usage,
      stacks: [{ ...fixtureStack, region: 'ap-south-1' }],
      priceTables: priceTableFor,
    });
    assert.equal(line(elsewhere, 'Nat').status, 'unpriced');
    assert.match(line(elsewhere, 'Nat').basis, /nat\.hour \(not in the ap-south-1 price table\)/);
  });

  test('the module of a line comes from its module tag', () => {
    assert.equal(line(running, 'Nat').module, 'networking');
  });
});

describe('price tables', () => {
  test('every price carries its unit, source and date; every missing price its reason', () => {
    for (const table of Object.values(PRICE_TABLES)) {
      for (const [key, entry] of Object.entries(table.prices)) {
        assert.ok(entry.unit.length > 0, `${table.region} ${key} unit`);
        if (isPriced(entry)) {
          assert.ok(
            entry.usd >= 0 && entry.source.length > 0 && /^\d{4}-\d{2}$/.test(entry.date),
            `${table.region} ${key}`,
          );
        } else {
          assert.ok(entry.reason.length > 10, `${table.region} ${key} reason`);
        }
      }
    }
  });

  test('every configured instance class and cache node has a price in its region', () => {
    for (const env of platformConfig.environments) {
      const table = priceTableFor(env.region);
      const dbKey = `rds.postgres.${env.database.instanceClass}.${env.database.multiAz ? 'multi-az' : 'single-az'}.hour`;
      const cacheKey = `elasticache.${env.cache.engine}.${env.cache.nodeType}.hour`;
      assert.ok(isPriced(table.prices[dbKey]), dbKey);
      assert.ok(isPriced(table.prices[cacheKey]), cacheKey);
    }
  });
});

/** Prices one hand-made stack (eu-west-2) in `state`. */
function priceStack(resources: StackTemplate['template']['Resources'], state: 'running' | 'paused' | 'minimal') {
  return estimate({
    environment: 'fixture',
    state,
    region: 'eu-west-2',
    logRetentionDays: 30,
    usage,
    stacks: [{ stackName: 'fixture-app', region: 'eu-west-2', template: { Resources: resources } }],
    priceTables: priceTableFor,
  });
}

/**
 * A service as the app stack now synthesizes it: no DesiredCount, and a scalable target whose
 * bounds are Fn::GetAtt of a Custom::ServiceBounds resource (resolved from the state record at
 * deploy time) carrying the configured MinTasks / MaxTasks.
 */
function boundedService(minCapacity: unknown, maxCapacity: unknown) {
  return {
    Bounds: {
      Type: 'Custom::ServiceBounds',
      Properties: {
        ServiceToken: { 'Fn::GetStackOutput': { StackName: 'fixture-data', OutputName: 'GuardArn' } },
        Role: 'web',
        MinTasks: '2',
        MaxTasks: '4',
      },
    },
    TaskDef: fixtureStack.template.Resources!.TaskDef,
    Service: {
      Type: 'AWS::ECS::Service',
      Properties: {
        TaskDefinition: { Ref: 'TaskDef' },
        CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
      },
    },
    Target: {
      Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      Properties: {
        ResourceId: { 'Fn::Join': ['', ['service/', { Ref: 'Cluster' }, '/', { 'Fn::GetAtt': ['Service', 'Name'] }]] },
        MinCapacity: minCapacity,
        MaxCapacity: maxCapacity,
      },
    },
  };
}

describe('cost estimator on the state-record design', () => {
  const fromBounds = boundedService({ 'Fn::GetAtt': ['Bounds', 'Min'] }, { 'Fn::GetAtt': ['Bounds', 'Max'] });

  test('a scalable target whose bounds come from Custom::ServiceBounds is priced from MinTasks: 2 ARM tasks = 16.58', () => {
    // 2 x 0.25 vCPU x 730 x 0.03725 = 13.596; 2 x 0.5 GB x 730 x 0.00409 = 2.986
    const running = priceStack(fromBounds, 'running');
    const service = line(running, 'Service');
    assert.equal(service.status, 'priced');
    assert.equal(service.monthlyUsd, 16.58);
    assert.match(service.basis, /2 tasks; scales 2-4 tasks$/);
    assert.doesNotMatch(running.assumptions.join('\n'), /no DesiredCount/, 'the scalable target sets the count');
    // The same as literal bounds 2..4.
    assert.equal(line(priceStack(boundedService(2, 4), 'running'), 'Service').monthlyUsd, 16.58);
    assert.equal(line(running, 'Bounds').status, 'free');
    assert.equal(line(running, 'Target').status, 'free');
  });

  test('bounds from another resource type are not read as numbers: the service is priced at 0 tasks', () => {
    const other = { ...fromBounds, Bounds: { ...fromBounds.Bounds, Type: 'Custom::Other' } };
    const service = line(priceStack(other, 'running'), 'Service');
    assert.equal(service.monthlyUsd, 0);
    assert.match(service.basis, /0 tasks$/);
  });

  test('paused prices 0 tasks even though the bounds say 2', () => {
    for (const state of ['paused', 'minimal'] as const) {
      const service = line(priceStack(fromBounds, state), 'Service');
      assert.equal(service.monthlyUsd, 0, state);
      assert.match(service.basis, /0 tasks; scales 2-4 tasks$/, state);
    }
  });

  test('the DynamoDB state table appears with its request units unpriced, saying why', () => {
    const table = line(
      priceStack(
        {
          StateTable: {
            Type: 'AWS::DynamoDB::Table',
            Properties: { BillingMode: 'PAY_PER_REQUEST', Tags: [{ Key: 'module', Value: 'state-table' }] },
          },
        },
        'running',
      ),
      'StateTable',
    );
    assert.equal(table.status, 'unpriced');
    assert.equal(table.monthlyUsd, 0);
    assert.equal(table.module, 'state-table');
    assert.match(
      table.basis,
      /unpriced: dynamodb\.on-demand\.write\.million: no DynamoDB price in the sourced reference data .*, dynamodb\.on-demand\.read\.million: no DynamoDB price in the sourced reference data/,
    );
  });

  test('a Lambda answering a custom resource is free only while no EventBridge rule targets it', () => {
    const handler = {
      Guard: { Type: 'AWS::Lambda::Function', Properties: { Tags: [{ Key: 'booking:custom-metrics', Value: '1' }] } },
      Structure: {
        Type: 'Custom::EnvironmentStructure',
        Properties: { ServiceToken: { 'Fn::GetAtt': ['Guard', 'Arn'] }, Structure: 'running' },
      },
    };
    const deployOnly = line(priceStack(handler, 'running'), 'Guard');
    assert.equal(deployOnly.status, 'free');
    assert.match(deployOnly.basis, /custom-resource handler/);

    const timed = line(
      priceStack(
        {
          ...handler,
          Timer: {
            Type: 'AWS::Events::Rule',
            Properties: {
              ScheduleExpression: 'rate(5 minutes)',
              Targets: [{ Arn: { 'Fn::GetAtt': ['Guard', 'Arn'] }, Id: 'Target0' }],
            },
          },
        },
        'paused',
      ),
      'Guard',
    );
    // Its custom metric is priced (0.30); its invocations have no sourced price.
    assert.equal(timed.status, 'unpriced');
    assert.equal(timed.monthlyUsd, 0.3);
    assert.match(
      timed.basis,
      /^1 custom metrics published x 0\.3 USD\/custom metric-month; unpriced: lambda\.requests\.million/,
    );
  });
});
