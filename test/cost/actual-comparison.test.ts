import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compareWithActual,
  costExplorerService,
  estimateByService,
  formatComparison,
} from '../../src/cost/actual-comparison';
import type { CostEstimate, CostLine } from '../../src/cost/estimator';
import { priceKey } from '../../src/cost/price-table';

function line(type: string, monthlyUsd: number, charges?: CostLine['charges']): CostLine {
  return { stack: 's', logicalId: type, type, module: 'm', monthlyUsd, status: 'priced', basis: '', charges };
}

const estimate = (state: CostEstimate['state'], lines: CostLine[]): CostEstimate => ({
  environment: 'dev',
  state,
  region: 'eu-west-2',
  lines,
  totalUsd: lines.reduce((sum, item) => sum + item.monthlyUsd, 0),
  assumptions: [],
});

describe('estimate against Cost Explorer (cost --actual)', () => {
  test('resource types map to Cost Explorer services, the longest prefix first', () => {
    assert.equal(costExplorerService('AWS::RDS::DBInstance'), 'Amazon Relational Database Service');
    assert.equal(costExplorerService('AWS::EC2::NatGateway'), 'EC2 - Other');
    assert.equal(costExplorerService('AWS::EC2::EIP'), 'Amazon Virtual Private Cloud');
    assert.equal(costExplorerService('AWS::EC2::FlowLog'), 'AmazonCloudWatch');
    assert.equal(costExplorerService('CloudWatch Logs'), 'AmazonCloudWatch');
    assert.equal(costExplorerService('AWS::Made::Up'), undefined);
  });

  test("a task's public IPv4 hours are billed by Amazon VPC, not ECS", () => {
    const service = line('AWS::ECS::Service', 9.88, [
      {
        what: 'vCPU-hours',
        quantity: 182.5,
        priceKey: priceKey.fargateVcpuHour('arm64'),
        unitUsd: 0.03725,
        monthlyUsd: 6.8,
      },
      { what: 'public IPv4 hours', quantity: 730, priceKey: priceKey.publicIpv4Hour, unitUsd: 0.005, monthlyUsd: 3.65 },
    ]);
    const { byService, unmapped } = estimateByService(estimate('running', [service, line('AWS::Made::Up', 1)]));
    assert.deepEqual(Object.keys(byService).sort(), [
      'Amazon Elastic Container Service',
      'Amazon Virtual Private Cloud',
    ]);
    assert.equal(Math.round(byService['Amazon Virtual Private Cloud'] * 100) / 100, 3.65);
    assert.deepEqual(unmapped, { 'AWS::Made::Up': 1 });
  });

  test('per service and in total: estimate (weighted by the schedule), actual and the difference in %', () => {
    const running = estimate('running', [
      line('AWS::RDS::DBInstance', 16),
      line('AWS::ElastiCache::ReplicationGroup', 10),
    ]);
    const paused = estimate('paused', [
      line('AWS::RDS::DBInstance', 2),
      line('AWS::ElastiCache::ReplicationGroup', 10),
    ]);
    const comparison = compareWithActual(
      'dev',
      [
        { estimate: running, share: 0.5 },
        { estimate: paused, share: 0.5 },
      ],
      {
        start: '2026-10-01',
        hours: 744,
        byService: {
          'Amazon Relational Database Service': 9.9,
          'Amazon ElastiCache': 10,
          'Elastic Load Balancing': 5,
          Tax: 2,
        },
        estimated: false,
        truncated: false,
      },
    );
    assert.deepEqual(
      comparison.services.map((row) => [row.service, row.estimateUsd, row.actualUsd, row.differencePercent]),
      [
        ['Amazon ElastiCache', 10, 10, 0],
        ['Amazon Relational Database Service', 9, 9.9, 10],
        ['Amazon Elastic Load Balancing', 0, 5, null],
        ['Tax', 0, 2, null],
      ],
    );
    assert.deepEqual(comparison.total, {
      service: 'total',
      estimateUsd: 19,
      actualUsd: 26.9,
      differencePercent: 41.6,
    });
    assert.equal(comparison.estimateBasis, 'running 50%, paused 50%');
    const text = formatComparison(comparison);
    assert.match(text, /Amazon Relational Database Service\s+9\.00\s+9\.90\s+\+10\.0%/);
    assert.match(text, /total\s+19\.00\s+26\.90\s+\+41\.6%/);
    assert.match(text, /untagged ones \(tax, support, most data transfer/);
    assert.match(text, /not in the estimate, billed all the same: Amazon Elastic Load Balancing, Tax/);
    assert.match(text, /2026-10 had 744 hours/);
  });
});
