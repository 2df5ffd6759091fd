import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import {
  type CustomResourceEvent,
  deadlineFrom,
  guardMetricLine,
  handler,
  LAMBDA_DEADLINE_MARGIN_MS,
  type HandlerDependencies,
  resourcesFromEnvironment,
} from '../../src/lambda/ops/index';
import { GUARD_METRIC, OPS_LAMBDA_VARIABLES as V } from '../../src/ops/contracts';
import { EnvironmentOperations } from '../../src/ops/operations';
import type { EnvironmentResources } from '../../src/ops/resources';
import { FakeAws } from '../ops/fake-aws';

const NOW = Date.parse('2026-11-27T12:00:00Z');

const resources: EnvironmentResources = {
  environment: 'dev',
  stage: 'booking-dev',
  region: 'eu-west-2',
  databaseId: 'booking-dev',
  clusterName: 'booking-dev',
  services: [
    { role: 'web', name: 'booking-dev-web' },
    { role: 'worker', name: 'booking-dev-worker' },
  ],
  stateTable: 'booking-dev-ops-state',
  metricNamespace: 'booking',
  configured: { web: { min: 1, max: 2 }, worker: { min: 0, max: 2 } },
};

/** The schedule Lambda's variables for dev's resources with `extra` on top. */
function lambdaVariables(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-2',
    [V.environment]: 'dev',
    [V.stage]: 'booking-dev',
    [V.databaseId]: 'booking-dev',
    [V.stateTable]: 'booking-dev-ops-state',
    [V.metricNamespace]: 'booking',
    [V.configuredCapacity]: JSON.stringify(resources.configured),
    [V.cluster]: 'booking-dev',
    [V.webService]: 'booking-dev-web',
    [V.workerService]: 'booking-dev-worker',
    ...extra,
  };
}

function harness(
  fake: FakeAws,
  actor = 'booking-dev-guard',
  options: { resources?: EnvironmentResources; wake?: (url: string) => Promise<string> } = {},
) {
  const logs: string[] = [];
  const responses: Array<{ url: string; body: any }> = [];
  let clock = NOW;
  const now = () => (clock += 1000);
  const deps: HandlerDependencies = {
    operations: new EnvironmentOperations(options.resources ?? resources, {
      clients: fake.clients,
      report: (line) => logs.push(line),
      sleep: async () => undefined,
      now,
      actor,
      wake: options.wake,
    }),
    now,
    log: (line) => logs.push(line),
    respond: async (url, body) => {
      responses.push({ url, body: JSON.parse(body) });
    },
    clients: fake.clients,
  };
  return { deps, logs, responses };
}

const timer = { source: 'aws.events' as const };
const restart = { source: 'aws.rds' as const, detail: { EventID: 'RDS-EVENT-0154', SourceIdentifier: 'booking-dev' } };
const paused = {
  state: 'paused',
  changedAt: '2026-11-27T10:00:00Z',
  services: { web: { desired: 1, min: 1, max: 2 } },
};

function metricValues(logs: string[]): number[] {
  return logs.filter((line) => line.includes(GUARD_METRIC.name)).map((line) => JSON.parse(line)[GUARD_METRIC.name]);
}

describe('the guard converges the database to stopped while the environment is paused', () => {
  test('an RDS restart event while recorded paused stops it again and reports 1', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(paused);
    const { deps, logs } = harness(fake);
    assert.equal(await handler(restart, undefined, deps), 'stopped');
    assert.deepEqual(fake.mutatingCalls(), ['StopDBInstanceCommand']);
    assert.deepEqual(metricValues(logs), [1]);
  });

  test('a database that is backing up is left for a later run, which stops it (no event is lost)', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(paused);
    fake.database = 'backing-up';
    const { deps, logs } = harness(fake);
    assert.equal(await handler(restart, undefined, deps), 'waiting');
    assert.deepEqual(fake.mutatingCalls(), []);
    fake.database = 'available';
    assert.equal(await handler(timer, undefined, deps), 'stopped');
    assert.equal(await handler(timer, undefined, deps), 'already-stopped');
    assert.deepEqual(metricValues(logs), [1, 1, 0]);
  });

  test('minimal is kept stopped too; running, resuming and unrecorded are left alone', async () => {
    const minimal = new FakeAws('dev');
    minimal.setStateRecord({ ...paused, state: 'minimal' });
    assert.equal(await handler(timer, undefined, harness(minimal).deps), 'stopped');
    for (const state of ['running', 'resuming', 'pausing']) {
      const fake = new FakeAws('dev');
      fake.setStateRecord({ ...paused, state });
      const { deps, logs } = harness(fake);
      assert.equal(await handler(timer, undefined, deps), 'not-paused');
      assert.deepEqual(fake.mutatingCalls(), []);
      assert.deepEqual(metricValues(logs), [0]);
    }
    assert.equal(await handler(timer, undefined, harness(new FakeAws('dev')).deps), 'not-paused');
  });

  test('a transition holding the lock is left to finish; a stale lock is not', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(paused);
    const lock = (heartbeatAt: string) =>
      fake.setLock({
        holder: 'cli:alice@laptop',
        operation: 'resume',
        startedAt: heartbeatAt,
        heartbeatAt: heartbeatAt,
      });
    lock('2026-11-27T11:59:00.000Z');
    assert.equal(await handler(timer, undefined, harness(fake).deps), 'transition-in-progress');
    assert.deepEqual(fake.mutatingCalls(), []);
    lock('2026-11-27T11:00:00.000Z');
    assert.equal(await handler(timer, undefined, harness(fake).deps), 'stopped');
  });

  test('the metric line is CloudWatch Embedded Metric Format with the environment dimension', () => {
    const line = JSON.parse(guardMetricLine('booking', 'dev', 1, NOW));
    assert.deepEqual(line._aws.CloudWatchMetrics, [
      { Namespace: 'booking', Dimensions: [['Environment']], Metrics: [{ Name: GUARD_METRIC.name, Unit: 'Count' }] },
    ]);
    assert.equal(line.Environment, 'dev');
    assert.equal(line[GUARD_METRIC.name], 1);
  });
});

describe('the schedule runs the same transitions as the CLI, under the same lock', () => {
  test('pause then resume', async () => {
    const fake = new FakeAws('dev');
    const { deps } = harness(fake, 'schedule');
    assert.equal(await handler({ action: 'pause' }, undefined, deps), 'pause done');
    assert.equal(fake.database, 'stopped');
    assert.equal(fake.stateRecord().state, 'paused');
    assert.equal(fake.journal().at(-1).who, 'schedule');
    assert.equal(await handler({ action: 'resume' }, undefined, deps), 'resume done');
    assert.equal(fake.database, 'available');
    // Neither a target group nor a VPC link among its variables: no health to wait on.
    assert.equal(fake.stubs.ecs.commandCalls(DescribeTasksCommand).length, 0);
    assert.equal(await handler({ action: 'resume' }, undefined, deps), 'dev is already running');
  });

  test('with the HTTP API: no target group, and a resume wakes the VPC link its variables name with a request to the API URL', async () => {
    const variables = lambdaVariables({
      [V.vpcLinkId]: 'vldev42',
      [V.apiUrl]: 'https://api-dev.lichnails.co.uk/',
    });
    const read = resourcesFromEnvironment(variables);
    assert.equal(read.targetGroupArn, undefined);
    assert.equal(read.vpcLinkId, 'vldev42');
    assert.equal(read.apiUrl, 'https://api-dev.lichnails.co.uk/');

    const fake = new FakeAws('dev', { ingress: 'http-api' });
    const { deps, logs } = harness(fake, 'schedule', { resources: read, wake: fake.wake });
    assert.equal(await handler({ action: 'pause' }, undefined, deps), 'pause done');
    fake.vpcLink = { status: 'INACTIVE' }; // a long break
    assert.equal(await handler({ action: 'resume' }, undefined, deps), 'resume done');
    // One as soon as the resume is recorded, one at the link step.
    assert.deepEqual(fake.wakeRequests, ['https://api-dev.lichnails.co.uk/', 'https://api-dev.lichnails.co.uk/']);
    assert.equal(fake.vpcLink.status, 'AVAILABLE');
    assert.ok(
      logs.some((line) => /healthy web tasks: done/.test(line)),
      'it waited on the tasks, not a target group',
    );
    assert.equal(fake.stateRecord().state, 'running');
  });

  test('with a cache task: the schedule pauses it after web and worker and resumes it before them', async () => {
    const fake = new FakeAws('dev', { cacheTask: true });
    const withCache: EnvironmentResources = {
      ...resources,
      services: [...resources.services, { role: 'cache', name: 'booking-dev-cache' }],
      configured: { ...resources.configured, cache: { min: 1, max: 1 } },
    };
    const { deps, logs } = harness(fake, 'schedule', { resources: withCache });
    assert.equal(await handler({ action: 'pause' }, undefined, deps), 'pause done');
    assert.deepEqual(fake.actions, [
      'RegisterScalableTarget booking-dev-web 0..0',
      'UpdateService booking-dev-web 0',
      'RegisterScalableTarget booking-dev-worker 0..0',
      'RegisterScalableTarget booking-dev-cache 0..0',
      'UpdateService booking-dev-cache 0',
      'StopDBInstance',
    ]);
    assert.deepEqual(fake.stateRecord().services.cache, { desired: 1, min: 1, max: 1 });
    const paused = fake.actions.length;
    assert.equal(await handler({ action: 'resume' }, undefined, deps), 'resume done');
    assert.deepEqual(fake.actions.slice(paused), [
      'RegisterScalableTarget booking-dev-cache 1..1',
      'UpdateService booking-dev-cache 1',
      'StartDBInstance',
      'RegisterScalableTarget booking-dev-web 1..2',
      'UpdateService booking-dev-web 1',
      'RegisterScalableTarget booking-dev-worker 0..2',
    ]);
    assert.ok(logs.some((line) => /cache task up: done/.test(line)));
    assert.deepEqual(fake.services['booking-dev-cache'], { desired: 1, running: 1, min: 1, max: 1 });
  });

  test('fails (so Scheduler retries) while the CLI holds the lock', async () => {
    const fake = new FakeAws('dev');
    fake.setLock({
      holder: 'cli:alice@laptop',
      operation: 'resume',
      startedAt: '2026-11-27T11:59:30.000Z',
      heartbeatAt: '2026-11-27T11:59:30.000Z',
    });
    await assert.rejects(
      handler({ action: 'pause' }, undefined, harness(fake).deps),
      /cli:alice@laptop is running "resume"/,
    );
    assert.deepEqual(fake.mutatingCalls(), []);
  });
});

function customResource(
  type: 'Custom::ServiceBounds' | 'Custom::EnvironmentStructure',
  requestType: CustomResourceEvent['RequestType'],
  properties: Record<string, string>,
): CustomResourceEvent {
  return {
    RequestType: requestType,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/response',
    StackId: 'arn:aws:cloudformation:eu-west-2:111111111111:stack/booking-dev-app/guid',
    RequestId: 'request-1',
    LogicalResourceId: 'WebBounds',
    ResourceType: type,
    PhysicalResourceId: requestType === 'Create' ? undefined : 'WebBounds-request-0',
    ResourceProperties: properties,
  };
}

const webBounds = (
  requestType: CustomResourceEvent['RequestType'],
  min: number,
  max: number,
  extra: Record<string, string> = {},
) =>
  customResource('Custom::ServiceBounds', requestType, {
    Role: 'web',
    MinTasks: String(min),
    MaxTasks: String(max),
    ...extra,
  });

describe('deploys resolve scaling bounds from the state record', () => {
  test('first deploy: the configured bounds apply and become the capacities to restore', async () => {
    const fake = new FakeAws('dev');
    const { deps, responses } = harness(fake);
    await handler(webBounds('Create', 1, 2), undefined, deps);
    assert.equal(responses[0].url, 'https://cloudformation-custom-resource-response.example/response');
    assert.deepEqual(responses[0].body, {
      Status: 'SUCCESS',
      Data: { Min: '1', Max: '2', ScheduledScalingSuspended: 'false' },
      PhysicalResourceId: 'WebBounds-request-1',
      StackId: 'arn:aws:cloudformation:eu-west-2:111111111111:stack/booking-dev-app/guid',
      RequestId: 'request-1',
      LogicalResourceId: 'WebBounds',
    });
    assert.equal(fake.stateRecord().state, 'running');
    assert.deepEqual(fake.stateRecord().services.web, { desired: 1, min: 1, max: 2 });
    assert.equal(fake.stateRecord().changedBy, 'deploy:booking-dev-app');
  });

  test('a deploy while paused keeps the bounds at 0..0 and makes resume restore the new configuration', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(paused);
    fake.services['booking-dev-web'] = { desired: 0, running: 0, min: 0, max: 0 };
    fake.database = 'stopped';
    const { deps, responses } = harness(fake);
    await handler(webBounds('Update', 2, 4), undefined, deps);
    assert.deepEqual(responses[0].body.Data, { Min: '0', Max: '0', ScheduledScalingSuspended: 'true' });
    assert.equal(fake.stateRecord().state, 'paused');
    assert.deepEqual(fake.stateRecord().services.web, { desired: 2, min: 2, max: 4 });
    assert.deepEqual(fake.mutatingCalls(), [], 'nothing live changes');

    assert.equal(await handler({ action: 'resume' }, undefined, deps), 'resume done');
    assert.deepEqual(fake.services['booking-dev-web'], { desired: 2, running: 2, min: 2, max: 4 });
  });

  test('a deploy during a transition fails, naming it, and changes nothing', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord({ ...paused, state: 'running' });
    fake.setLock({
      holder: 'schedule',
      operation: 'pause',
      startedAt: '2026-11-27T11:59:30.000Z',
      heartbeatAt: '2026-11-27T11:59:30.000Z',
    });
    const { deps, responses } = harness(fake);
    await handler(webBounds('Update', 1, 3), undefined, deps);
    assert.equal(responses[0].body.Status, 'FAILED');
    assert.match(
      responses[0].body.Reason,
      /"pause" by schedule has held dev's lock since 2026-11-27T11:59:30\.000Z; deploy again once it has finished/,
    );
    assert.equal(fake.stateRecord().version, 1);
  });

  test('creating the services while recorded minimal fails: resume first', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord({ ...paused, state: 'minimal' });
    const { deps, responses } = harness(fake);
    await handler(webBounds('Create', 1, 2), undefined, deps);
    assert.equal(responses[0].body.Status, 'FAILED');
    assert.match(
      responses[0].body.Reason,
      /run "npx booking-infra resume dev" \(it starts the database\) before deploying state 'running'/,
    );
  });

  test('web and worker resolving at the same moment both land in the record', async () => {
    const fake = new FakeAws('dev');
    const { deps, responses } = harness(fake);
    await Promise.all([
      handler(webBounds('Create', 1, 2), undefined, deps),
      handler(
        customResource('Custom::ServiceBounds', 'Create', { Role: 'worker', MinTasks: '0', MaxTasks: '3' }),
        undefined,
        deps,
      ),
    ]);
    assert.deepEqual(
      responses.map((r) => r.body.Status),
      ['SUCCESS', 'SUCCESS'],
    );
    assert.deepEqual(fake.stateRecord().services, {
      web: { desired: 1, min: 1, max: 2 },
      worker: { desired: 0, min: 0, max: 3 },
    });
  });

  test("the cache task's bounds: 1..1 while running, 0..0 while paused, recorded for resume either way", async () => {
    const cacheBounds = (requestType: CustomResourceEvent['RequestType']) =>
      customResource('Custom::ServiceBounds', requestType, { Role: 'cache', MinTasks: '1', MaxTasks: '1' });
    const running = new FakeAws('dev', { cacheTask: true });
    const first = harness(running);
    await handler(cacheBounds('Create'), undefined, first.deps);
    assert.deepEqual(first.responses[0].body.Data, { Min: '1', Max: '1', ScheduledScalingSuspended: 'false' });
    assert.deepEqual(running.stateRecord().services.cache, { desired: 1, min: 1, max: 1 });

    const fake = new FakeAws('dev', { cacheTask: true });
    fake.setStateRecord(paused);
    const second = harness(fake);
    await handler(cacheBounds('Create'), undefined, second.deps);
    assert.deepEqual(second.responses[0].body.Data, { Min: '0', Max: '0', ScheduledScalingSuspended: 'true' });
    assert.equal(fake.stateRecord().state, 'paused');
    assert.deepEqual(fake.stateRecord().services, {
      web: { desired: 1, min: 1, max: 2 },
      cache: { desired: 1, min: 1, max: 1 },
    });
  });

  test('the first deploy (no image yet) keeps 0..0 and records the configured bounds for resume', async () => {
    const fake = new FakeAws('dev');
    const { deps, responses } = harness(fake);
    await handler(webBounds('Create', 1, 2, { FirstDeploy: 'true' }), undefined, deps);
    assert.deepEqual(responses[0].body.Data, { Min: '0', Max: '0', ScheduledScalingSuspended: 'true' });
    assert.equal(fake.stateRecord().state, 'running');
    assert.deepEqual(fake.stateRecord().services.web, { desired: 1, min: 1, max: 2 });
  });

  test('the first-deploy mark on services that exist is refused', async () => {
    const fake = new FakeAws('dev');
    const { deps, responses } = harness(fake);
    await handler(webBounds('Update', 1, 2, { FirstDeploy: 'true' }), undefined, deps);
    assert.equal(responses[0].body.Status, 'FAILED');
    assert.match(
      responses[0].body.Reason,
      /BOOKING_FIRST_DEPLOY is for the deploy that creates dev's services, and they exist/,
    );
  });

  test("CloudFormation's rollback to a first deploy's template is resolved, not refused (nor for a lock held meanwhile)", async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord({ ...paused, state: 'running' });
    fake.setLock({ holder: 'schedule', operation: 'pause', startedAt: new Date(NOW).toISOString() });
    const { deps, responses } = harness(fake);
    // The deploy after the first one failed further on: its rollback brings FirstDeploy back.
    const rollback = webBounds('Update', 1, 2, { FirstDeploy: 'true' });
    await handler(rollback, undefined, deps);
    assert.equal(responses[0].body.Status, 'FAILED', 'not rolling back: refused as before');
    fake.stubs.cloudformation.on(DescribeStacksCommand, { StackName: rollback.StackId }).resolves({
      Stacks: [{ StackName: 'booking-dev-app', StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', CreationTime: new Date() }],
    });
    await handler(rollback, undefined, deps);
    assert.equal(responses[1].body.Status, 'SUCCESS', responses[1].body.Reason);
    assert.deepEqual(responses[1].body.Data, { Min: '0', Max: '0', ScheduledScalingSuspended: 'true' });
  });

  test('deleting the resource changes nothing', async () => {
    const fake = new FakeAws('dev');
    const { deps, responses } = harness(fake);
    await handler(webBounds('Delete', 1, 2), undefined, deps);
    assert.equal(responses[0].body.Status, 'SUCCESS');
    assert.equal(responses[0].body.PhysicalResourceId, 'WebBounds-request-0');
    assert.equal(fake.items.size, 0);
  });
});

describe('the data stack refuses to remove the cache until minimal was prepared', () => {
  const structure = (value: string) => customResource('Custom::EnvironmentStructure', 'Update', { Structure: value });

  test('deploying minimal while recorded running fails, naming the command to run first', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord({ ...paused, state: 'running' });
    const { deps, responses } = harness(fake);
    await handler(structure('minimal'), undefined, deps);
    assert.equal(responses[0].body.Status, 'FAILED');
    assert.match(responses[0].body.Reason, /run "npx booking-infra minimal dev" first/);
  });

  test('deploying minimal after `booking-infra minimal` succeeds; running always does', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord({ ...paused, state: 'minimal' });
    const { deps, responses } = harness(fake);
    await handler(structure('minimal'), undefined, deps);
    await handler(structure('running'), undefined, deps);
    assert.deepEqual(
      responses.map((r) => r.body.Status),
      ['SUCCESS', 'SUCCESS'],
    );
  });

  test('a first deploy in minimal records minimal', async () => {
    const fake = new FakeAws('dev');
    const { deps, responses } = harness(fake);
    await handler(customResource('Custom::EnvironmentStructure', 'Create', { Structure: 'minimal' }), undefined, deps);
    assert.equal(responses[0].body.Status, 'SUCCESS');
    assert.equal(fake.stateRecord().state, 'minimal');
  });
});

describe('the function reads its resources from its environment', () => {
  test('every variable the stacks set, and a clear error for a missing one', () => {
    assert.throws(
      () => resourcesFromEnvironment({ AWS_REGION: 'eu-west-2' }),
      /environment variable ENVIRONMENT is not set/,
    );
    const read = resourcesFromEnvironment(
      lambdaVariables({ [V.migrateFamily]: 'booking-dev-migrate', [V.pipelineName]: 'booking-dev' }),
    );
    assert.deepEqual(read.services, resources.services);
    assert.equal(read.migrateFamily, 'booking-dev-migrate');
    assert.deepEqual(read.configured, resources.configured);
  });

  test('CACHE_SERVICE (cache.hosting: task) adds the cache service, and the configured 1..1 is read with the rest', () => {
    const configured = { ...resources.configured, cache: { min: 1, max: 1 } };
    const read = resourcesFromEnvironment(
      lambdaVariables({ [V.configuredCapacity]: JSON.stringify(configured), [V.cacheService]: 'booking-dev-cache' }),
    );
    assert.deepEqual(read.services, [...resources.services, { role: 'cache', name: 'booking-dev-cache' }]);
    assert.deepEqual(read.configured, configured);
    assert.equal(read.cacheId, undefined);
  });

  test('an event it does not know is an error', async () => {
    await assert.rejects(
      handler({ foo: 1 } as never, undefined, harness(new FakeAws('dev')).deps),
      /unrecognised event/,
    );
  });
});

describe('the scheduled Lambda stops its waits before its own end', () => {
  test("deadlineFrom: the invocation's remaining time less a minute for the journal and the lock", () => {
    assert.equal(deadlineFrom({ getRemainingTimeInMillis: () => 15 * 60_000 }, 1_000), 1_000 + 14 * 60_000);
    assert.equal(LAMBDA_DEADLINE_MARGIN_MS, 60_000);
    // Outside Lambda (the CLI, a test without a context): no deadline.
    assert.equal(deadlineFrom(undefined, 1_000), undefined);
    assert.equal(deadlineFrom({}, 1_000), undefined);
  });
});
