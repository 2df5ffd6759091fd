/**
 * Environment state against moto, the AWS API emulator: the CLI, the guard and deploys drive a
 * real emulated account through the AWS SDK, and after each step the test reads the emulator's
 * state (not the CLI's words). One moto for the file, reset and seeded again for each test.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { BatchWriteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateServiceCommand, DeleteServiceCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DeleteReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteDBInstanceCommand,
  DescribeDBSnapshotsCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  StartDBInstanceCommand,
} from '@aws-sdk/client-rds';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { platformConfig } from '../../src/config';
import type { PlatformConfig } from '../../src/config/types';
import { type CustomResourceEvent, handler, type HandlerDependencies } from '../../src/lambda/ops/index';
import { createClients, type OpsClients } from '../../src/ops/clients';
import {
  QUEUE_BACKLOG_METRIC,
  STACK_OUTPUTS,
  type StackPart,
  stackName,
  stateTableName,
} from '../../src/ops/contracts';
import { EnvironmentOperations, MINIMAL_SNAPSHOT_TAG } from '../../src/ops/operations';
import { discoverResources } from '../../src/ops/resources';
import { type AwsProxy, startAwsProxy } from './aws-proxy';
import {
  clientsFor,
  cliDependencies,
  cliProcessEnvironment,
  destroyClients,
  publishBacklog,
  readEnvironment,
  runCli,
  seedEnvironment,
  type SeededEnvironment,
  TEST_CREDENTIALS,
} from './environment';
import { type Moto, resetMoto, sharedMoto } from './moto';
import { devWhileMinimal, runWithConfig } from '../ops/ops-cli';

const shared = platformConfig.shared;
/** dev with its database kept, stopped, while minimal; and kept as a snapshot (the instance deleted). */
const STOPPED_WHILE_MINIMAL = devWhileMinimal('stopped');
const SNAPSHOT_WHILE_MINIMAL = devWhileMinimal('snapshot');
const configOf = (name: string) => platformConfig.environments.find((env) => env.name === name)!;

/** Mutating calls of the ops code, as the proxy saw them. */
const MUTATING = new Set([
  'ecs:UpdateService',
  'application-autoscaling:RegisterScalableTarget',
  'rds:StopDBInstance',
  'rds:StartDBInstance',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'elasticache:CreateSnapshot',
]);

describe('environment state against moto', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  const opened: OpsClients[] = [];

  /** The CLI's own clients (the SDK's adaptive retries included), pointed at the proxy. */
  const clients = () => {
    const made = createClients('eu-west-2', { endpoint: proxy.endpoint, credentials: TEST_CREDENTIALS });
    opened.push(made);
    return made;
  };

  const dependencies = (overrides: Partial<OpsDependencies> = {}) => cliDependencies(clients, overrides);
  const cli = (args: string[], overrides: Partial<OpsDependencies> = {}) => runCli(args, dependencies(overrides));
  /** The CLI with `config` (dev's database.whileMinimal set) instead of the committed one. */
  const cliIn = (config: PlatformConfig, args: string[], overrides: Partial<OpsDependencies> = {}) =>
    runWithConfig(config, args, dependencies(overrides));
  /** Clients straight to moto, for what CloudFormation does in a deploy (not in the proxy's log). */
  const harness = () => {
    const made = clientsFor(moto.endpoint);
    opened.push(made);
    return made;
  };

  const state = (env = 'dev') => readEnvironment(moto.endpoint, { env });
  const record = async (env = 'dev') => {
    const item = (await state(env)).items.find((i) => i.pk === 'state');
    return item ? JSON.parse(item.record as string) : undefined;
  };
  /** Waits until a run holds the environment's lock. */
  async function lockTaken(): Promise<void> {
    for (let i = 0; i < 100 && !(await state()).items.some((item) => item.pk === 'lock'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const mutations = () => proxy.operations().filter((op) => MUTATING.has(op));

  /** The guard / deploy-gate Lambda's handler, with the Lambda's dependencies pointed at moto. */
  async function lambda(env: string, event: Parameters<typeof handler>[0]) {
    const config = configOf(env);
    const made = clients();
    const resources = await discoverResources(made.cloudformation, shared, config);
    const responses: any[] = [];
    const logs: string[] = [];
    const deps: HandlerDependencies = {
      operations: new EnvironmentOperations(resources, {
        clients: made,
        report: (line) => logs.push(line),
        sleep: async () => undefined,
        now: () => Date.now(),
        actor: `${resources.stage}-guard`,
        pollIntervalMs: 20,
      }),
      now: () => Date.now(),
      log: (line) => logs.push(line),
      respond: async (_url, body) => {
        responses.push(JSON.parse(body));
      },
      clients: made,
    };
    const outcome = await handler(event, undefined, deps);
    return { outcome, responses, logs };
  }

  const boundsEvent = (
    requestType: 'Create' | 'Update',
    role: 'web' | 'worker',
    min: number,
    max: number,
  ): CustomResourceEvent => ({
    RequestType: requestType,
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-2:111111111111:stack/booking-dev-app/guid',
    RequestId: `request-${role}`,
    LogicalResourceId: `${role}Bounds`,
    ResourceType: 'Custom::ServiceBounds',
    PhysicalResourceId: requestType === 'Create' ? undefined : `${role}Bounds`,
    ResourceProperties: { Role: role, MinTasks: String(min), MaxTasks: String(max) },
  });

  before(async () => {
    moto = await sharedMoto();
    proxy = await startAwsProxy(moto.endpoint);
  });

  after(async () => {
    for (const made of opened) destroyClients(made);
    await proxy?.close();
    await moto?.stop();
  });

  beforeEach(async () => {
    await resetMoto(moto.endpoint);
    proxy.reset();
  });

  afterEach(() => assert.equal(proxy.faultsLeft(), 0, 'an injected fault never fired'));

  test('pause, pause again, resume: the emulator ends where it began', async () => {
    await seedEnvironment(moto.endpoint, { worker: { desired: 1 } });
    const paused = await cli(['pause', 'dev']);
    assert.equal(paused.code, 0, paused.err + paused.out);
    let now = await state();
    assert.deepEqual(now.services, {
      web: { desired: 0, min: 0, max: 0 },
      worker: { desired: 0, min: 0, max: 0 },
    });
    assert.equal(now.database, 'stopped');
    assert.equal(now.cache, 'available');
    assert.equal((await record()).state, 'paused');
    assert.deepEqual((await record()).services, {
      web: { desired: 1, min: 1, max: 2 },
      worker: { desired: 1, min: 0, max: 2 },
    });
    assert.equal(now.items.filter((i) => i.pk === 'lock').length, 0);
    // Scheduled minimums cannot start a task while paused: the targets are suspended in moto.
    const suspended = async () =>
      (
        await clients().autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }))
      ).ScalableTargets?.map((target) => target.SuspendedState?.ScheduledScalingSuspended);
    assert.deepEqual(await suspended(), [true, true]);

    proxy.reset();
    const itemsBefore = (await state()).items;
    const again = await cli(['pause', 'dev']);
    assert.equal(again.code, 0);
    // A second pause changes no resource: under the lock (taken, then released) it journals
    // "nothing to do" and silences the alarms again, which a deploy while paused may have re-enabled.
    assert.deepEqual(mutations(), ['dynamodb:PutItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']);
    assert.equal(proxy.calls('monitoring:DisableAlarmActions').length, 1, 'the alarms silenced again');
    const itemsAfter = (await state()).items;
    assert.equal(itemsAfter.filter((i) => i.pk === 'lock').length, 0);
    assert.deepEqual(
      itemsAfter.filter((i) => i.pk !== 'journal'),
      itemsBefore.filter((i) => i.pk !== 'journal'),
      'the record is untouched',
    );

    const resumed = await cli(['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err + resumed.out);
    now = await state();
    assert.deepEqual(now.services, {
      web: { desired: 1, min: 1, max: 2 },
      worker: { desired: 1, min: 0, max: 2 },
    });
    assert.equal(now.database, 'available');
    assert.equal((await record()).state, 'running');
    assert.deepEqual(await suspended(), [false, false]);
  });

  test('two resumes at once: one gives the silenced alarms back, once; the other is refused before touching them', async () => {
    await seedEnvironment(moto.endpoint);
    assert.equal((await cli(['pause', 'dev'])).code, 0);
    proxy.reset();
    // The first resume waits while the emulated scheduler places the tasks, holding the lock.
    proxy.placementDelayPolls = 5;
    const first = cli(['resume', 'dev'], { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))) });
    await lockTaken();
    const second = await cli(['resume', 'dev'], { actor: 'schedule' });
    assert.equal(second.code, 1);
    assert.match(second.err, /another transition holds the lock: cli:alice@laptop is running "resume" since /);
    const done = await first;
    assert.equal(done.code, 0, done.err + done.out);
    proxy.placementDelayPolls = 0;
    const enabled = proxy.calls('monitoring:EnableAlarmActions').filter((call) => !call.injected);
    assert.equal(enabled.length, 1, 'the alarms are given back by the resume that ran, once');
    assert.equal((await record()).state, 'running');
  });

  test('throttling is retried by the SDK (adaptive mode) and the pause completes', async () => {
    await seedEnvironment(moto.endpoint);
    // RDS's throttling code. The adaptive mode also slows every later call of the throttled client,
    // so the fault is on a call with few after it.
    proxy.failNext('rds:StopDBInstance', { code: 'Throttling', message: 'Rate exceeded' });
    const result = await cli(['pause', 'dev']);
    assert.equal(result.code, 0, result.err + result.out);
    assert.equal(proxy.faultsLeft(), 0);
    assert.deepEqual(
      proxy.calls('rds:StopDBInstance').map((call) => [call.status, call.injected]),
      [
        [400, true],
        [200, false],
      ],
    );
    assert.equal((await state()).database, 'stopped');
  });

  test('a pause that fails half-way and is run again loses nothing resume needs', async () => {
    await seedEnvironment(moto.endpoint, { worker: { desired: 1 } });
    // The web service reaches 0; the worker's UpdateService then fails.
    proxy.failNext('ecs:UpdateService', { after: 1, code: 'ServerException', message: 'injected: service busy' });
    const failed = await cli(['pause', 'dev']);
    assert.equal(failed.code, 1);
    let now = await state();
    assert.deepEqual(now.services.web, { desired: 0, min: 0, max: 0 });
    assert.equal(now.services.worker?.desired, 1);
    assert.equal(now.database, 'available');
    assert.equal((await record()).state, 'pausing');
    assert.equal(now.items.filter((i) => i.pk === 'lock').length, 0, 'the failed run released its lock');

    const retried = await cli(['pause', 'dev']);
    assert.equal(retried.code, 0, retried.err + retried.out);
    assert.deepEqual((await record()).services.web, { desired: 1, min: 1, max: 2 });

    assert.equal((await cli(['resume', 'dev'])).code, 0);
    now = await state();
    assert.deepEqual(now.services.web, { desired: 1, min: 1, max: 2 });
    assert.deepEqual(now.services.worker, { desired: 1, min: 0, max: 2 });
  });

  test('two transitions at once: one runs, the other is refused at once, and the record stays whole', async () => {
    await seedEnvironment(moto.endpoint);
    // The pause waits while the emulated scheduler drains the tasks.
    proxy.placementDelayPolls = 5;
    const first = cli(['pause', 'dev'], { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))) });
    await lockTaken();
    const second = await cli(['resume', 'dev'], { actor: 'schedule' });
    assert.equal(second.code, 1);
    assert.match(second.err, /another transition holds the lock: cli:alice@laptop is running "pause" since /);
    const done = await first;
    assert.equal(done.code, 0, done.err + done.out);
    proxy.placementDelayPolls = 0;
    const now = await state();
    assert.equal(now.database, 'stopped');
    assert.deepEqual(now.services.web, { desired: 0, min: 0, max: 0 });
    assert.equal((await record()).state, 'paused');
    assert.deepEqual((await record()).services.web, { desired: 1, min: 1, max: 2 });
    const journal = now.items.filter((i) => i.pk === 'journal').map((i) => JSON.parse(i.entry as string));
    assert.deepEqual(
      journal.map((e) => `${e.who} ${e.operation} ${e.outcome}`),
      ['cli:alice@laptop pause started', 'cli:alice@laptop pause succeeded'],
    );
  });

  test('a pause whose process is killed mid-way: the lock holds others off, status says so, and --break-lock finishes it', async () => {
    await seedEnvironment(moto.endpoint);
    // The real CLI in its own process, stuck waiting for the emulated scheduler to drain the tasks.
    proxy.placementDelayPolls = 10_000;
    const child = spawn('node', ['bin/booking-infra.js', 'pause', 'dev', '--yes'], {
      env: cliProcessEnvironment(proxy.endpoint),
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    for (let i = 0; i < 300 && (await record())?.state !== 'pausing'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await record()).state, 'pausing');
    // Killed (an OOM kill, a closed laptop): no finally block runs, the lock stays.
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    // The emulated scheduler now drains at once (and forgets the drain the killed run waited for).
    proxy.reset();
    const lock = (await state()).items.find((item) => item.pk === 'lock');
    assert.ok(lock, 'the lock outlives the killed run');

    // Another run is refused at once, naming the holder and when --break-lock becomes allowed.
    const refused = await cli(['pause', 'dev']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.err,
      /is running "pause" since .*wait for it to finish \(--break-lock is allowed once it has shown no sign of life for 15 min\)/,
    );
    const early = await cli(['pause', 'dev', '--break-lock']);
    assert.equal(early.code, 1, 'a lock with a recent heartbeat cannot be broken');

    // Status shows the half-done pause and, once the holder is silent long enough, the way out.
    const later = () => Date.now() + 16 * 60_000;
    const status = JSON.parse((await cli(['status', 'dev', '--json'], { now: later })).out);
    const drift = status.drift.join('\n');
    assert.match(drift, /a pause began at .* and did not finish/);
    assert.match(drift, /has shown no sign of life for over 15 min \(crashed\?\)/);
    assert.equal(status.converge, 'npx booking-infra pause dev --break-lock');

    // The way out finishes the pause from where it stopped, restoring what was recorded before it.
    const finished = await cli(['pause', 'dev', '--break-lock'], { now: later });
    assert.equal(finished.code, 0, finished.err + finished.out);
    const now = await state();
    assert.equal(now.database, 'stopped');
    assert.deepEqual(now.services.web, { desired: 0, min: 0, max: 0 });
    assert.equal((await record()).state, 'paused');
    assert.deepEqual(
      (await record()).services.web,
      { desired: 1, min: 1, max: 2 },
      'the capacities to restore survive',
    );
    assert.equal(now.items.filter((item) => item.pk === 'lock').length, 0);
    assert.equal((await cli(['resume', 'dev'])).code, 0);
    assert.deepEqual((await state()).services.web, { desired: 1, min: 1, max: 2 });
  });

  test('a deploy while paused starts nothing, and the next resume applies the new configuration', async () => {
    await seedEnvironment(moto.endpoint);
    assert.equal((await cli(['pause', 'dev'])).code, 0);
    proxy.reset();

    // CloudFormation's part of the deploy: the bounds resolver (config now web 2..4), then the
    // scalable target with the resolved bounds and the service with a new task definition and,
    // as the template has no DesiredCount, no desired count.
    const { responses } = await lambda('dev', boundsEvent('Update', 'web', 2, 4));
    assert.equal(responses[0].Status, 'SUCCESS', responses[0].Reason);
    assert.deepEqual(responses[0].Data, { Min: '0', Max: '0', ScheduledScalingSuspended: 'true' });
    const made = clients();
    await made.autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: 'service/booking-dev/booking-dev-web',
        MinCapacity: Number(responses[0].Data.Min),
        MaxCapacity: Number(responses[0].Data.Max),
      }),
    );
    await made.ecs.send(
      new UpdateServiceCommand({
        cluster: 'booking-dev',
        service: 'booking-dev-web',
        taskDefinition: 'booking-dev-web',
      }),
    );
    let now = await state();
    assert.deepEqual(now.services.web, { desired: 0, min: 0, max: 0 });
    assert.equal(now.database, 'stopped');
    assert.equal((await record()).state, 'paused');
    assert.deepEqual((await record()).services.web, { desired: 2, min: 2, max: 4 });

    assert.equal((await cli(['resume', 'dev'])).code, 0);
    now = await state();
    assert.deepEqual(now.services.web, { desired: 2, min: 2, max: 4 });
    assert.equal(now.database, 'available');
  });

  test('a deploy during a transition is refused and changes nothing', async () => {
    await seedEnvironment(moto.endpoint);
    proxy.placementDelayPolls = 5;
    const pausing = cli(['pause', 'dev'], { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))) });
    await lockTaken();
    const { responses } = await lambda('dev', boundsEvent('Update', 'web', 1, 3));
    assert.equal(responses[0].Status, 'FAILED');
    assert.match(responses[0].Reason, /"pause" by cli:alice@laptop has held dev's lock since/);
    assert.equal((await pausing).code, 0);
    proxy.placementDelayPolls = 0;
    assert.deepEqual((await record()).services.web, { desired: 1, min: 1, max: 2 });
  });

  test('the guard: a restart while paused is stopped again; a busy database is retried, not dropped', async () => {
    await seedEnvironment(moto.endpoint);
    assert.equal((await cli(['pause', 'dev'])).code, 0);
    // AWS starts the database after seven days.
    await clients().rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: 'booking-dev' }));
    assert.equal((await state()).database, 'available');

    // The RDS event arrives while the instance refuses a stop (a backup window opened).
    proxy.failNext('rds:StopDBInstance', {
      code: 'InvalidDBInstanceState',
      message: 'Instance booking-dev is not in available state (backing-up)',
    });
    const busy = await lambda('dev', {
      source: 'aws.rds',
      detail: { EventID: 'RDS-EVENT-0154', SourceIdentifier: 'booking-dev' },
    });
    assert.equal(busy.outcome, 'waiting');
    assert.equal((await state()).database, 'available');
    assert.ok(busy.logs.some((line) => line.includes('"DatabaseNotStoppedWhilePaused":1')));

    // Its timer runs five minutes later and converges.
    const later = await lambda('dev', { source: 'aws.events' });
    assert.equal(later.outcome, 'stopped');
    assert.equal((await state()).database, 'stopped');
    const quiet = await lambda('dev', { source: 'aws.events' });
    assert.equal(quiet.outcome, 'already-stopped');
    assert.ok(quiet.logs.some((line) => line.includes('"DatabaseNotStoppedWhilePaused":0')));
  });

  test('minimal refuses while Dramatiq holds jobs, and goes ahead when told to drop them', async () => {
    await seedEnvironment(moto.endpoint);
    await publishBacklog(moto.endpoint, 5, { metricName: QUEUE_BACKLOG_METRIC.queuedJobs });
    const refused = await cliIn(STOPPED_WHILE_MINIMAL, ['minimal', 'dev']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /5 Dramatiq messages are queued \(ready, delayed or in progress\)/);
    let now = await state();
    assert.equal(now.database, 'available');
    assert.deepEqual(now.services.web, { desired: 1, min: 1, max: 2 });
    assert.equal(now.items.length, 0);

    const dropped = await cliIn(STOPPED_WHILE_MINIMAL, ['minimal', 'dev', '--drop-queued-jobs']);
    assert.equal(dropped.code, 0, dropped.err + dropped.out);
    now = await state();
    assert.equal(now.database, 'stopped');
    assert.deepEqual(now.services.web, { desired: 0, min: 0, max: 0 });
    assert.equal((await record()).state, 'minimal');
    assert.deepEqual(now.cacheSnapshots, [], 'dev takes no snapshot unless asked');
  });

  test('prod minimal snapshots the cache before anything can delete it', async () => {
    await seedEnvironment(moto.endpoint, { env: 'prod' });
    // The queue-depth publisher's measurement after the services stopped: nothing queued.
    await publishBacklog(moto.endpoint, 0, {
      env: 'prod',
      metricName: QUEUE_BACKLOG_METRIC.queuedJobs,
      timestamp: new Date(Date.now() + 30_000),
    });
    const result = await cli(['minimal', 'prod', '--yes']);
    assert.equal(result.code, 0, result.err + result.out);
    const now = await state('prod');
    assert.equal(now.cacheSnapshots.length, 1);
    assert.match(now.cacheSnapshots[0], /^booking-prod-minimal-/);
    assert.equal((await record('prod')).state, 'minimal');
    assert.equal(now.database, 'stopped');
  });

  test('running -> minimal -> running, end to end, with the deploys in between', async () => {
    await seedEnvironment(moto.endpoint);
    await publishBacklog(moto.endpoint, 0, {
      metricName: QUEUE_BACKLOG_METRIC.queuedJobs,
      timestamp: new Date(Date.now() + 30_000),
    });
    // 1. booking-infra minimal dev (the database kept, stopped)
    assert.equal((await cliIn(STOPPED_WHILE_MINIMAL, ['minimal', 'dev'])).code, 0);
    // 2. The deploy with state 'minimal': the data stack's gate lets it through...
    const gate = await lambda('dev', {
      ...boundsEvent('Update', 'web', 1, 2),
      ResourceType: 'Custom::EnvironmentStructure',
      ResourceProperties: { Structure: 'minimal' },
    });
    assert.equal(gate.responses[0].Status, 'SUCCESS', gate.responses[0].Reason);
    // ...and CloudFormation removes the load balancer, the services and the cache.
    const items = (await state()).items;
    await resetMoto(moto.endpoint);
    await seedEnvironment(moto.endpoint, { minimal: true, database: 'stopped' });
    await restoreItems(items);
    assert.equal((await state()).cache, undefined);

    // 3. booking-infra resume dev: the database starts; the record says running.
    const resumed = await cliIn(STOPPED_WHILE_MINIMAL, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err + resumed.out);
    assert.match(resumed.out, /npx cdk deploy 'booking-dev\/\*'/);
    assert.equal((await state()).database, 'available');
    assert.equal((await record()).state, 'running');

    // 4. The deploy with state 'running': the bounds resolve to the configuration...
    const web = await lambda('dev', boundsEvent('Create', 'web', 1, 2));
    assert.deepEqual(web.responses[0].Data, { Min: '1', Max: '2', ScheduledScalingSuspended: 'false' });
    // ...and CloudFormation creates the cache and the services.
    const after = (await state()).items;
    await resetMoto(moto.endpoint);
    await seedEnvironment(moto.endpoint);
    await restoreItems(after);
    const status = await cli(['status', 'dev', '--json']);
    const parsed = JSON.parse(status.out);
    assert.equal(parsed.observed, 'running');
    assert.deepEqual(parsed.drift, []);
  });

  test('a deploy of state minimal before `booking-infra minimal` is refused', async () => {
    await seedEnvironment(moto.endpoint);
    assert.equal((await cli(['pause', 'dev'])).code, 0);
    const gate = await lambda('dev', {
      ...boundsEvent('Update', 'web', 1, 2),
      ResourceType: 'Custom::EnvironmentStructure',
      ResourceProperties: { Structure: 'minimal' },
    });
    assert.equal(gate.responses[0].Status, 'FAILED');
    assert.match(gate.responses[0].Reason, /run "npx booking-infra minimal dev" first/);
  });

  test('more than 1 MB of JSON arrives whole through a pipe from the real CLI', async () => {
    await seedEnvironment(moto.endpoint);
    const made = clients();
    const table = stateTableName(shared.appName, 'dev');
    // Few, large entries: the same megabyte with fewer writes.
    const entries = 600;
    const padding = 'x'.repeat(1800);
    for (let start = 0; start < entries; start += 25) {
      await made.dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: Array.from({ length: Math.min(25, entries - start) }, (_, i) => {
              const at = new Date(Date.UTC(2026, 0, 1) + (start + i) * 60_000).toISOString();
              return {
                PutRequest: {
                  Item: {
                    pk: { S: 'journal' },
                    sk: { S: `${at}#${start + i}` },
                    entry: {
                      S: JSON.stringify({
                        at,
                        who: `cli:alice@laptop ${padding}`,
                        operation: 'pause',
                        from: 'running',
                        to: 'paused',
                        outcome: 'succeeded',
                      }),
                    },
                  },
                },
              };
            }),
          },
        }),
      );
    }
    const output = await new Promise<{ stdout: string; code: number | null }>((resolve, reject) => {
      // A real kernel pipe with a slow reader: the CLI must not exit before it has drained.
      const child = spawn(
        'sh',
        [
          '-c',
          `node bin/booking-infra.js history dev --limit ${entries} --json | { dd bs=1 count=1 2>/dev/null; sleep 0.3; cat; }`,
        ],
        {
          env: cliProcessEnvironment(proxy.endpoint),
        },
      );
      const chunks: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ stdout: Buffer.concat(chunks).toString('utf8'), code }));
    });
    assert.equal(output.code, 0);
    assert.ok(Buffer.byteLength(output.stdout) > 1024 * 1024, `${Buffer.byteLength(output.stdout)} bytes`);
    assert.equal(JSON.parse(output.stdout).length, entries);
  });

  /** The data stack's gate (Custom::EnvironmentStructure) as a deploy of `structure` runs it. */
  const structureGate = (structure: 'running' | 'minimal', instance: 'present' | 'none', restoreFrom: string) =>
    lambda('dev', {
      ...boundsEvent('Update', 'web', 1, 2),
      LogicalResourceId: 'StructureGate',
      ResourceType: 'Custom::EnvironmentStructure',
      ResourceProperties: { Structure: structure, DatabaseInstance: instance, RestoreFrom: restoreFrom },
    });

  /** A stack's outputs as a deploy leaves them (moto's stacks hold nothing but their outputs). */
  async function setOutputs(part: StackPart, outputs: Record<string, string>): Promise<void> {
    const template = {
      Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
      Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
    };
    await harness().cloudformation.send(
      new UpdateStackCommand({
        StackName: stackName(shared.appName, 'dev', part),
        TemplateBody: JSON.stringify(template),
      }),
    );
  }

  const dataOutputs = (seeded: SeededEnvironment) => ({
    [STACK_OUTPUTS.data.databaseInstanceId]: seeded.databaseId,
    [STACK_OUTPUTS.data.databaseSecretArn]:
      `arn:aws:secretsmanager:eu-west-2:111111111111:secret:${seeded.databaseId}-database-AbCdEf`,
  });
  const appOutputs = (seeded: SeededEnvironment) => ({
    [STACK_OUTPUTS.app.clusterName]: seeded.clusterName,
    [STACK_OUTPUTS.app.apiUrl]: `https://${configOf('dev').apiHost}/`,
    [STACK_OUTPUTS.app.migrateTaskDefinition]: seeded.migrateFamily,
  });

  /**
   * CloudFormation's part of the deploy with state 'minimal' and whileMinimal 'snapshot': the
   * instance deleted with a final snapshot (its Snapshot deletion policy), the services and the
   * cache deleted, the stacks' outputs without them.
   */
  async function deployMinimal(seeded: SeededEnvironment): Promise<void> {
    const aws = harness();
    await aws.rds.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier: seeded.databaseId,
        FinalDBSnapshotIdentifier: 'booking-dev-data-databasesnapshot-1a2b3c',
      }),
    );
    for (const service of [seeded.services.web!, seeded.services.worker!])
      await aws.ecs.send(new DeleteServiceCommand({ cluster: seeded.clusterName, service, force: true }));
    await aws.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: seeded.cacheId! }));
    await setOutputs('data', dataOutputs(seeded));
    await setOutputs('app', appOutputs(seeded));
  }

  /**
   * CloudFormation's part of the deploy with state 'running' that restores the instance from
   * `snapshot`: the instance, then the services with the bounds the resolver gives (the cache is
   * left out: pause and resume do not touch an ElastiCache cache).
   */
  async function deployRestoring(seeded: SeededEnvironment, snapshot: string): Promise<void> {
    const aws = harness();
    await aws.rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: seeded.databaseId,
        DBSnapshotIdentifier: snapshot,
      }),
    );
    for (const role of ['web', 'worker'] as const) {
      const configured = configOf('dev').compute[role];
      const bounds = await lambda('dev', boundsEvent('Create', role, configured.minTasks, configured.maxTasks));
      assert.equal(bounds.responses[0].Status, 'SUCCESS', bounds.responses[0].Reason);
      const [min, max] = [Number(bounds.responses[0].Data.Min), Number(bounds.responses[0].Data.Max)];
      await aws.ecs.send(
        new CreateServiceCommand({
          cluster: seeded.clusterName,
          serviceName: seeded.services[role]!,
          taskDefinition: `${seeded.clusterName}-${role}`,
          desiredCount: min,
          launchType: 'FARGATE',
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [...seeded.network.subnetIds],
              securityGroups: [seeded.network.securityGroupId],
              assignPublicIp: 'ENABLED',
            },
          },
        }),
      );
      await aws.autoscaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceId: `service/${seeded.clusterName}/${seeded.services[role]}`,
          MinCapacity: min,
          MaxCapacity: max,
        }),
      );
    }
    await setOutputs('app', {
      ...appOutputs(seeded),
      [STACK_OUTPUTS.app.webServiceName]: seeded.services.web!,
      [STACK_OUTPUTS.app.workerServiceName]: seeded.services.worker!,
    });
  }

  test('running -> minimal -> running with the database kept as a snapshot (whileMinimal: snapshot), end to end, with the deploys in between', async () => {
    const seeded = await seedEnvironment(moto.endpoint);
    await publishBacklog(moto.endpoint, 0, {
      metricName: QUEUE_BACKLOG_METRIC.queuedJobs,
      timestamp: new Date(Date.now() + 30_000),
    });
    // 1. booking-infra minimal dev: drained, snapshotted, stopped, recorded minimal naming the snapshot.
    const minimal = await cliIn(SNAPSHOT_WHILE_MINIMAL, ['minimal', 'dev']);
    assert.equal(minimal.code, 0, minimal.err + minimal.out);
    const name: string = (await record()).databaseSnapshot.identifier;
    assert.match(name, /^booking-dev-minimal-\d{8}t\d{6}z$/);
    assert.deepEqual((await record()).databaseSnapshot, { identifier: name, masterUsername: 'booking' });
    assert.equal((await record()).state, 'minimal');
    const [taken] = (await harness().rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: name })))
      .DBSnapshots!;
    assert.equal(taken.Status, 'available');
    assert.equal(taken.DBInstanceIdentifier, 'booking-dev');
    assert.ok(taken.TagList?.some((tag) => tag.Key === MINIMAL_SNAPSHOT_TAG && tag.Value === 'dev'));
    let now = await state();
    assert.equal(now.database, 'stopped');
    assert.deepEqual(now.services.web, { desired: 0, min: 0, max: 0 });
    assert.match(
      minimal.out,
      new RegExp(`DELETES the database instance booking-dev, whose data the snapshot ${name} keeps`),
    );

    // 2. The deploy with state 'minimal': the data stack's gate lets it delete the instance...
    const gate = await structureGate('minimal', 'none', '');
    assert.equal(gate.responses[0].Status, 'SUCCESS', gate.responses[0].Reason);
    // ...and CloudFormation deletes it (a final snapshot besides), the services and the cache.
    await deployMinimal(seeded);
    now = await state();
    assert.equal(now.database, undefined);
    // Nothing is left to stop: the guard, a pause and a second minimal leave it all as it is.
    proxy.reset();
    const guard = await lambda('dev', { source: 'aws.events' });
    assert.equal(guard.outcome, 'already-stopped');
    assert.ok(guard.logs.some((line) => line.includes('"DatabaseNotStoppedWhilePaused":0')));
    assert.ok(guard.logs.some((line) => line.includes(`the database is kept as the snapshot ${name}`)));
    const paused = await cliIn(SNAPSHOT_WHILE_MINIMAL, ['pause', 'dev']);
    assert.equal(paused.code, 0, paused.err + paused.out);
    assert.match(paused.out, /nothing to do/);
    assert.equal((await cliIn(SNAPSHOT_WHILE_MINIMAL, ['minimal', 'dev'])).code, 0);
    assert.deepEqual(
      proxy
        .operations()
        .filter((op) => op.startsWith('rds:') && op !== 'rds:DescribeDBInstances' && op !== 'rds:DescribeDBSnapshots'),
      [],
    );
    const status = JSON.parse((await cliIn(SNAPSHOT_WHILE_MINIMAL, ['status', 'dev', '--json'])).out);
    assert.equal(status.observed, 'minimal');
    assert.deepEqual(status.drift, []);

    // 3. booking-infra resume dev: nothing to start; recorded running, still naming the snapshot.
    const resumed = await cliIn(SNAPSHOT_WHILE_MINIMAL, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err + resumed.out);
    assert.match(resumed.out, new RegExp(`database\\.restoredFromMinimalSnapshot: '${name}'`));
    assert.equal((await record()).state, 'running');
    assert.equal((await record()).databaseSnapshot.identifier, name);
    assert.equal(proxy.calls('rds:StartDBInstance').length, 0);
    // A second resume before the deploy changes nothing.
    const items = (await state()).items.filter((item) => item.pk === 'state');
    assert.equal((await cliIn(SNAPSHOT_WHILE_MINIMAL, ['resume', 'dev'])).code, 0);
    assert.deepEqual(
      (await state()).items.filter((item) => item.pk === 'state'),
      items,
    );

    // 4. The deploy with state 'running': the gate refuses an empty database and lets the snapshot through...
    const empty = await structureGate('running', 'present', '');
    assert.equal(empty.responses[0].Status, 'FAILED');
    assert.match(empty.responses[0].Reason, new RegExp(`restoredFromMinimalSnapshot: '${name}'`));
    const restoring = await structureGate('running', 'present', name);
    assert.equal(restoring.responses[0].Status, 'SUCCESS', restoring.responses[0].Reason);
    // ...and CloudFormation restores the instance from it, then creates the services.
    await deployRestoring(seeded, name);
    now = await state();
    assert.equal(now.database, 'available');
    assert.deepEqual(now.services.web, { desired: 1, min: 1, max: 2 });
    const running = JSON.parse((await cliIn(SNAPSHOT_WHILE_MINIMAL, ['status', 'dev', '--json'])).out);
    assert.equal(running.observed, 'running');
    assert.deepEqual(running.drift, []);

    // 5. Pause and resume work again; the pause clears the snapshot from the record.
    const pausedAgain = await cliIn(SNAPSHOT_WHILE_MINIMAL, ['pause', 'dev']);
    assert.equal(pausedAgain.code, 0, pausedAgain.err + pausedAgain.out);
    assert.equal((await record()).state, 'paused');
    assert.equal((await record()).databaseSnapshot, undefined);
    assert.equal((await state()).database, 'stopped');
    const resumedAgain = await cliIn(SNAPSHOT_WHILE_MINIMAL, ['resume', 'dev']);
    assert.equal(resumedAgain.code, 0, resumedAgain.err + resumedAgain.out);
    now = await state();
    assert.equal(now.database, 'available');
    assert.deepEqual(now.services.web, { desired: 1, min: 1, max: 2 });
  });

  test('minimal with the database kept as a snapshot, failing after the snapshot and run again, takes no second snapshot', async () => {
    await seedEnvironment(moto.endpoint);
    proxy.failNext('rds:StopDBInstance', {
      code: 'InvalidDBInstanceState',
      message: 'injected: Instance booking-dev is not in available state',
    });
    const failed = await cliIn(SNAPSHOT_WHILE_MINIMAL, ['minimal', 'dev', '--drop-queued-jobs']);
    assert.equal(failed.code, 1);
    assert.equal((await record()).state, 'pausing');
    const name = (await record()).databaseSnapshot.identifier;
    assert.equal((await state()).database, 'available');

    const retried = await cliIn(SNAPSHOT_WHILE_MINIMAL, ['minimal', 'dev', '--drop-queued-jobs']);
    assert.equal(retried.code, 0, retried.err + retried.out);
    assert.deepEqual(
      proxy.calls('rds:CreateDBSnapshot').map((call) => call.status),
      [200],
      'one snapshot taken, by the first run',
    );
    assert.equal((await record()).state, 'minimal');
    assert.equal((await record()).databaseSnapshot.identifier, name);
    assert.equal((await state()).database, 'stopped');
  });

  /** Puts the state table's items back after the emulator was reset for a structure change. */
  async function restoreItems(items: Array<Record<string, unknown>>): Promise<void> {
    const made = clients();
    for (const item of items) {
      await made.dynamodb.send(
        new PutItemCommand({
          TableName: stateTableName(shared.appName, 'dev'),
          Item: Object.fromEntries(
            Object.entries(item).map(([key, value]) => [
              key,
              typeof value === 'number' ? { N: String(value) } : { S: String(value) },
            ]),
          ),
        }),
      );
    }
  }
});
