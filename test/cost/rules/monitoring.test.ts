import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { line, priceStack } from '../fixtures';

/** A metric math query reading one metric. */
const read = (id: string) => ({
  Id: id,
  MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: id }, Period: 300, Stat: 'Sum' },
  ReturnData: false,
});

describe('monitoring rules', () => {
  test('a single-metric alarm is one standard alarm: 0.10 USD/month', () => {
    const alarm = line(
      priceStack({ Plain: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors' } } }, 'running'),
      'Plain',
    );
    assert.equal(alarm.monthlyUsd, 0.1);
    assert.match(alarm.basis, /^1 standard alarm x 0\.1 USD/);
  });

  test('a metric math alarm is billed per metric it reads, not per expression', () => {
    const alarm = line(
      priceStack(
        {
          Rate: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              Metrics: [
                read('requests'),
                read('target5xx'),
                read('elb5xx'),
                { Id: 'rate', Expression: '100 * (target5xx + elb5xx) / requests', ReturnData: true },
              ],
            },
          },
        },
        'running',
      ),
      'Rate',
    );
    assert.equal(alarm.monthlyUsd, 0.3);
    assert.match(alarm.basis, /^3 alarm metrics \(a metric math alarm reading 3 metrics; billed per alarm metric\)/);
  });

  test('a math expression over a single metric is still one alarm metric', () => {
    const alarm = line(
      priceStack(
        {
          Filled: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: { Metrics: [read('count'), { Id: 'e', Expression: 'FILL(count, 0)', ReturnData: true }] },
          },
        },
        'paused',
      ),
      'Filled',
    );
    assert.equal(alarm.monthlyUsd, 0.1);
  });
});
