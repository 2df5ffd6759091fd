import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixtureStack, line, priceStack } from '../fixtures';

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

describe('compute rules on the state-record design', () => {
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
