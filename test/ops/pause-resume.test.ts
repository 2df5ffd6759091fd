import { GetVpcLinkCommand } from '@aws-sdk/client-apigatewayv2';
import { DisableAlarmActionsCommand, EnableAlarmActionsCommand } from '@aws-sdk/client-cloudwatch';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DescribeTasksCommand, ListTasksCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateSnapshotCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { environmentNamed, platformConfig } from '../../src/config';
import { EnvironmentOperations, type OpsContext, type Plan } from '../../src/ops/operations';
import { configuredCapacity, discoverResources } from '../../src/ops/resources';
import { parseStateRecord } from '../../src/ops/state-store';
import { FakeAws } from './fake-aws';
import { cli, cliWith, devWhileMinimal, heldAtFirstWait, START } from './ops-cli';

/**
 * The CLI with dev's database kept stopped while minimal (`whileMinimal: 'stopped'`), whatever
 * src/config/dev.ts says: the minimal tests here are about the queues and the cache; the database
 * kept as a snapshot has its own (minimal-snapshot.test.ts).
 */
const STOPPED_WHILE_MINIMAL = devWhileMinimal('stopped');
const cliStoppedWhileMinimal: typeof cli = (fake, args, overrides) =>
  cliWith(STOPPED_WHILE_MINIMAL, fake, args, overrides);

describe('pause and resume', () => {
  test('pause then resume restores the exact recorded bounds and counts', async () => {
    const fake = new FakeAws('dev');
    fake.services['booking-dev-web'] = { desired: 2, running: 2, min: 2, max: 5 };
    fake.services['booking-dev-worker'] = { desired: 1, running: 1, min: 0, max: 3 };
    const before = structuredClone(fake.services);

    const paused = await cli(fake, ['pause', 'dev']);
    assert.equal(paused.code, 0, paused.err);
    assert.match(paused.out, /Plan to pause dev/);
    assert.match(paused.out, /\[\d+\/\d+\] stop the database booking-dev/);
    // The alarms a paused environment trips by design are silenced, and given back on resume.
    const silenced = [
      'booking-dev-web-below-minimum',
      'booking-dev-no-healthy-web-target',
      'booking-dev-http-5xx-rate',
      'booking-dev-platform-down',
      'booking-dev-elb5xx',
      'booking-dev-no-web-task',
      'booking-dev-api-5xx',
      // A stopped cache task leaves the backlog publisher nothing to read (PAUSE_SILENCED_ALARMS).
      'booking-dev-backlog-metric-missing',
      'booking-dev-queue-depth-errors',
    ];
    assert.deepEqual(
      fake.stubs.cloudwatch.commandCalls(DisableAlarmActionsCommand).map((call) => call.args[0].input.AlarmNames),
      [silenced],
    );
    assert.deepEqual(fake.services['booking-dev-web'], { desired: 0, running: 0, min: 0, max: 0 });
    assert.deepEqual(fake.services['booking-dev-worker'], { desired: 0, running: 0, min: 0, max: 0 });
    assert.equal(fake.database, 'stopped');
    assert.deepEqual(fake.stateRecord().services, {
      web: { desired: 2, min: 2, max: 5 },
      worker: { desired: 1, min: 0, max: 3 },
    });
    assert.equal(fake.stateRecord().state, 'paused');
    assert.equal(fake.stateRecord().changedBy, 'cli:alice@laptop');
    assert.equal(fake.lock(), undefined, 'the lock is released');

    const resumed = await cli(fake, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(fake.database, 'available');
    assert.deepEqual(fake.services, before);
    assert.equal(fake.stateRecord().state, 'running');
    assert.match(resumed.out, /dev is running: https:\/\/api-dev\.lichnails\.co\.uk\//);
    assert.deepEqual(
      fake.stubs.cloudwatch.commandCalls(EnableAlarmActionsCommand).map((call) => call.args[0].input.AlarmNames),
      [silenced],
    );
  });

  test('pausing twice and resuming twice is harmless: the second pause only silences the alarms again', async () => {
    const fake = new FakeAws('dev');
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    fake.reset();
    const items = [...fake.items.keys()];
    const record = fake.items.get('state|current');
    const again = await cli(fake, ['pause', 'dev']);
    assert.equal(again.code, 0);
    assert.match(again.out, /dev is already paused: nothing to do\./);
    // A deploy while paused may have turned alarm actions back on: the second pause silences them
    // again (idempotent), and changes nothing else: no service, database or record write.
    assert.deepEqual(
      fake.mutatingCalls().filter((name) => name !== 'DisableAlarmActionsCommand'),
      [],
    );
    assert.equal(fake.stubs.cloudwatch.commandCalls(DisableAlarmActionsCommand).length, 1);
    assert.deepEqual(fake.items.get('state|current'), record);
    const added = [...fake.items.keys()].filter((key) => !items.includes(key));
    assert.equal(added.length, 1, 'one journal entry');
    assert.match(JSON.stringify(fake.items.get(added[0])), /nothing to do/);
    assert.ok(!fake.items.has('lock|current'), 'the lock is released');

    assert.equal((await cli(fake, ['resume', 'dev'])).code, 0);
    fake.reset();
    const resumedAgain = await cli(fake, ['resume', 'dev']);
    assert.equal(resumedAgain.code, 0);
    assert.match(resumedAgain.out, /dev is already running: nothing to do\./);
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('--dry-run prints the plan, takes no lock and changes nothing', async () => {
    const fake = new FakeAws('dev');
    const result = await cli(fake, ['pause', 'dev', '--dry-run']);
    assert.equal(result.code, 0);
    assert.match(result.out, /1\. record pausing/);
    assert.match(result.out, /Dry run: nothing was changed\./);
    assert.deepEqual(fake.mutatingCalls(), []);
    assert.equal(fake.items.size, 0);
    assert.equal(fake.database, 'available');
  });

  test('a database already stopping is waited for, not stopped again', async () => {
    const fake = new FakeAws('dev');
    fake.database = 'stopping';
    fake.pendingDatabase = 'stopped';
    const result = await cli(fake, ['pause', 'dev']);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /wait for the database to be stopped/);
    assert.ok(!fake.mutatingCalls().includes('StopDBInstanceCommand'));
    assert.equal(fake.database, 'stopped');
  });

  test('a missing service fails with a clear reason', async () => {
    const fake = new FakeAws('dev');
    delete fake.services['booking-dev-worker'];
    const result = await cli(fake, ['pause', 'dev']);
    assert.equal(result.code, 1);
    assert.match(result.err, /service booking-dev-worker is missing from cluster booking-dev/);
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('a call failing half-way exits non-zero, prints every resource, and keeps what resume needs', async () => {
    const fake = new FakeAws('dev');
    fake.stubs.rds
      .on(StopDBInstanceCommand)
      .rejects(Object.assign(new Error('The instance is being modified'), { name: 'InvalidDBInstanceStateFault' }));
    const result = await cli(fake, ['pause', 'dev']);
    assert.equal(result.code, 1);
    assert.match(result.out, /pause failed: The instance is being modified/);
    assert.match(result.out, /web service booking-dev-web: 0 desired, 0 running, 0 pending, bounds 0\.\.0/);
    assert.match(result.out, /database booking-dev: available/);
    assert.match(result.err, /pause of dev did not complete; run "npx booking-infra pause dev" again/);
    assert.equal(fake.stateRecord().state, 'pausing');
    assert.deepEqual(fake.stateRecord().services.web, { desired: 1, min: 1, max: 2 });
    assert.equal(fake.lock(), undefined, 'a failed run releases its lock');
  });

  test('a resume that fails to give the alarms back fails, and run again gives them back', async () => {
    const fake = new FakeAws('dev');
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    fake.stubs.cloudwatch
      .on(EnableAlarmActionsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves({});
    const first = await cli(fake, ['resume', 'dev']);
    assert.equal(first.code, 1);
    assert.match(first.out, /resume failed: Rate exceeded/);
    // The services are back; the record says the resume did not finish.
    assert.deepEqual(fake.services['booking-dev-web'], { desired: 1, running: 1, min: 1, max: 2 });
    assert.equal(fake.stateRecord().state, 'resuming');
    const again = await cli(fake, ['resume', 'dev']);
    assert.equal(again.code, 0, again.err);
    assert.equal(fake.stateRecord().state, 'running');
    assert.equal(fake.stubs.cloudwatch.commandCalls(EnableAlarmActionsCommand).length, 2);
  });

  test('a pause that failed after web reached zero, run again, still restores web on resume', async () => {
    const fake = new FakeAws('dev');
    fake.services['booking-dev-worker'] = { desired: 1, running: 1, min: 0, max: 3 };
    // The worker's UpdateService fails once: web is already at 0 tasks and 0..0.
    let failures = 0;
    fake.stubs.ecs.on(UpdateServiceCommand).callsFake((input: { service: string; desiredCount: number }) => {
      if (input.service === 'booking-dev-worker' && failures++ === 0)
        throw Object.assign(new Error('Service is being updated'), { name: 'ServiceNotActiveException' });
      fake.services[input.service].desired = input.desiredCount;
      return {};
    });
    const first = await cli(fake, ['pause', 'dev']);
    assert.equal(first.code, 1);
    assert.deepEqual(fake.services['booking-dev-web'], { desired: 0, running: 0, min: 0, max: 0 });

    const retried = await cli(fake, ['pause', 'dev']);
    assert.equal(retried.code, 0, retried.err);
    assert.match(retried.out, /capacities to restore: web 1 task, 1\.\.2; worker 1 task, 0\.\.3/);
    assert.deepEqual(fake.stateRecord().services, {
      web: { desired: 1, min: 1, max: 2 },
      worker: { desired: 1, min: 0, max: 3 },
    });

    assert.equal((await cli(fake, ['resume', 'dev'])).code, 0);
    assert.deepEqual(fake.services['booking-dev-web'], { desired: 1, running: 1, min: 1, max: 2 });
    assert.deepEqual(fake.services['booking-dev-worker'], { desired: 1, running: 1, min: 0, max: 3 });
  });

  test('two transitions at once: the second fails at once naming the holder, the operation and the start', async () => {
    const fake = new FakeAws('dev');
    const held = heldAtFirstWait();
    // The first pause waits (for the database to stop) until the test lets it go on.
    const first = cli(fake, ['pause', 'dev'], { sleep: held.sleep });
    await held.reached;
    const second = await cli(fake, ['resume', 'dev'], { actor: 'schedule' });
    assert.equal(second.code, 1);
    assert.match(
      second.err,
      /resume of dev: another transition holds the lock: cli:alice@laptop is running "pause" since 2026-11-27T12:00:\d\d\.\d{3}Z; wait for it to finish/,
    );
    const third = await cli(fake, ['pause', 'dev'], { actor: 'cli:bob@desk' });
    assert.equal(third.code, 1);
    assert.match(third.err, /holds the lock/);
    held.release();
    const done = await first;
    assert.equal(done.code, 0, done.err);
    // The record is the first run's, whole: nothing was lost to the runs that were refused.
    assert.equal(fake.stateRecord().state, 'paused');
    assert.deepEqual(fake.stateRecord().services.web, { desired: 1, min: 1, max: 2 });
    assert.equal(fake.database, 'stopped');
    assert.equal(fake.lock(), undefined);
  });

  test('a lock left by a crashed run: refused without a flag, broken with --break-lock once stale', async () => {
    const fake = new FakeAws('dev');
    const lock = (heartbeatAt: string) =>
      fake.setLock({
        holder: 'schedule',
        operation: 'pause',
        startedAt: '2026-11-27T11:00:00.000Z',
        heartbeatAt: heartbeatAt,
      });
    lock('2026-11-27T11:59:00.000Z');
    const fresh = await cli(fake, ['pause', 'dev', '--break-lock']);
    assert.equal(fresh.code, 1);
    assert.match(fresh.err, /schedule is running "pause" since 2026-11-27T11:00:00\.000Z; wait for it to finish/);
    assert.deepEqual(fake.mutatingCalls(), []);

    lock('2026-11-27T11:30:00.000Z');
    const refused = await cli(fake, ['pause', 'dev']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /last sign of life was 30 min ago: if that run crashed, run again with --break-lock/);
    const broken = await cli(fake, ['pause', 'dev', '--break-lock']);
    assert.equal(broken.code, 0, broken.err);
    assert.equal(fake.database, 'stopped');
    assert.equal(fake.lock(), undefined);
  });

  test('a hand-edited record gives one clear line, not a crash', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord({ state: 'sleeping', changedAt: '2026-11-27T10:00:00Z', services: {} });
    const result = await cli(fake, ['status', 'dev']);
    assert.equal(result.code, 1);
    assert.equal(result.err.split('\n').length, 1);
    assert.match(
      result.err,
      /the state record in table booking-dev-ops-state, item state\/current is not valid: state is "sleeping", expected one of running, pausing, paused, resuming, minimal/,
    );
    fake.setStateRecord({
      state: 'paused',
      changedAt: '2026-11-27T10:00:00Z',
      services: { web: { desired: 1, min: 0, max: 0 } },
    });
    const zero = await cli(fake, ['resume', 'dev']);
    assert.equal(zero.code, 1);
    assert.match(zero.err, /services\.web is .* expected min <= max and max >= 1/);
    fake.setStateRecord('{not json');
    const garbled = await cli(fake, ['pause', 'dev']);
    assert.match(garbled.err, /is not JSON/);
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('resume without any record restores the configured bounds', async () => {
    const fake = new FakeAws('dev');
    fake.database = 'stopped';
    fake.services['booking-dev-web'] = { desired: 0, running: 0, min: 0, max: 0 };
    const result = await cli(fake, ['resume', 'dev']);
    assert.equal(result.code, 0, result.err);
    // src/config/dev.ts: web 1..2.
    assert.deepEqual(fake.services['booking-dev-web'], { desired: 1, running: 1, min: 1, max: 2 });
    assert.equal(fake.stateRecord().state, 'running');
  });

  test('every transition is journaled: who, when, from, to, outcome; history prints it', async () => {
    const fake = new FakeAws('dev');
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    fake.stubs.rds.on(StopDBInstanceCommand).rejects(new Error('unused'));
    assert.equal((await cli(fake, ['resume', 'dev'], { actor: 'cli:bob@desk' })).code, 0);
    const journal = fake.journal();
    assert.deepEqual(
      journal.map((e) => [e.who, e.operation, e.from, e.to, e.outcome]),
      [
        ['cli:alice@laptop', 'pause', 'unrecorded', 'paused', 'started'],
        ['cli:alice@laptop', 'pause', 'unrecorded', 'paused', 'succeeded'],
        ['cli:bob@desk', 'resume', 'paused', 'running', 'started'],
        ['cli:bob@desk', 'resume', 'paused', 'running', 'succeeded'],
      ],
    );
    const history = await cli(fake, ['history', 'dev', '--limit', '2']);
    assert.equal(history.code, 0, history.err);
    const lines = history.out.split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /resume +paused -> running {2}succeeded {2}\(cli:bob@desk\)/);
    const json = JSON.parse((await cli(fake, ['history', 'dev', '--json'])).out);
    assert.equal(json.length, 4);
    assert.match((await cli(fake, ['history', 'dev', '--limit', 'x'])).err, /--limit "x" is not a whole number/);
  });

  test('a failed transition is journaled with its reason', async () => {
    const fake = new FakeAws('dev');
    fake.stubs.rds.on(StopDBInstanceCommand).rejects(new Error('The instance is being modified'));
    await cli(fake, ['pause', 'dev']);
    assert.equal(fake.journal().at(-1).outcome, 'failed: The instance is being modified');
  });

  test('pause waits for a running migrate task and a release in progress, and says which', async () => {
    const fake = new FakeAws('dev');
    fake.migrations = ['4f1c2'];
    fake.releaseStage = 'Deploy';
    let polls = 0;
    const result = await cli(fake, ['pause', 'dev'], {
      sleep: async () => {
        if (++polls === 2) fake.migrations = [];
        if (polls === 3) fake.releaseStage = undefined;
      },
    });
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /1\. wait for the running migrate task to finish \(4f1c2\)/);
    assert.match(
      result.out,
      /2\. wait for the pipeline release in progress to finish \(booking-dev stage Deploy execution e1\)/,
    );
    const order = result.out.indexOf('migrate tasks finished: done');
    assert.ok(order > 0 && order < result.out.lastIndexOf('] stop the database booking-dev ('));
  });

  test('prod without --yes and without a terminal refuses before changing anything', async () => {
    const fake = new FakeAws('prod');
    const result = await cli(fake, ['pause', 'prod']);
    assert.equal(result.code, 1);
    assert.match(result.err, /refusing to pause prod without --yes/);
    assert.deepEqual(fake.mutatingCalls(), []);
    assert.equal(fake.items.size, 0);
  });

  test('prod asks at a terminal and proceeds only on the environment name', async () => {
    const fake = new FakeAws('prod');
    const refused = await cli(fake, ['pause', 'prod'], { interactive: true, ask: async () => 'yes' });
    assert.equal(refused.code, 1);
    assert.match(refused.err, /not confirmed; nothing was changed/);
    assert.deepEqual(fake.mutatingCalls(), []);
    const confirmed = await cli(fake, ['pause', 'prod'], { interactive: true, ask: async () => 'prod' });
    assert.equal(confirmed.code, 0, confirmed.err);
    assert.equal(fake.database, 'stopped');
  });
});

describe('status reports what AWS shows beside the record', () => {
  test('a running environment: services, database, load balancer, cache, API, cost, no drift', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord({
      state: 'running',
      changedAt: '2026-11-27T10:00:00Z',
      changedBy: 'deploy:booking-dev-app',
      services: { web: { desired: 1, min: 1, max: 2 }, worker: { desired: 0, min: 0, max: 2 } },
    });
    const result = await cli(fake, ['status', 'dev', '--json']);
    assert.equal(result.code, 0, result.err);
    const status = JSON.parse(result.out);
    assert.equal(status.observed, 'running');
    assert.equal(status.recorded.state, 'running');
    assert.deepEqual(status.drift, []);
    assert.deepEqual(
      status.services.map((s: any) => [s.role, s.desired, s.min, s.max]),
      [
        ['web', 1, 1, 2],
        ['worker', 0, 0, 2],
      ],
    );
    assert.deepEqual(status.database, { id: 'booking-dev', status: 'available' });
    assert.deepEqual(status.cache, { id: 'booking-dev', status: 'available' });
    assert.equal(status.apiUrl, 'https://api-dev.lichnails.co.uk/');
    assert.equal(status.monthlyCostUsd, 12.34);
    const text = await cli(fake, ['status', 'dev']);
    assert.match(text.out, /dev: running as AWS shows it; recorded running at 2026-11-27T10:00:00Z/);
    assert.match(text.out, /drift: none/);
  });

  test('a task running while recorded paused is drift, and pause converges it', async () => {
    const fake = new FakeAws('dev');
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    fake.services['booking-dev-web'] = { desired: 1, running: 1, min: 0, max: 0 };
    const status = JSON.parse((await cli(fake, ['status', 'dev', '--json'])).out);
    assert.equal(status.observed, 'mixed');
    assert.equal(status.recorded.state, 'paused');
    assert.deepEqual(status.drift, ['web has 1 running of 1 desired, bounds 0..0, although recorded paused']);
    assert.equal(status.converge, 'npx booking-infra pause dev');
    const text = (await cli(fake, ['status', 'dev'])).out;
    assert.match(text, /to converge: npx booking-infra pause dev/);
  });

  test('a stopped database while recorded running is drift, and resume converges it', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord({ state: 'running', changedAt: '2026-11-27T10:00:00Z', services: {} });
    fake.database = 'stopped';
    const status = JSON.parse((await cli(fake, ['status', 'dev', '--json'])).out);
    assert.deepEqual(status.drift, ['the database is stopped although dev is recorded running']);
    assert.equal(status.converge, 'npx booking-infra resume dev');
  });

  test('a transition in progress is shown with its holder', async () => {
    const fake = new FakeAws('dev');
    fake.setLock({
      holder: 'schedule',
      operation: 'resume',
      startedAt: '2026-11-27T11:59:30.000Z',
      heartbeatAt: '2026-11-27T11:59:50.000Z',
    });
    const status = JSON.parse((await cli(fake, ['status', 'dev', '--json'])).out);
    assert.deepEqual(status.drift, [
      '"resume" by schedule holds the lock since 2026-11-27T11:59:30.000Z (in progress)',
    ]);
    assert.equal(status.lock.holder, 'schedule');
  });

  test('a missing app stack is not mistaken for minimal', async () => {
    const fake = new FakeAws('dev');
    fake.stubs.cloudformation
      .on((await import('@aws-sdk/client-cloudformation')).DescribeStacksCommand, { StackName: 'booking-dev-app' })
      .rejects(new Error('Stack with id booking-dev-app does not exist'));
    const status = JSON.parse((await cli(fake, ['status', 'dev', '--json'])).out);
    assert.notEqual(status.observed, 'minimal');
    assert.deepEqual(status.drift, ['stack booking-dev-app is not deployed (or has no outputs)']);
    assert.equal(status.converge, "npx cdk deploy 'booking-dev/*'");
  });

  test('an environment in the minimal structure shows minimal, with no load balancer and no cache', async () => {
    const minimal = new FakeAws('dev', { minimal: true });
    minimal.database = 'stopped';
    minimal.setStateRecord({ state: 'minimal', changedAt: '2026-11-27T10:00:00Z', services: {} });
    const status = JSON.parse((await cli(minimal, ['status', 'dev', '--json'])).out);
    assert.equal(status.observed, 'minimal');
    assert.deepEqual(status.drift, []);
    assert.equal(status.loadBalancer, null);
    assert.equal(status.cache, null);
  });
});

describe('minimal protects queued work', () => {
  const cli = cliStoppedWhileMinimal;
  test('refuses while Dramatiq holds messages, before changing anything', async () => {
    const fake = new FakeAws('dev');
    fake.liveQueuedJobs = 12;
    const result = await cli(fake, ['minimal', 'dev']);
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /12 Dramatiq messages are queued \(ready, delayed or in progress\) in dev's cache, which minimal deletes\. Resume and let the workers finish them, or run again with --drop-queued-jobs/,
    );
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('refuses when a job was queued just before the services stopped, leaving the environment paused', async () => {
    const fake = new FakeAws('dev');
    // The last measurement before the pause showed none; the one after the drain shows one.
    fake.queuedJobs = [[START - 120_000, 0]];
    let measured = false;
    const result = await cli(fake, ['minimal', 'dev'], {
      sleep: async () => {
        if (!measured) fake.liveQueuedJobs = 1;
        measured = true;
      },
    });
    assert.equal(result.code, 1);
    assert.match(result.out, /1 Dramatiq message is queued .* dev is left paused/);
    assert.equal(fake.stateRecord().state, 'paused');
    assert.equal(fake.database, 'stopped');
  });

  test('with no queued job: pauses, records minimal and says what to deploy; dev takes no snapshot', async () => {
    const fake = new FakeAws('dev');
    fake.liveQueuedJobs = 0;
    const result = await cli(fake, ['minimal', 'dev']);
    assert.equal(result.code, 0, result.err);
    assert.equal(fake.stateRecord().state, 'minimal');
    assert.equal(fake.database, 'stopped');
    assert.deepEqual(Object.keys(fake.snapshots), []);
    assert.match(
      result.out,
      /Now set state: 'minimal' for dev in src\/config\/dev\.ts and run: npx cdk deploy 'booking-dev\/\*'/,
    );
  });

  test('--drop-queued-jobs goes ahead without measuring', async () => {
    const fake = new FakeAws('dev');
    fake.liveQueuedJobs = 40;
    const result = await cli(fake, ['minimal', 'dev', '--drop-queued-jobs']);
    assert.equal(result.code, 0, result.err);
    assert.equal(fake.stateRecord().state, 'minimal');
  });

  test('prod snapshots the cache first and waits for the snapshot', async () => {
    const fake = new FakeAws('prod');
    fake.liveQueuedJobs = 0;
    const result = await cli(fake, ['minimal', 'prod', '--yes']);
    assert.equal(result.code, 0, result.err);
    const [name] = Object.keys(fake.snapshots);
    assert.match(name, /^booking-prod-minimal-2026-11-27t12-00-/);
    assert.equal(fake.snapshots[name], 'available');
    assert.ok(result.out.indexOf('snapshot the cache') < result.out.indexOf('record minimal'));
  });

  test('from minimal back to running: resume starts the database, then the deploy brings the services back', async () => {
    const full = new FakeAws('dev');
    full.liveQueuedJobs = 0;
    assert.equal((await cli(full, ['minimal', 'dev'])).code, 0);
    // The deploy with state 'minimal' removed the load balancer, services and cache.
    const minimal = new FakeAws('dev', { minimal: true });
    for (const [key, item] of full.items) minimal.items.set(key, item);
    minimal.database = full.database;

    const resumed = await cli(minimal, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(minimal.database, 'available');
    assert.equal(minimal.stateRecord().state, 'running');
    assert.match(resumed.out, /Now set state: 'running' for dev .* npx cdk deploy 'booking-dev\/\*'/);
    // Config says running again (src/config/dev.ts): status points at the deploy that completes it.
    const status = JSON.parse((await cli(minimal, ['status', 'dev', '--json'])).out);
    assert.deepEqual(status.drift, ['recorded running, but the services and cache are not deployed yet']);
    assert.equal(status.converge, "npx cdk deploy 'booking-dev/*'");
  });
});

describe('resume with the HTTP API ingress (no load balancer, a VPC link)', () => {
  const LINK = 'vldev42';
  const API = 'https://api-dev.lichnails.co.uk/';

  /**
   * Resume through the library, as the CLI and the scheduled Lambda run it, with the fake's `wake`
   * standing for the request to the API. The clock moves 1 s per reading and the whole sleep.
   */
  async function resume(fake: FakeAws, options: Partial<OpsContext> = {}) {
    const lines: string[] = [];
    let clock = START;
    const dev = environmentNamed(platformConfig, 'dev');
    const resources = await discoverResources(fake.clients.cloudformation, platformConfig.shared, dev);
    const operations = new EnvironmentOperations(resources, {
      clients: fake.clients,
      report: (line) => lines.push(line),
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => (clock += 1000),
      actor: 'schedule',
      wake: fake.wake,
      ...options,
    });
    const outcome = await operations
      .transition('resume', (observed) => operations.planResume(observed))
      .then(
        (plan) => ({ plan, error: undefined }),
        (error: Error) => ({ plan: undefined, error }),
      );
    return { ...outcome, out: lines.join('\n') };
  }

  /** A dev environment on the HTTP API, paused by the CLI. */
  async function pausedOnHttpApi(): Promise<FakeAws> {
    const fake = new FakeAws('dev', { ingress: 'http-api' });
    const paused = await cli(fake, ['pause', 'dev']);
    assert.equal(paused.code, 0, paused.err);
    fake.reset();
    return fake;
  }

  const steps = (plan: Plan | undefined) => plan!.steps.map((step) => step.description);
  const enabledAlarms = (fake: FakeAws) => fake.stubs.cloudwatch.commandCalls(EnableAlarmActionsCommand).length;

  test('a link gone INACTIVE over a long pause is woken by a request to the API, and resume waits until it is AVAILABLE', async () => {
    const fake = await pausedOnHttpApi();
    fake.vpcLink = { status: 'INACTIVE' };
    const { plan, error, out } = await resume(fake);
    assert.equal(error, undefined, out);
    // One right after recording `resuming` (reprovisioning starts while the database starts), one
    // at the link step; the link came back within the minute after it.
    assert.deepEqual(fake.wakeRequests, [API, API]);
    assert.equal(fake.vpcLink.status, 'AVAILABLE');
    const planned = steps(plan);
    const early = planned.findIndex((step) => step.startsWith('send a request to'));
    assert.ok(
      early > 0 && early < planned.findIndex((step) => step.startsWith('start the database')),
      planned.join('\n'),
    );
    const link = planned.indexOf(
      `make sure the API's VPC link ${LINK} is AVAILABLE (now INACTIVE: requests to ${API} wake it, which takes a few minutes)`,
    );
    // After the web tasks are healthy (something must answer), before the alarms page again.
    assert.ok(link > planned.findIndex((step) => step.startsWith('wait for the web tasks')), planned.join('\n'));
    assert.ok(link < planned.findIndex((step) => step.startsWith('let the alarms')), planned.join('\n'));
    assert.match(out, new RegExp(`sent a request to ${API} to wake the VPC link ${LINK} \\(INACTIVE\\): HTTP 503`));
    assert.match(out, /waiting for VPC link vldev42 AVAILABLE/);
    assert.match(out, /VPC link vldev42 AVAILABLE: done after \d+ s/);
    assert.equal(fake.stateRecord().state, 'running');
    assert.equal(enabledAlarms(fake), 1);
  });

  test('an AVAILABLE link is read and left alone: no request is sent, and a second resume has nothing to do', async () => {
    const fake = await pausedOnHttpApi();
    const first = await resume(fake);
    assert.equal(first.error, undefined, first.out);
    assert.ok(steps(first.plan).includes(`make sure the API's VPC link ${LINK} is AVAILABLE (now AVAILABLE)`));
    assert.deepEqual(fake.wakeRequests, []);
    assert.equal(fake.stateRecord().state, 'running');
    fake.reset();
    const second = await resume(fake);
    assert.equal(second.plan?.nothingToDo, 'dev is already running');
    assert.deepEqual(fake.wakeRequests, []);
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('status shows the front door: the VPC link and its status, in text and JSON', async () => {
    const fake = await pausedOnHttpApi();
    fake.vpcLink = { status: 'INACTIVE' };
    const text = await cli(fake, ['status', 'dev']);
    assert.equal(text.code, 0, text.err);
    assert.match(
      text.out,
      /front door: HTTP API, VPC link vldev42 INACTIVE \(requests fail until it is AVAILABLE: npx booking-infra resume dev wakes it\)/,
    );
    assert.doesNotMatch(text.out, /load balancer:/);
    const json = JSON.parse((await cli(fake, ['status', 'dev', '--json'])).out);
    assert.deepEqual(json.vpcLink, { id: 'vldev42', status: 'INACTIVE', message: null });
    assert.equal(json.loadBalancer, null);
    fake.vpcLink = { status: 'FAILED', message: 'Insufficient free IP addresses in subnet' };
    assert.match(
      (await cli(fake, ['status', 'dev'])).out,
      /VPC link vldev42 FAILED \(Insufficient free IP addresses in subnet\) \(requests cannot reach the web tasks: npx booking-infra doctor dev says how to fix it\)/,
    );
    assert.deepEqual(fake.wakeRequests, [], 'status only reads');
  });

  test("a run out of time (the scheduled Lambda's deadline) gives up cleanly: lock released, record resuming, and the next run completes", async () => {
    const fake = await pausedOnHttpApi();
    fake.vpcLink = { status: 'INACTIVE' };
    fake.pollsToReactivate = undefined; // the link does not come back within this run
    // The clock starts at START and moves 1 s per reading plus each sleep: 4 minutes of run.
    const failed = await resume(fake, { deadline: () => START + 4 * 60_000 });
    assert.match(failed.error?.message ?? '', /\(this run's time is up; the next run carries on from the record\)$/);
    assert.ok(!fake.items.has('lock|current'), 'the lock is released, not left to go stale');
    assert.equal(fake.stateRecord().state, 'resuming');
    assert.match(fake.journal().at(-1).outcome, /^failed: .*this run's time is up/);
    assert.equal(enabledAlarms(fake), 0, 'the alarms stay silent until a run finishes');

    // The retry (no deadline here) carries on from `resuming` and finishes once the link is back.
    fake.vpcLink = { status: 'AVAILABLE' };
    const again = await resume(fake);
    assert.equal(again.error, undefined, again.out);
    assert.equal(fake.stateRecord().state, 'running');
    assert.equal(enabledAlarms(fake), 1);
  });

  test('a link that does not come back: a request every minute, then an error naming the link, its status and the fix; run again once it is back, resume completes', async () => {
    const fake = await pausedOnHttpApi();
    fake.vpcLink = { status: 'INACTIVE' };
    fake.pollsToReactivate = undefined; // requests do not bring it back (yet)
    const failed = await resume(fake, { timeoutMs: 5 * 60_000 });
    assert.match(
      failed.error?.message ?? '',
      /^gave up after \d+ s: the API's VPC link vldev42 is INACTIVE although a request was sent every minute to wake it, and requests to the API fail until it is AVAILABLE\. Run "npx booking-infra resume dev" again to keep waking it; if it does not come back, remove the cause AWS gives \(e\.g\. no free address in a subnet\), then re-create the app stack, which owns the link and holds no data \(its services stop meanwhile\): npx cdk destroy 'booking-dev\/app' && npx cdk deploy 'booking-dev\/\*'$/,
    );
    // 15 s polls for 5 minutes: one request at the start, then one a minute.
    assert.ok(fake.wakeRequests.length >= 5 && fake.wakeRequests.length <= 6, `${fake.wakeRequests.length} requests`);
    // Everything else is back; the record says the resume did not finish, the alarms stay silent.
    assert.equal(fake.database, 'available');
    assert.deepEqual(fake.services['booking-dev-web'], { desired: 1, running: 1, min: 1, max: 2 });
    assert.equal(fake.stateRecord().state, 'resuming');
    assert.equal(enabledAlarms(fake), 0);
    assert.match(fake.journal().at(-1).outcome, /^failed: gave up after \d+ s: the API's VPC link vldev42 is INACTIVE/);

    fake.vpcLink = { status: 'AVAILABLE' };
    fake.reset();
    const requestsBefore = fake.wakeRequests.length;
    const again = await resume(fake);
    assert.equal(again.error, undefined, again.out);
    assert.deepEqual(fake.mutatingCalls(), [], 'only the record, the link check and the alarms were left');
    assert.equal(fake.wakeRequests.length, requestsBefore, 'an AVAILABLE link gets no request');
    assert.equal(fake.stateRecord().state, 'running');
    assert.equal(enabledAlarms(fake), 1);
  });

  for (const status of ['FAILED', 'DELETING']) {
    test(`a ${status} link refuses the resume before anything starts, naming the link, its status and the fix`, async () => {
      const fake = await pausedOnHttpApi();
      fake.reset();
      fake.vpcLink = { status, message: status === 'FAILED' ? 'Insufficient free IP addresses in subnet' : undefined };
      const { plan, error, out } = await resume(fake);
      assert.equal(plan, undefined, out);
      const reason = status === 'FAILED' ? ' \\(Insufficient free IP addresses in subnet\\)' : '';
      assert.match(
        error?.message ?? '',
        new RegExp(
          `^the API's VPC link vldev42 is ${status}${reason}: requests to the API cannot reach the web tasks, and traffic does not bring it back\\. If the app stack was deployed while this ran \\(e\\.g\\. switching ingress\\), run "npx booking-infra resume dev" again, which reads the stack anew; otherwise fix: remove the cause AWS gives \\(e\\.g\\. no free address in a subnet\\), then re-create the app stack, which owns the link and holds no data \\(its services stop meanwhile\\): npx cdk destroy 'booking-dev/app' && npx cdk deploy 'booking-dev/\\*', then run resume again$`,
        ),
      );
      // Refused while planning: the database stays stopped, no capacity, no request, still paused.
      assert.deepEqual(fake.mutatingCalls(), []);
      assert.deepEqual(fake.wakeRequests, []);
      assert.equal(fake.database, 'stopped');
      assert.equal(fake.stateRecord().state, 'paused');
      assert.equal(enabledAlarms(fake), 0);
    });
  }

  test('a running environment whose link went INACTIVE: resume only wakes the link', async () => {
    const fake = new FakeAws('dev', { ingress: 'http-api' });
    fake.setStateRecord({
      state: 'running',
      changedAt: '2026-09-01T10:00:00Z',
      services: { web: { desired: 1, min: 1, max: 2 }, worker: { desired: 0, min: 0, max: 2 } },
    });
    fake.vpcLink = { status: 'INACTIVE' };
    const { plan, error, out } = await resume(fake);
    assert.equal(error, undefined, out);
    assert.equal(plan?.steps.length, 1);
    assert.match(steps(plan)[0], /^make sure the API's VPC link vldev42 is AVAILABLE \(now INACTIVE/);
    assert.deepEqual(fake.wakeRequests, [API]);
    assert.deepEqual(fake.mutatingCalls(), []);
    assert.equal(fake.stateRecord().changedAt, '2026-09-01T10:00:00Z', 'the record is left as it was');
  });

  test('without a target group, resume waits until every web task passes its container health check', async () => {
    const fake = await pausedOnHttpApi();
    fake.webTaskHealth = 'UNKNOWN'; // the check's start period
    const healthReads = () => fake.stubs.ecs.commandCalls(DescribeTasksCommand).length;
    const { plan, error, out } = await resume(fake, {
      sleep: async () => {
        if (healthReads() === 2) fake.webTaskHealth = 'HEALTHY';
      },
    });
    assert.equal(error, undefined, out);
    assert.ok(
      steps(plan).includes(
        "wait for the web tasks to pass their container health check (no load balancer: booking-dev-web's tasks report HEALTHY)",
      ),
    );
    assert.match(out, /waiting for healthy web tasks/);
    assert.match(out, /healthy web tasks: done after \d+ s/);
    assert.ok(
      fake.stubs.ecs
        .commandCalls(ListTasksCommand)
        .some(
          (call) =>
            call.args[0].input.serviceName === 'booking-dev-web' && call.args[0].input.cluster === 'booking-dev',
        ),
    );
    assert.equal(healthReads(), 3, 'UNKNOWN twice, then HEALTHY');
    assert.equal(fake.stubs.elbv2.commandCalls(DescribeTargetHealthCommand).length, 0, 'there is no load balancer');
    assert.equal(fake.stateRecord().state, 'running');
  });

  test('a web task that keeps failing its health check does not hang the resume: it gives up naming what it saw', async () => {
    const fake = await pausedOnHttpApi();
    fake.webTaskHealth = 'UNHEALTHY';
    const { error, out } = await resume(fake, { timeoutMs: 5 * 60_000 });
    assert.match(
      error?.message ?? '',
      /^the web tasks of booking-dev-web did not all pass their container health check within \d+ s \(last seen: 1 RUNNING\/UNHEALTHY; /,
    );
    assert.match(
      error!.message,
      /aws ecs list-tasks --cluster booking-dev --service-name booking-dev-web --desired-status STOPPED/,
    );
    assert.match(error!.message, /run "npx booking-infra resume dev" again$/);
    assert.doesNotMatch(out, /VPC link vldev42 AVAILABLE: done/, 'the link waits for healthy tasks');
    assert.equal(fake.stateRecord().state, 'resuming');
  });

  test('with a load balancer nothing changes: target health, no task health, no VPC link', async () => {
    const fake = new FakeAws('dev');
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    fake.reset();
    const resumed = await cli(fake, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.out, /wait for the load balancer targets to be healthy/);
    assert.ok(fake.stubs.elbv2.commandCalls(DescribeTargetHealthCommand).length > 0);
    assert.equal(fake.stubs.ecs.commandCalls(DescribeTasksCommand).length, 0);
    assert.equal(fake.stubs.apigatewayv2.commandCalls(GetVpcLinkCommand).length, 0);
    assert.doesNotMatch(resumed.out, /VPC link/);
  });

  test('the CLI shows the link step in its plan, and its default wake is a GET to the API', async (t) => {
    const fake = await pausedOnHttpApi();
    fake.vpcLink = { status: 'INACTIVE' };
    const requested: string[] = [];
    t.mock.method(globalThis, 'fetch', async (url: string) => {
      requested.push(url);
      await fake.wake(url);
      return new Response('Service Unavailable', { status: 503 });
    });
    const resumed = await cli(fake, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.out, /Plan to resume dev \(eu-west-2\):/);
    assert.match(resumed.out, /\d+\. make sure the API's VPC link vldev42 is AVAILABLE \(now INACTIVE/);
    assert.deepEqual(requested, [API, API], 'the early request, and the one of the link step');
    assert.match(
      resumed.out,
      /sent a request to https:\/\/api-dev\.lichnails\.co\.uk\/ to wake the VPC link vldev42 \(INACTIVE\): HTTP 503/,
    );
    assert.equal(fake.stateRecord().state, 'running');
  });
});

describe('a cache task (cache.hosting: task): stopped after web and worker, started before them', () => {
  const CACHE = 'booking-dev-cache';

  /** dev with its cache as an ECS service: web 2 tasks 2..5, worker 1 task 0..3, cache 1 task 1..1. */
  function withCacheTask(): FakeAws {
    const fake = new FakeAws('dev', { cacheTask: true });
    fake.services['booking-dev-web'] = { desired: 2, running: 2, min: 2, max: 5 };
    fake.services['booking-dev-worker'] = { desired: 1, running: 1, min: 0, max: 3 };
    return fake;
  }

  /** The actions since `from` (an index into fake.actions). */
  const since = (fake: FakeAws, from: number) => fake.actions.slice(from);

  test('pause drains web and worker, then stops the cache task and waits until it has stopped, then the database', async () => {
    const fake = withCacheTask();
    const paused = await cli(fake, ['pause', 'dev']);
    assert.equal(paused.code, 0, paused.err);
    assert.deepEqual(fake.actions, [
      'RegisterScalableTarget booking-dev-web 0..0',
      'UpdateService booking-dev-web 0',
      'RegisterScalableTarget booking-dev-worker 0..0',
      'UpdateService booking-dev-worker 0',
      'RegisterScalableTarget booking-dev-cache 0..0',
      'UpdateService booking-dev-cache 0',
      'StopDBInstance',
    ]);
    // The cache's bounds change only once no web or worker task is left to ack into it.
    const drained = paused.out.indexOf('web and worker tasks drained: done');
    assert.ok(drained > 0, paused.out);
    assert.ok(drained < paused.out.indexOf('] set cache scaling bounds to 0..0 (now 1..1)'), paused.out);
    assert.match(paused.out, /wait for every web and worker task to drain \(the cache stays up for their last acks\)/);
    // The stopping task (Valkey writing its file to EFS) is waited for, not just the counts.
    assert.match(paused.out, /waiting for cache task stopped/);
    const stopped = paused.out.indexOf('cache task stopped: done');
    assert.ok(stopped > 0 && stopped < paused.out.indexOf('] stop the database booking-dev ('), paused.out);
    assert.deepEqual(fake.services[CACHE], { desired: 0, running: 0, min: 0, max: 0 });
    assert.equal(fake.database, 'stopped');
    // The record keeps what resume restores, the cache's 1..1 included.
    assert.equal(fake.stateRecord().state, 'paused');
    assert.deepEqual(fake.stateRecord().services, {
      web: { desired: 2, min: 2, max: 5 },
      worker: { desired: 1, min: 0, max: 3 },
      cache: { desired: 1, min: 1, max: 1 },
    });
    assert.equal(fake.stubs.elasticache.commandCalls(DescribeReplicationGroupsCommand).length, 0);
  });

  test('resume starts the cache task with the database, waits until it runs and is healthy, then web and worker', async () => {
    const fake = withCacheTask();
    const before = structuredClone(fake.services);
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    const from = fake.actions.length;
    fake.cacheTaskHealth = 'UNKNOWN'; // its health check's start period
    const resumed = await cli(fake, ['resume', 'dev'], {
      sleep: async () => {
        if (fake.services[CACHE].running > 0 && fake.cacheTaskHealth !== 'HEALTHY') {
          fake.cacheTaskHealth = 'HEALTHY';
          fake.actions.push('(the cache task passes its health check)');
        }
      },
    });
    assert.equal(resumed.code, 0, resumed.err);
    assert.deepEqual(since(fake, from), [
      'RegisterScalableTarget booking-dev-cache 1..1',
      'UpdateService booking-dev-cache 1',
      'StartDBInstance',
      '(the cache task passes its health check)',
      'RegisterScalableTarget booking-dev-web 2..5',
      'UpdateService booking-dev-web 2',
      'RegisterScalableTarget booking-dev-worker 0..3',
      'UpdateService booking-dev-worker 1',
    ]);
    assert.match(
      resumed.out,
      /wait for the cache task of booking-dev-cache to run and pass its health check \(web and worker start once it answers\)/,
    );
    assert.match(resumed.out, /waiting for cache task up/);
    assert.deepEqual(fake.services, before);
    assert.equal(fake.stateRecord().state, 'running');
  });

  test('a cache task that reports no health is waited for until RUNNING only', async () => {
    const fake = withCacheTask();
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    fake.cacheTaskHealth = undefined;
    const resumed = await cli(fake, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.out, /cache task up: done after \d+ s/);
  });

  test('a cache task that never passes its check fails the resume before web and worker start, naming what it saw', async () => {
    const fake = withCacheTask();
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    const from = fake.actions.length;
    fake.cacheTaskHealth = 'UNHEALTHY';
    const resumed = await cli(fake, ['resume', 'dev']);
    assert.equal(resumed.code, 1);
    assert.match(
      resumed.out,
      /resume failed: the cache task of booking-dev-cache did not run and pass its container health check within \d+ s \(last seen: 1 RUNNING\/UNHEALTHY; .*and the cache's logs, then run "npx booking-infra resume dev" again/,
    );
    assert.ok(!since(fake, from).some((action) => /booking-dev-(web|worker)/.test(action)), fake.actions.join('\n'));
    assert.equal(fake.stateRecord().state, 'resuming');
  });

  test('a resume that failed with the cache up and web not yet started completes when run again', async () => {
    const fake = withCacheTask();
    const before = structuredClone(fake.services);
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    fake.failOnce(
      'RegisterScalableTarget booking-dev-web',
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    const first = await cli(fake, ['resume', 'dev']);
    assert.equal(first.code, 1);
    assert.match(first.out, /resume failed: Rate exceeded/);
    assert.deepEqual(fake.services[CACHE], { desired: 1, running: 1, min: 1, max: 1 });
    assert.deepEqual(fake.services['booking-dev-web'], { desired: 0, running: 0, min: 0, max: 0 });
    assert.equal(fake.stateRecord().state, 'resuming');

    const from = fake.actions.length;
    const again = await cli(fake, ['resume', 'dev']);
    assert.equal(again.code, 0, again.err);
    // The cache is up already: only checked, then web and worker.
    assert.deepEqual(since(fake, from), [
      'RegisterScalableTarget booking-dev-web 2..5',
      'UpdateService booking-dev-web 2',
      'RegisterScalableTarget booking-dev-worker 0..3',
      'UpdateService booking-dev-worker 1',
    ]);
    assert.match(again.out, /cache task up: done/);
    assert.deepEqual(fake.services, before);
    assert.equal(fake.stateRecord().state, 'running');
  });

  test('a pause that failed with web and worker drained and the cache still up stops the cache when run again', async () => {
    const fake = withCacheTask();
    fake.failOnce(
      'RegisterScalableTarget booking-dev-cache',
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 1);
    assert.deepEqual(fake.services[CACHE], { desired: 1, running: 1, min: 1, max: 1 });
    assert.equal(fake.stateRecord().state, 'pausing');
    const from = fake.actions.length;
    const again = await cli(fake, ['pause', 'dev']);
    assert.equal(again.code, 0, again.err);
    assert.deepEqual(since(fake, from), [
      'RegisterScalableTarget booking-dev-cache 0..0',
      'UpdateService booking-dev-cache 0',
      'StopDBInstance',
    ]);
    // What the first run recorded is kept: web 2..5 although it was at 0..0 when run again.
    assert.deepEqual(fake.stateRecord().services, {
      web: { desired: 2, min: 2, max: 5 },
      worker: { desired: 1, min: 0, max: 3 },
      cache: { desired: 1, min: 1, max: 1 },
    });
  });

  test('two pauses at once: the second is refused naming the holder, the first completes', async () => {
    const fake = withCacheTask();
    const held = heldAtFirstWait();
    const first = cli(fake, ['pause', 'dev'], { sleep: held.sleep });
    await held.reached;
    const second = await cli(fake, ['pause', 'dev'], { actor: 'schedule' });
    assert.equal(second.code, 1);
    assert.match(second.err, /pause of dev: another transition holds the lock: cli:alice@laptop is running "pause"/);
    held.release();
    const done = await first;
    assert.equal(done.code, 0, done.err);
    assert.equal(fake.stateRecord().state, 'paused');
    assert.deepEqual(fake.stateRecord().services.cache, { desired: 1, min: 1, max: 1 });
    assert.deepEqual(fake.services[CACHE], { desired: 0, running: 0, min: 0, max: 0 });
    assert.equal(fake.actions.filter((action) => action === 'UpdateService booking-dev-cache 0').length, 1);
    assert.equal(fake.lock(), undefined);
  });

  test('a record holds the cache role; any other role is refused', () => {
    const record = parseStateRecord(
      {
        state: 'paused',
        version: 3,
        changedAt: '2026-11-27T10:00:00Z',
        services: { cache: { desired: 1, min: 1, max: 1 } },
      },
      'test',
    );
    assert.deepEqual(record.services.cache, { desired: 1, min: 1, max: 1 });
    assert.throws(
      () =>
        parseStateRecord(
          {
            state: 'paused',
            version: 3,
            changedAt: '2026-11-27T10:00:00Z',
            services: { db: { desired: 1, min: 1, max: 1 } },
          },
          'test',
        ),
      /services\.db is .* expected only web, worker, cache/,
    );
  });

  test('the configured bounds: 1..1 for the cache with hosting task, none with ElastiCache; resume without a record restores them', async () => {
    const dev = environmentNamed(platformConfig, 'dev');
    const taskDev = { ...dev, cache: { ...dev.cache, hosting: 'task' as const } };
    assert.deepEqual(configuredCapacity(taskDev).cache, { min: 1, max: 1 });
    assert.ok(!('cache' in configuredCapacity({ ...dev, cache: { ...dev.cache, hosting: 'elasticache' } })));

    const fake = withCacheTask();
    fake.database = 'stopped';
    for (const name of Object.keys(fake.services)) fake.services[name] = { desired: 0, running: 0, min: 0, max: 0 };
    const resources = await discoverResources(fake.clients.cloudformation, platformConfig.shared, taskDev);
    assert.deepEqual(resources.services.at(-1), { role: 'cache', name: CACHE });
    assert.equal(resources.cacheId, undefined);
    const operations = new EnvironmentOperations(resources, {
      clients: fake.clients,
      report: () => undefined,
      sleep: async () => undefined,
      now: () => START,
    });
    await operations.transition('resume', (observed) => operations.planResume(observed));
    assert.deepEqual(fake.services[CACHE], { desired: 1, running: 1, min: 1, max: 1 });
    assert.deepEqual(fake.stateRecord().services.cache, { desired: 1, min: 1, max: 1 });
  });

  test('status shows the cache service and its counts, in text and JSON; a cache task running while paused is drift', async () => {
    const fake = withCacheTask();
    fake.setStateRecord({
      state: 'running',
      changedAt: '2026-11-27T10:00:00Z',
      services: {
        web: { desired: 2, min: 2, max: 5 },
        worker: { desired: 1, min: 0, max: 3 },
        cache: { desired: 1, min: 1, max: 1 },
      },
    });
    const json = JSON.parse((await cli(fake, ['status', 'dev', '--json'])).out);
    assert.equal(json.observed, 'running');
    assert.deepEqual(json.drift, []);
    assert.deepEqual(json.cache, { service: CACHE, running: 1, desired: 1 });
    assert.deepEqual(
      json.services.map((s: any) => [s.role, s.name]),
      [
        ['web', 'booking-dev-web'],
        ['worker', 'booking-dev-worker'],
        ['cache', CACHE],
      ],
    );
    const text = await cli(fake, ['status', 'dev']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^ {2}cache: task booking-dev-cache, 1 running of 1 desired$/m);
    assert.match(text.out, /cache service booking-dev-cache: 1 desired, 1 running, 0 pending, bounds 1\.\.1/);
    assert.equal(fake.stubs.elasticache.commandCalls(DescribeReplicationGroupsCommand).length, 0);

    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    const paused = JSON.parse((await cli(fake, ['status', 'dev', '--json'])).out);
    assert.equal(paused.observed, 'paused');
    assert.deepEqual(paused.drift, []);
    assert.deepEqual(paused.cache, { service: CACHE, running: 0, desired: 0 });

    fake.services[CACHE] = { desired: 1, running: 1, min: 0, max: 0 };
    const drifted = JSON.parse((await cli(fake, ['status', 'dev', '--json'])).out);
    assert.equal(drifted.observed, 'mixed');
    assert.deepEqual(drifted.drift, ['cache has 1 running of 1 desired, bounds 0..0, although recorded paused']);
    assert.equal(drifted.converge, 'npx booking-infra pause dev');
  });
});

describe('minimal with a cache task: the queues are checked, there is no ElastiCache to snapshot', () => {
  const cli = cliStoppedWhileMinimal;
  const CACHE = 'booking-dev-cache';

  test('refuses while Dramatiq holds messages, naming the data on EFS, before changing anything', async () => {
    const fake = new FakeAws('dev', { cacheTask: true });
    fake.liveQueuedJobs = 3;
    const result = await cli(fake, ['minimal', 'dev']);
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /3 Dramatiq messages are queued \(ready, delayed or in progress\) in dev's cache task, whose data \(on EFS\) the minimal deploy deletes\. Resume and let the workers finish them, or run again with --drop-queued-jobs/,
    );
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('counts the messages after web and worker stopped and before the cache stops; no snapshot', async () => {
    const fake = new FakeAws('dev', { cacheTask: true });
    fake.liveQueuedJobs = 0;
    const result = await cli(fake, ['minimal', 'dev']);
    assert.equal(result.code, 0, result.err);
    const out = result.out;
    const drained = out.indexOf('web and worker tasks drained: done');
    const counted = out.indexOf('] count the Dramatiq messages held');
    const cacheStops = out.indexOf('] set cache scaling bounds to 0..0');
    assert.ok(drained > 0 && drained < counted && counted < cacheStops, out);
    assert.match(out, /0 Dramatiq messages held/);
    assert.ok(out.indexOf('] go on only if the count found no Dramatiq message') > out.indexOf('] record paused'), out);
    assert.match(out, /record minimal \(the minimal deploy may now remove the cache task and its data on EFS/);
    assert.match(out, /it removes the load balancer, the services and the cache with its data on EFS/);
    assert.doesNotMatch(out, /snapshot/);
    assert.equal(fake.stubs.elasticache.commandCalls(CreateSnapshotCommand).length, 0);
    assert.equal(fake.stubs.elasticache.commandCalls(DescribeReplicationGroupsCommand).length, 0);
    assert.equal(fake.stateRecord().state, 'minimal');
    assert.deepEqual(fake.stateRecord().services.cache, { desired: 1, min: 1, max: 1 });
    assert.deepEqual(fake.services[CACHE], { desired: 0, running: 0, min: 0, max: 0 });
    assert.equal(fake.database, 'stopped');
  });

  test('a message held once web and worker stopped: the pause completes, and the environment is left paused', async () => {
    const fake = new FakeAws('dev', { cacheTask: true });
    fake.queuedJobs = [[START - 120_000, 0]];
    let measured = false;
    const result = await cli(fake, ['minimal', 'dev'], {
      sleep: async () => {
        if (!measured) fake.liveQueuedJobs = 1;
        measured = true;
      },
    });
    assert.equal(result.code, 1);
    assert.match(
      result.out,
      /minimal failed: 1 Dramatiq message is queued .* in dev's cache task, whose data \(on EFS\) the minimal deploy deletes; dev is left paused/,
    );
    assert.equal(fake.stateRecord().state, 'paused');
    assert.deepEqual(fake.services[CACHE], { desired: 0, running: 0, min: 0, max: 0 });
    assert.equal(fake.database, 'stopped');
  });

  test('from paused: the cache task is started alone to count its messages, then stopped again', async () => {
    const fake = new FakeAws('dev', { cacheTask: true });
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    const from = fake.actions.length;
    fake.liveQueuedJobs = 0;
    const result = await cli(fake, ['minimal', 'dev']);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(fake.actions.slice(from), [
      'RegisterScalableTarget booking-dev-cache 1..1',
      'UpdateService booking-dev-cache 1',
      'RegisterScalableTarget booking-dev-cache 0..0',
      'UpdateService booking-dev-cache 0',
    ]);
    assert.match(result.out, /started alone so that its messages can be counted; stopped again after/);
    const up = result.out.indexOf('cache task up: done');
    assert.ok(up > 0 && up < result.out.indexOf('] count the Dramatiq messages held'), result.out);
    assert.equal(fake.stateRecord().state, 'minimal');
    assert.deepEqual(fake.services[CACHE], { desired: 0, running: 0, min: 0, max: 0 });
  });

  test('--drop-queued-jobs: no count, the cache stops with the pause', async () => {
    const fake = new FakeAws('dev', { cacheTask: true });
    fake.liveQueuedJobs = 40;
    const result = await cli(fake, ['minimal', 'dev', '--drop-queued-jobs']);
    assert.equal(result.code, 0, result.err);
    assert.doesNotMatch(result.out, /count the Dramatiq messages/);
    assert.equal(fake.stateRecord().state, 'minimal');
  });

  test('--snapshot-cache is refused: the data is on EFS, which the minimal deploy deletes', async () => {
    const fake = new FakeAws('dev', { cacheTask: true });
    fake.liveQueuedJobs = 0;
    const result = await cli(fake, ['minimal', 'dev', '--snapshot-cache']);
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /dev's cache is a Valkey task \(booking-dev-cache\) whose data is on EFS, not an ElastiCache replication group: there is no snapshot to take \(--snapshot-cache\), and the minimal deploy deletes the file system with the data/,
    );
    assert.deepEqual(fake.mutatingCalls(), []);
  });
});
