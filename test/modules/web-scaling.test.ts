/**
 * Web scaling (issue 17, item 3): target tracking on CPU and on requests per task, and the
 * optional predictive scaling policy, bounded by the service's maximum (0 while paused).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { platformConfig } from '../../src/config';
import { findConfigIssues } from '../../src/config/validate';
import { estimateEnvironments } from '../../src/cost/environment-cost';
import { resourcesOfType, synth, withEnvironment, type SynthesizedPlatform } from '../helpers';

describe('web scaling', () => {
  let platform: SynthesizedPlatform;
  before(() => {
    platform = synth();
  });

  const policies = (env: string) =>
    resourcesOfType(platform.json(env, 'app'), 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .filter(([id]) => id.startsWith('WebService'))
      .map(([, resource]) => resource.Properties);

  test('prod: CPU and request-count target tracking, and a predictive policy on the same CPU target', () => {
    const prod = policies('prod');
    const predictive = prod.filter((p) => p.PolicyType === 'PredictiveScaling');
    assert.equal(predictive.length, 1);
    const configuration = predictive[0].PredictiveScalingPolicyConfiguration;
    assert.equal(configuration.Mode, 'ForecastOnly');
    assert.equal(configuration.MaxCapacityBreachBehavior, 'HonorMaxCapacity', 'never above maxTasks (0 while paused)');
    assert.deepEqual(configuration.MetricSpecifications, [
      { PredefinedMetricPairSpecification: { PredefinedMetricType: 'ECSServiceCPUUtilization' }, TargetValue: 60 },
    ]);
    assert.equal(configuration.SchedulingBufferTime, 300);
    const tracking = prod.filter((p) => p.PolicyType === 'TargetTrackingScaling');
    assert.deepEqual(
      tracking
        .map((p) => p.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType)
        .sort(),
      ['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization'],
    );
  });

  test('each target tracking policy is priced for the two alarms it creates; predictive ones are free', () => {
    const prod = platformConfig.environments.filter((env) => env.name === 'prod');
    const [estimate] = estimateEnvironments(platformConfig, prod, 'running');
    const policies = estimate.lines.filter((line) => line.type === 'AWS::ApplicationAutoScaling::ScalingPolicy');
    const tracking = policies.filter((line) => line.status === 'priced');
    assert.equal(tracking.length, 2, 'CPU and request count');
    for (const line of tracking) assert.equal(line.monthlyUsd, 0.2);
    assert.ok(policies.some((line) => line.status === 'free' && /predictive scaling creates none/.test(line.basis)));
  });

  test('dev: no predictive policy', () => {
    assert.equal(policies('dev').filter((p) => p.PolicyType === 'PredictiveScaling').length, 0);
  });

  test('an unknown predictive mode is refused with the allowed ones', () => {
    const issues = findConfigIssues(
      withEnvironment('dev', { compute: { web: { predictiveScaling: 'Forecast' as 'ForecastOnly' } } }),
    ).map((issue) => `${issue.field}: ${issue.message}`);
    assert.equal(issues.length, 1);
    assert.match(issues[0], /^dev\.compute\.web\.predictiveScaling: "Forecast" is not a predictive scaling mode/);
  });
});
