import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { DeployedStructure } from '../../src/config/types';
import { GUARD_METRIC, OPS_LAMBDA_VARIABLES as V } from '../../src/ops/contracts';
import { ServiceBounds } from '../../src/modules/state-guard/service-bounds';
import { StateGuard, type StateGuardProps } from '../../src/modules/state-guard/state-guard';
import { resourcesOfType } from '../helpers';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';

const configured = { web: { min: 1, max: 3 }, worker: { min: 0, max: 2 } };

/** A resource ARN as text, its partition token written `aws` (a plain test stack has no literal partition). */
function arnText(value: any): unknown {
  const join = value?.['Fn::Join'];
  if (!join) return value;
  return join[1].map((part: any) => (part?.Ref === 'AWS::Partition' ? 'aws' : part)).join(join[0]);
}

/** One StateGuard in a stack of its own (no platform synth), with its template and construct. */
function guardStack(overrides: Partial<StateGuardProps> = {}) {
  const app = new App({ context: { [BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, 'Guarded', { env: { account: '123456789012', region: 'eu-west-2' } });
  const topic = new sns.Topic(stack, 'Ops');
  const guard = new StateGuard(stack, 'StateGuard', {
    environmentName: 'dev',
    databaseId: 'booking-dev',
    stateTableName: 'booking-dev-ops-state',
    structure: 'running',
    configured,
    metricNamespace: 'booking',
    alarmTopic: topic,
    logRetentionDays: 14,
    database: { instance: 'present', restoreFrom: '', engineVersion: '18.6' },
    ...overrides,
  });
  const json = Template.fromStack(stack).toJSON();
  const [functionId] = resourcesOfType(json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('StateGuard'))!;
  const [topicId] = resourcesOfType(json, 'AWS::SNS::Topic')[0];
  return { stack, guard, json, functionId, topicId };
}

describe('state guard (module)', () => {
  let running: ReturnType<typeof guardStack>;
  let minimal: ReturnType<typeof guardStack>;
  before(() => {
    running = guardStack();
    minimal = guardStack({ structure: 'minimal', interval: Duration.minutes(10) });
  });

  test('an RDS start-event rule and a 5-minute timer both invoke the guard', () => {
    const { json, functionId } = running;
    const rules = resourcesOfType(json, 'AWS::Events::Rule').map(([, rule]) => rule.Properties);
    assert.equal(rules.length, 2);
    const event = rules.find((rule) => rule.EventPattern);
    assert.deepEqual(event.EventPattern, {
      source: ['aws.rds'],
      'detail-type': ['RDS DB Instance Event'],
      detail: { SourceIdentifier: ['booking-dev'], EventID: ['RDS-EVENT-0154', 'RDS-EVENT-0088'] },
    });
    const timer = rules.find((rule) => rule.ScheduleExpression);
    assert.equal(timer.ScheduleExpression, 'rate(5 minutes)');
    for (const rule of [event, timer]) {
      assert.equal(rule.Targets.length, 1);
      assert.deepEqual(rule.Targets[0].Arn, { 'Fn::GetAtt': [functionId, 'Arn'] });
      assert.deepEqual(rule.Targets[0].RetryPolicy, { MaximumRetryAttempts: 2 });
    }
    // EventBridge may invoke it, from those two rules only.
    const permissions = resourcesOfType(json, 'AWS::Lambda::Permission').map(([, p]) => p.Properties);
    assert.equal(permissions.length, 2);
    for (const permission of permissions) assert.equal(permission.Principal, 'events.amazonaws.com');
  });

  test('its role may describe and stop its database, read its minimal snapshots and its own stack, read and write the state table, and write its logs: nothing else', () => {
    const { json } = running;
    const statements = resourcesOfType(json, 'AWS::IAM::Policy').flatMap(
      ([, policy]) => policy.Properties.PolicyDocument.Statement,
    );
    const [logGroupId] = resourcesOfType(json, 'AWS::Logs::LogGroup')[0];
    assert.deepEqual(
      statements.map((s: any) => ({
        actions: [s.Action].flat().sort(),
        resource: Array.isArray(s.Resource) ? s.Resource.map(arnText) : arnText(s.Resource),
        effect: s.Effect,
      })),
      [
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
          effect: 'Allow',
        },
        {
          actions: ['rds:DescribeDBInstances', 'rds:StopDBInstance'],
          resource: 'arn:aws:rds:eu-west-2:123456789012:db:booking-dev',
          effect: 'Allow',
        },
        {
          actions: ['rds:DescribeDBSnapshots'],
          resource: 'arn:aws:rds:eu-west-2:123456789012:snapshot:booking-dev-minimal-*',
          effect: 'Allow',
        },
        {
          actions: ['cloudformation:DescribeStacks'],
          resource: [{ Ref: 'AWS::StackId' }, 'arn:aws:cloudformation:eu-west-2:123456789012:stack/booking-dev-app/*'],
          effect: 'Allow',
        },
        {
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          resource: 'arn:aws:dynamodb:eu-west-2:123456789012:table/booking-dev-ops-state',
          effect: 'Allow',
        },
      ],
    );
    assert.ok(!JSON.stringify(statements).includes('ssm:'), 'no SSM parameter holds the state any more');
    assert.equal(resourcesOfType(json, 'AWS::IAM::ManagedPolicy').length, 0);
    const [, role] = resourcesOfType(json, 'AWS::IAM::Role')[0];
    assert.equal(role.Properties.ManagedPolicyArns, undefined, 'no AWS managed policy');
  });

  test('the function reads its environment, state table and configured bounds from its variables', () => {
    const { json, functionId } = running;
    const fn = json.Resources[functionId].Properties;
    assert.deepEqual(fn.Environment.Variables, {
      [V.environment]: 'dev',
      [V.stage]: 'booking-dev',
      [V.databaseId]: 'booking-dev',
      [V.stateTable]: 'booking-dev-ops-state',
      [V.metricNamespace]: 'booking',
      [V.configuredCapacity]: JSON.stringify(configured),
    });
    assert.equal(fn.Timeout, 60);
    assert.ok(fn.Tags.some((tag: any) => tag.Key === 'booking:custom-metrics' && tag.Value === '1'));
  });

  test('the alarm fires after an hour of "not stopped" or of silence, to the ops topic', () => {
    const { json, topicId } = running;
    const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    assert.equal(alarms.length, 1);
    const [alarm] = alarms;
    assert.equal(alarm.AlarmName, 'booking-dev-running-while-paused');
    assert.equal(alarm.Namespace, 'booking');
    assert.equal(alarm.MetricName, GUARD_METRIC.name);
    assert.deepEqual(alarm.Dimensions, [{ Name: GUARD_METRIC.dimension, Value: 'dev' }]);
    assert.equal(alarm.Statistic, 'Maximum');
    assert.equal(alarm.Period, 300);
    assert.equal(alarm.EvaluationPeriods, 12);
    assert.equal(alarm.DatapointsToAlarm, 12);
    assert.equal(alarm.Threshold, 1);
    assert.equal(alarm.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    assert.equal(alarm.TreatMissingData, 'breaching');
    assert.deepEqual(alarm.AlarmActions, [{ Ref: topicId }]);
    assert.match(alarm.AlarmDescription, /npx booking-infra status dev/);
  });

  test('a longer interval keeps the alarm at one hour: 10 minutes, 6 of 6 periods', () => {
    const { json } = minimal;
    const timer = resourcesOfType(json, 'AWS::Events::Rule').find(([, rule]) => rule.Properties.ScheduleExpression);
    assert.equal(timer![1].Properties.ScheduleExpression, 'rate(10 minutes)');
    const [, alarm] = resourcesOfType(json, 'AWS::CloudWatch::Alarm')[0];
    assert.equal(alarm.Properties.Period, 600);
    assert.equal(alarm.Properties.EvaluationPeriods, 6);
    assert.equal(alarm.Properties.DatapointsToAlarm, 6);
  });

  for (const structure of ['running', 'minimal'] as const satisfies readonly DeployedStructure[]) {
    test(`the structure gate: Custom::EnvironmentStructure answered by the guard, Structure "${structure}"`, () => {
      const { json, functionId, guard } = structure === 'running' ? running : minimal;
      const gates = resourcesOfType(json, 'Custom::EnvironmentStructure');
      assert.equal(gates.length, 1);
      assert.deepEqual(gates[0][1].Properties, {
        ServiceToken: { 'Fn::GetAtt': [functionId, 'Arn'] },
        Structure: structure,
        DatabaseInstance: 'present',
        RestoreFrom: '',
        EngineVersion: '18.6',
      });
      assert.equal(guard.serviceToken, guard.ops.function.functionArn);
    });
  }
});

describe('service bounds (module)', () => {
  test('Custom::ServiceBounds carries the role and the configured bounds as strings; its Min/Max are the capacities', () => {
    const app = new App({ context: { [BUNDLING_STACKS]: [] } });
    const stack = new Stack(app, 'Bounded', { env: { account: '123456789012', region: 'eu-west-2' } });
    const bounds = new ServiceBounds(stack, 'Bounds', {
      serviceToken: 'arn:aws:lambda:eu-west-2:123456789012:function:guard',
      role: 'worker',
      minTasks: 0,
      maxTasks: 4,
    });
    const json = Template.fromStack(stack).toJSON();
    const [[id, resource]] = resourcesOfType(json, 'Custom::ServiceBounds');
    assert.deepEqual(resource.Properties, {
      ServiceToken: 'arn:aws:lambda:eu-west-2:123456789012:function:guard',
      Role: 'worker',
      MinTasks: '0',
      MaxTasks: '4',
    });
    // The capacities are deploy-time values (number tokens), not the configured numbers.
    assert.deepEqual(stack.resolve(bounds.minCapacity), { 'Fn::GetAtt': [id, 'Min'] });
    assert.deepEqual(stack.resolve(bounds.maxCapacity), { 'Fn::GetAtt': [id, 'Max'] });
  });
});
