import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CostEstimate, estimate } from '../../src/cost/estimator';
import { priceTableFor } from '../../src/cost/prices';
import { fixtureStack, line, usage } from './fixtures';

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
