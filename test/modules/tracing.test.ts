/**
 * `compute.tracing` (issue 16, item 5's option): the OpenTelemetry collector beside the app in web
 * and worker tasks, the app's OTEL_* settings, the collector's X-Ray permissions, validation, and
 * the price of the traces.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { platformConfig } from '../../src/config';
import type { PlatformConfig } from '../../src/config/types';
import { findConfigIssues } from '../../src/config/validate';
import { estimateEnvironments } from '../../src/cost/environment-cost';
import { TRACING_ACTIONS, TRACING_COLLECTOR_IMAGE, TRACING_CONTAINER_NAME } from '../../src/modules/app-task/app-task';
import { APP_CONTAINER_NAME } from '../../src/ops/contracts';
import { onlyEnvironment, resourcesOfType, synth, withEnvironment } from '../helpers';

const traced: PlatformConfig = onlyEnvironment(
  withEnvironment('dev', { compute: { tracing: { enabled: true, samplingPercent: 5 } } }),
  'dev',
);

function taskOf(template: Record<string, any>, role: string): any {
  const found = resourcesOfType(template, 'AWS::ECS::TaskDefinition').find(
    ([, resource]) => resource.Properties.Family === `booking-dev-${role}`,
  );
  assert.ok(found, `no ${role} task`);
  return found[1].Properties;
}

const environmentOf = (container: any): Record<string, string> =>
  Object.fromEntries((container.Environment ?? []).map((variable: any) => [variable.Name, variable.Value]));

describe('tracing: the collector sidecar (compute.tracing)', () => {
  let app: Record<string, any>;
  let committed: Record<string, any>;
  before(() => {
    // Synthesized with the quality gates: cdk-nag and the validator pass the variant too.
    app = synth(traced).json('dev', 'app');
    committed = synth().json('dev', 'app');
  });

  test('web and worker run the pinned collector, not essential, started before the app', () => {
    for (const role of ['web', 'worker']) {
      const task = taskOf(app, role);
      const collector = task.ContainerDefinitions.find((c: any) => c.Name === TRACING_CONTAINER_NAME);
      assert.ok(collector, `${role}: a collector`);
      assert.equal(collector.Image, TRACING_COLLECTOR_IMAGE);
      assert.match(TRACING_COLLECTOR_IMAGE, /:v\d+\.\d+\.\d+$/, 'a pinned version, never latest');
      assert.equal(collector.Essential, false);
      assert.deepEqual(collector.Command, ['--config=/etc/ecs/ecs-xray.yaml']);
      assert.equal(collector.Memory, 128);
      const appContainer = task.ContainerDefinitions.find((c: any) => c.Name === APP_CONTAINER_NAME);
      assert.ok(
        appContainer.DependsOn.some((d: any) => d.ContainerName === TRACING_CONTAINER_NAME && d.Condition === 'START'),
      );
      const env = environmentOf(appContainer);
      assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://127.0.0.1:4318');
      assert.equal(env.OTEL_SERVICE_NAME, `booking-dev-${role}`);
      assert.equal(env.OTEL_TRACES_SAMPLER, 'parentbased_traceidratio');
      assert.equal(env.OTEL_TRACES_SAMPLER_ARG, '0.05');
    }
    // The migrate task is a one-off: no collector.
    const migrate = taskOf(app, 'migrate');
    assert.ok(!migrate.ContainerDefinitions.some((c: any) => c.Name === TRACING_CONTAINER_NAME));
  });

  test('the task roles may send spans to X-Ray, and nothing else is added', () => {
    const statements = resourcesOfType(app, 'AWS::IAM::Policy').flatMap(
      ([, policy]) => policy.Properties.PolicyDocument.Statement,
    );
    const tracing = statements.filter((statement: any) => [statement.Action].flat().includes('xray:PutTraceSegments'));
    assert.ok(tracing.every((statement: any) => statement.Sid === 'TracingToXRay'));
    assert.equal(tracing.length, 2, 'web and worker task roles');
    for (const statement of tracing) {
      assert.deepEqual([statement.Action].flat().sort(), [...TRACING_ACTIONS].sort());
      assert.equal(statement.Resource, '*');
    }
  });

  test('off (the committed environments): no collector, no OTEL_* variable', () => {
    for (const role of ['web', 'worker']) {
      const task = taskOf(committed, role);
      assert.ok(!task.ContainerDefinitions.some((c: any) => c.Name === TRACING_CONTAINER_NAME));
      const env = environmentOf(task.ContainerDefinitions.find((c: any) => c.Name === APP_CONTAINER_NAME));
      assert.ok(!Object.keys(env).some((name) => name.startsWith('OTEL_')));
    }
  });

  test('the traces are priced: requests x sampled share x 5 USD per million, none while paused', () => {
    const [running] = estimateEnvironments(traced, traced.environments, 'running');
    const line = running.lines.find(
      (candidate) => candidate.type === 'AWS::ECS::TaskDefinition' && candidate.status === 'priced',
    );
    assert.ok(line, 'a priced trace line');
    const requests = traced.environments[0].usage.requestsMillions;
    assert.equal(line.monthlyUsd, Math.round(requests * 0.05 * 5 * 100) / 100);
    const [paused] = estimateEnvironments(traced, traced.environments, 'paused');
    const pausedLine = paused.lines.find((candidate) => candidate.logicalId === line.logicalId)!;
    assert.equal(pausedLine.monthlyUsd, 0);
  });

  test('validation: a sampling share outside (0, 100] and an OTEL_* variable the platform sets are refused', () => {
    const issues = (config: PlatformConfig) =>
      findConfigIssues(config).map((issue) => `${issue.field}: ${issue.message}`);
    assert.deepEqual(issues(withEnvironment('dev', { compute: { tracing: { enabled: true, samplingPercent: 0 } } })), [
      'dev.compute.tracing.samplingPercent: 0 is not a share of requests to trace (use a number above 0 and at most 100, e.g. 5)',
    ]);
    assert.deepEqual(
      issues(
        withEnvironment('dev', {
          compute: { tracing: { enabled: true, samplingPercent: 5 }, environment: { OTEL_SERVICE_NAME: 'x' } },
        }),
      ),
      [
        'dev.compute.environment.OTEL_SERVICE_NAME: "x" clashes with the value the platform sets from the service (compute.tracing) (remove the key, or turn tracing off)',
      ],
    );
    assert.deepEqual(findConfigIssues(platformConfig), []);
  });
});
