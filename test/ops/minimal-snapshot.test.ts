/**
 * `database.whileMinimal: 'snapshot'`: `minimal` snapshots the database once the services drained
 * and records the snapshot, the minimal deploy deletes the instance, `resume` records running
 * still naming the snapshot, and the deploy restores it. Against FakeAws, with dev as configured
 * (a cache task) unless a test says otherwise; the deploys are simulated by carrying the state
 * table and the snapshots over to a FakeAws of the structure the deploy leaves.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateDBSnapshotCommand, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { environmentNamed, platformConfig } from '../../src/config';
import { EnvironmentOperations, MINIMAL_SNAPSHOT_TAG, reconcileDatabase } from '../../src/ops/operations';
import { discoverResources } from '../../src/ops/resources';
import { FakeAws } from './fake-aws';
import { cliWith, devWhileMinimal, heldAtFirstWait, START } from './ops-cli';

const SNAPSHOT_WHILE_MINIMAL = devWhileMinimal('snapshot');
const NAME = /^booking-dev-minimal-\d{8}t\d{6}z$/;

/** One clock for every simulated account of a test (the deploys swap the FakeAws). */
function clock() {
  let time = START;
  return () => (time += 1000);
}

/** `booking-infra <args>` with dev's database kept as a snapshot while minimal. */
const cli = (fake: FakeAws, args: string[], overrides: Partial<OpsDependencies> = {}) =>
  cliWith(SNAPSHOT_WHILE_MINIMAL, fake, args, overrides);

/** dev as configured: web 2 tasks 2..5, worker 1 task 0..3, a cache task 1..1, nothing queued. */
function runningDev(): FakeAws {
  const fake = new FakeAws('dev', { cacheTask: true });
  fake.services['booking-dev-web'] = { desired: 2, running: 2, min: 2, max: 5 };
  fake.services['booking-dev-worker'] = { desired: 1, running: 1, min: 0, max: 3 };
  fake.liveQueuedJobs = 0;
  return fake;
}

/** Moves the state table and the DB snapshots to `next`, the account as a deploy leaves it. */
function carryOver(from: FakeAws, next: FakeAws): FakeAws {
  for (const [key, item] of from.items) next.items.set(key, item);
  Object.assign(next.dbSnapshots, structuredClone(from.dbSnapshots));
  next.liveQueuedJobs = from.liveQueuedJobs;
  return next;
}

/**
 * The deploy with state 'minimal' (the data stack's gate let it through): no load balancer, no
 * services, no cache, and the instance deleted, leaving CloudFormation's final snapshot besides.
 */
function deployMinimal(full: FakeAws): FakeAws {
  const minimal = carryOver(full, new FakeAws('dev', { minimal: true }));
  minimal.database = 'missing';
  minimal.dbSnapshots['booking-dev-databasefinalsnapshot-1a2b3c'] = { status: 'available', tags: {} };
  return minimal;
}

/** The deploy with state 'running' that restores the instance: services with the recorded capacities. */
function deployRestoring(minimal: FakeAws): FakeAws {
  const full = carryOver(minimal, runningDev());
  full.database = 'available';
  return full;
}

/** Every state record written, in order (the conditional PutItems on the state item). */
function recordWrites(fake: FakeAws): any[] {
  return fake.stubs.dynamodb
    .commandCalls(PutItemCommand)
    .map((call) => call.args[0].input as any)
    .filter((input) => input.Item.pk.S === 'state')
    .map((input) => JSON.parse(input.Item.record.S));
}

const createdSnapshots = (fake: FakeAws) => fake.stubs.rds.commandCalls(CreateDBSnapshotCommand).length;

/** The operations library on `fake`, as the guard Lambda runs it. */
async function operationsOn(fake: FakeAws): Promise<EnvironmentOperations> {
  const dev = environmentNamed(SNAPSHOT_WHILE_MINIMAL, 'dev');
  const resources = await discoverResources(fake.clients.cloudformation, platformConfig.shared, dev);
  return new EnvironmentOperations(resources, {
    clients: fake.clients,
    report: () => undefined,
    sleep: async () => undefined,
    now: () => START,
  });
}

describe('minimal keeps the database as a snapshot (database.whileMinimal: snapshot)', () => {
  test('from running: web and worker drain, the cache stops, then the database is snapshotted and stopped, and minimal is recorded naming the snapshot', async () => {
    const fake = runningDev();
    const result = await cli(fake, ['minimal', 'dev'], { now: clock() });
    assert.equal(result.code, 0, result.err);
    const [name] = Object.keys(fake.dbSnapshots);
    assert.match(name, NAME);
    assert.deepEqual(fake.actions, [
      'RegisterScalableTarget booking-dev-web 0..0',
      'UpdateService booking-dev-web 0',
      'RegisterScalableTarget booking-dev-worker 0..0',
      'UpdateService booking-dev-worker 0',
      'RegisterScalableTarget booking-dev-cache 0..0',
      'UpdateService booking-dev-cache 0',
      `CreateDBSnapshot ${name}`,
      'StopDBInstance',
    ]);
    const out = result.out;
    const drained = out.indexOf('web and worker tasks drained: done');
    const snapshotted = out.indexOf(`] snapshot the database booking-dev as ${name}`);
    assert.ok(drained > 0 && drained < snapshotted, out);
    assert.ok(snapshotted < out.indexOf('] stop the database booking-dev (the snapshot holds its data'), out);
    assert.match(out, new RegExp(`snapshot ${name} available: done`));
    assert.deepEqual(fake.dbSnapshots[name], {
      status: 'available',
      tags: { app: 'booking', environment: 'dev', [MINIMAL_SNAPSHOT_TAG]: 'dev' },
    });
    assert.equal(fake.database, 'stopped');
    const record = fake.stateRecord();
    assert.equal(record.state, 'minimal');
    assert.deepEqual(record.databaseSnapshot, { identifier: name, masterUsername: 'booking' });
    assert.deepEqual(record.services, {
      web: { desired: 2, min: 2, max: 5 },
      worker: { desired: 1, min: 0, max: 3 },
      cache: { desired: 1, min: 1, max: 1 },
    });
    // Every write names the snapshot, the first ('pausing') included: a retry finds it.
    assert.deepEqual(
      recordWrites(fake).map((r) => [r.state, r.databaseSnapshot?.identifier]),
      [
        ['pausing', name],
        ['paused', name],
        ['minimal', name],
      ],
    );
    // What to do next: the deploy that deletes the instance.
    assert.match(
      out,
      new RegExp(
        `dev is recorded minimal\\. Now set state: 'minimal' for dev in src/config/dev\\.ts and run: npx cdk deploy 'booking-dev/\\*' \\(it removes the load balancer, the services and the cache, and DELETES the database instance booking-dev, whose data the snapshot ${name} keeps; CloudFormation keeps a final snapshot of it too\\)\\. About 12\\.34 USD/month while minimal\\.`,
      ),
    );
  });

  test('with ElastiCache: the database is snapshotted and stopped before the queues are measured, and the record names it', async () => {
    const fake = new FakeAws('dev');
    fake.liveQueuedJobs = 0;
    const result = await cli(fake, ['minimal', 'dev'], { now: clock() });
    assert.equal(result.code, 0, result.err);
    const [name] = Object.keys(fake.dbSnapshots);
    const steps = [...result.out.matchAll(/^ {2}\d+\. (.*)$/gm)].map((match) => match[1].split(' (')[0]);
    assert.deepEqual(steps, [
      'record pausing',
      'silence the alarms a paused environment trips by design',
      'set web scaling bounds to 0..0',
      'set web desired tasks to 0',
      'set worker scaling bounds to 0..0',
      'wait for every task to drain',
      `snapshot the database booking-dev as ${name}`,
      'stop the database booking-dev',
      'wait for the database to be stopped',
      'record paused',
      'check that no Dramatiq message is held',
      'record minimal',
    ]);
    assert.deepEqual(fake.stateRecord().databaseSnapshot, { identifier: name, masterUsername: 'booking' });
    assert.deepEqual(Object.keys(fake.snapshots), [], 'dev takes no cache snapshot');
  });

  test('from paused (database stopped): started, because RDS snapshots only a running instance, snapshotted, stopped again', async () => {
    const fake = runningDev();
    const now = clock();
    assert.equal((await cli(fake, ['pause', 'dev'], { now })).code, 0);
    assert.equal(fake.stateRecord().databaseSnapshot, undefined);
    const from = fake.actions.length;
    const result = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(result.code, 0, result.err);
    const [name] = Object.keys(fake.dbSnapshots);
    assert.deepEqual(fake.actions.slice(from), [
      // The cache task is started alone to count its messages (with the database stopped).
      'RegisterScalableTarget booking-dev-cache 1..1',
      'UpdateService booking-dev-cache 1',
      'RegisterScalableTarget booking-dev-cache 0..0',
      'UpdateService booking-dev-cache 0',
      'StartDBInstance',
      `CreateDBSnapshot ${name}`,
      'StopDBInstance',
    ]);
    assert.match(
      result.out,
      /start the database booking-dev \(RDS cannot snapshot a stopped instance; it is stopped again once the snapshot is taken\)/,
    );
    assert.equal(fake.database, 'stopped');
    assert.equal(fake.stateRecord().state, 'minimal');
    assert.equal(fake.stateRecord().databaseSnapshot.identifier, name);
  });

  test('a database still stopping (the guard or a pause just stopped it): waited for until stopped, started, snapshotted, stopped again', async () => {
    const fake = runningDev();
    const now = clock();
    assert.equal((await cli(fake, ['pause', 'dev'], { now })).code, 0);
    // A stopping instance never becomes available by itself: waiting for that would time out.
    fake.database = 'stopping';
    fake.pendingDatabase = 'stopped';
    const from = fake.actions.length;
    const result = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(result.code, 0, result.err);
    const [name] = Object.keys(fake.dbSnapshots);
    assert.deepEqual(
      fake.actions.slice(from).filter((action) => /DB/.test(action)),
      ['StartDBInstance', `CreateDBSnapshot ${name}`, 'StopDBInstance'],
    );
    assert.match(result.out, /wait for the database to be stopped/);
    assert.equal(fake.stateRecord().state, 'minimal');
  });

  test('a retry after a failure between the snapshot and the last record reuses the snapshot and takes no second one', async () => {
    const fake = runningDev();
    const now = clock();
    fake.failOnce(
      'StopDBInstance',
      Object.assign(new Error('The instance is being modified'), { name: 'InvalidDBInstanceStateFault' }),
    );
    const failed = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(failed.code, 1);
    assert.match(failed.out, /minimal failed: The instance is being modified/);
    const [name] = Object.keys(fake.dbSnapshots);
    assert.equal(fake.dbSnapshots[name].status, 'available');
    assert.equal(fake.database, 'available');
    assert.equal(fake.stateRecord().state, 'pausing');
    assert.equal(fake.stateRecord().databaseSnapshot.identifier, name);

    const retried = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(retried.code, 0, retried.err);
    assert.equal(createdSnapshots(fake), 1, 'one snapshot, whatever the retries');
    assert.deepEqual(Object.keys(fake.dbSnapshots), [name]);
    assert.doesNotMatch(retried.out, /\] snapshot the database/);
    assert.equal(fake.database, 'stopped');
    assert.equal(fake.stateRecord().state, 'minimal');
    assert.deepEqual(fake.stateRecord().databaseSnapshot, { identifier: name, masterUsername: 'booking' });
    // What the first run recorded to restore is kept.
    assert.deepEqual(fake.stateRecord().services.web, { desired: 2, min: 2, max: 5 });
  });

  test('a retry while the snapshot an earlier run began is still being taken waits for it instead of taking another', async () => {
    const fake = runningDev();
    const now = clock();
    // The run dies right after asking for the snapshot (the process killed, here: its wait fails).
    fake.failOnce('CreateDBSnapshot', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const failed = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(failed.code, 1);
    assert.equal(Object.keys(fake.dbSnapshots).length, 0);
    const name = fake.stateRecord().databaseSnapshot.identifier;
    // Say the request did reach RDS after all: the snapshot is being taken under the recorded name.
    fake.dbSnapshots[name] = { status: 'creating', tags: {}, describesLeft: 3 };
    fake.database = 'backing-up';
    const retried = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(retried.code, 0, retried.err);
    assert.match(
      retried.out,
      new RegExp(
        `wait for the snapshot ${name} of the database booking-dev, begun by an earlier run \\(now creating\\)`,
      ),
    );
    assert.match(retried.out, new RegExp(`the snapshot ${name} exists already \\(creating\\): not taken again`));
    assert.equal(createdSnapshots(fake), 1, 'only the failed request');
    assert.equal(fake.stateRecord().state, 'minimal');
    assert.equal(fake.database, 'stopped');
  });

  test('a snapshot that failed: the retry is refused naming it and the fix, and once it is deleted the retry takes it anew', async () => {
    const fake = runningDev();
    const now = clock();
    fake.failOnce('StopDBInstance', Object.assign(new Error('busy'), { name: 'InvalidDBInstanceStateFault' }));
    assert.equal((await cli(fake, ['minimal', 'dev'], { now })).code, 1);
    const name = fake.stateRecord().databaseSnapshot.identifier;
    fake.dbSnapshots[name].status = 'failed';
    fake.reset();
    const refused = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(refused.code, 1);
    assert.match(
      refused.err,
      new RegExp(
        `the database snapshot ${name} failed, so it holds no data to restore: delete it \\(aws rds delete-db-snapshot --db-snapshot-identifier ${name} --region eu-west-2\\), then run "npx booking-infra minimal dev" again, which takes it anew under the same name`,
      ),
    );
    assert.deepEqual(fake.mutatingCalls(), []);
    assert.equal(fake.stateRecord().state, 'pausing');

    delete fake.dbSnapshots[name];
    const retried = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(retried.code, 0, retried.err);
    assert.equal(fake.dbSnapshots[name].status, 'available');
    assert.equal(fake.stateRecord().databaseSnapshot.identifier, name);
    assert.equal(fake.stateRecord().state, 'minimal');
  });

  test('two minimal runs at once: the second is refused by the lock, and one snapshot is taken', async () => {
    const fake = runningDev();
    const now = clock();
    const held = heldAtFirstWait();
    const first = cli(fake, ['minimal', 'dev'], { now, sleep: held.sleep });
    await held.reached;
    const second = await cli(fake, ['minimal', 'dev'], { now, actor: 'cli:bob@desk' });
    assert.equal(second.code, 1);
    assert.match(
      second.err,
      /minimal of dev: another transition holds the lock: cli:alice@laptop is running "minimal"/,
    );
    held.release();
    const done = await first;
    assert.equal(done.code, 0, done.err);
    assert.equal(createdSnapshots(fake), 1);
    assert.equal(fake.stateRecord().state, 'minimal');
    assert.equal(fake.lock(), undefined);
  });

  test('minimal again once done has nothing to do, naming the snapshot and the deploy', async () => {
    const fake = runningDev();
    const now = clock();
    assert.equal((await cli(fake, ['minimal', 'dev'], { now })).code, 0);
    const name = fake.stateRecord().databaseSnapshot.identifier;
    fake.reset();
    const again = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(again.code, 0, again.err);
    assert.match(
      again.out,
      new RegExp(
        `dev is recorded minimal and its data is kept in the snapshot ${name}; set state: 'minimal' in src/config/dev\\.ts and run npx cdk deploy 'booking-dev/\\*' to remove the load balancer, services and cache and delete the database instance booking-dev: nothing to do\\.`,
      ),
    );
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('minimal recorded in stopped mode, then the mode switched to snapshot: the next minimal snapshots the database', async () => {
    const stopped = runningDev();
    const now = clock();
    assert.equal((await cliWith(devWhileMinimal('stopped'), stopped, ['minimal', 'dev'], { now })).code, 0);
    assert.equal(stopped.stateRecord().databaseSnapshot, undefined);
    assert.equal(createdSnapshots(stopped), 0);
    const minimal = carryOver(stopped, new FakeAws('dev', { minimal: true }));
    minimal.database = 'stopped';

    const result = await cli(minimal, ['minimal', 'dev'], { now });
    assert.equal(result.code, 0, result.err);
    const [name] = Object.keys(minimal.dbSnapshots);
    assert.deepEqual(minimal.actions, ['StartDBInstance', `CreateDBSnapshot ${name}`, 'StopDBInstance']);
    assert.equal(minimal.stateRecord().state, 'minimal');
    assert.equal(minimal.stateRecord().databaseSnapshot.identifier, name);
    assert.deepEqual(
      recordWrites(minimal).map((r) => [r.state, r.databaseSnapshot?.identifier]),
      [
        ['pausing', name],
        ['paused', name],
        ['minimal', name],
      ],
    );
  });

  test('a message held once web and worker stopped: left paused naming the snapshot; the next minimal reuses it', async () => {
    const fake = runningDev();
    const now = clock();
    fake.liveQueuedJobs = undefined;
    fake.queuedJobs = [[START - 120_000, 0]];
    let measured = false;
    const refused = await cli(fake, ['minimal', 'dev'], {
      now,
      sleep: async () => {
        if (!measured) fake.liveQueuedJobs = 1;
        measured = true;
      },
    });
    assert.equal(refused.code, 1);
    assert.match(refused.out, /1 Dramatiq message is queued .* dev is left paused/);
    const name = fake.stateRecord().databaseSnapshot.identifier;
    assert.equal(fake.stateRecord().state, 'paused');
    assert.equal(fake.database, 'stopped');

    // The message is dropped on purpose: the retry goes on from paused with the same snapshot.
    const dropped = await cli(fake, ['minimal', 'dev', '--drop-queued-jobs'], { now });
    assert.equal(dropped.code, 0, dropped.err);
    assert.equal(createdSnapshots(fake), 1);
    assert.equal(fake.stateRecord().state, 'minimal');
    assert.equal(fake.stateRecord().databaseSnapshot.identifier, name);
  });
});

describe('once the minimal deploy deleted the database', () => {
  /** dev taken to minimal in snapshot mode and deployed: the instance is gone. */
  async function minimalDeployed(now: () => number): Promise<{ fake: FakeAws; name: string }> {
    const full = runningDev();
    const result = await cli(full, ['minimal', 'dev'], { now });
    assert.equal(result.code, 0, result.err);
    return { fake: deployMinimal(full), name: full.stateRecord().databaseSnapshot.identifier };
  }

  test('pause and minimal have nothing to do and stop nothing; status shows minimal with the snapshot, no drift', async () => {
    const now = clock();
    const { fake, name } = await minimalDeployed(now);
    const record = fake.stateRecord();
    const paused = await cli(fake, ['pause', 'dev'], { now });
    assert.equal(paused.code, 0, paused.err);
    assert.match(
      paused.out,
      new RegExp(
        `dev is minimal \\(more than paused\\): its database booking-dev is deleted, its data kept in the snapshot ${name}: nothing to do\\.`,
      ),
    );
    const minimal = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(minimal.code, 0, minimal.err);
    assert.match(
      minimal.out,
      new RegExp(`dev is already minimal: its database booking-dev is deleted, its data kept in the snapshot ${name}`),
    );
    assert.deepEqual(fake.mutatingCalls(), []);
    assert.equal(fake.stubs.rds.commandCalls(StopDBInstanceCommand).length, 0);
    assert.deepEqual(fake.stateRecord(), record, 'the record is untouched');

    const status = JSON.parse((await cli(fake, ['status', 'dev', '--json'], { now })).out);
    assert.equal(status.observed, 'minimal');
    assert.deepEqual(status.drift, []);
    assert.deepEqual(status.database, { id: 'booking-dev', status: 'missing', snapshot: name });
    const text = (await cli(fake, ['status', 'dev'], { now })).out;
    assert.match(text, /^ {2}database booking-dev: missing \(no such instance; deleted while minimal\)$/m);
    assert.match(
      text,
      new RegExp(
        `^ {2}database snapshot \\(taken by minimal, named by the record\\): ${name}, master user booking$`,
        'm',
      ),
    );
  });

  test('the guard: nothing to stop, no alarm; a missing database recorded paused is said to be odd', async () => {
    const now = clock();
    const { fake, name } = await minimalDeployed(now);
    const guard = await reconcileDatabase(await operationsOn(fake), START);
    assert.deepEqual(guard, {
      outcome: 'already-stopped',
      databaseNotStopped: false,
      detail: `booking-dev does not exist while minimal: the database is kept as the snapshot ${name}`,
    });
    fake.setStateRecord({ ...fake.stateRecord(), state: 'paused' });
    const odd = await reconcileDatabase(await operationsOn(fake), START);
    assert.equal(odd.databaseNotStopped, false);
    assert.match(odd.detail, /booking-dev does not exist although recorded paused, not minimal/);
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('resume records running still naming the snapshot, starts nothing, and says which snapshot the config must restore', async () => {
    const now = clock();
    const { fake, name } = await minimalDeployed(now);
    const resumed = await cli(fake, ['resume', 'dev'], { now });
    assert.equal(resumed.code, 0, resumed.err);
    assert.deepEqual(fake.mutatingCalls(), [], 'no database to start, no service to scale');
    const record = fake.stateRecord();
    assert.equal(record.state, 'running');
    assert.deepEqual(record.databaseSnapshot, { identifier: name, masterUsername: 'booking' });
    assert.deepEqual(record.services.web, { desired: 2, min: 2, max: 5 });
    assert.match(
      resumed.out,
      new RegExp(
        `dev is recorded running\\. Now set state: 'running' and database\\.restoredFromMinimalSnapshot: '${name}' for dev in src/config/dev\\.ts and run: npx cdk deploy 'booking-dev/\\*' \\(it restores the database booking-dev from the snapshot ${name}, which takes about 10-30 minutes, then starts the services with the recorded capacities: web 2 tasks, 2\\.\\.5; worker 1 task, 0\\.\\.3; cache 1 task, 1\\.\\.1\\)`,
      ),
    );
    const status = JSON.parse((await cli(fake, ['status', 'dev', '--json'], { now })).out);
    assert.deepEqual(status.drift, [
      `the database is kept as snapshot ${name}: deploy with database.restoredFromMinimalSnapshot: '${name}'`,
    ]);
    assert.equal(
      status.converge,
      `set state: 'running' and database.restoredFromMinimalSnapshot: '${name}' in src/config/dev.ts and run npx cdk deploy 'booking-dev/*'`,
    );
  });

  test('a deploy in between: a second resume before the deploy has nothing to do and keeps the snapshot; after the restoring deploy the next pause clears it', async () => {
    const now = clock();
    const { fake, name } = await minimalDeployed(now);
    assert.equal((await cli(fake, ['resume', 'dev'], { now })).code, 0);
    const record = fake.stateRecord();
    const again = await cli(fake, ['resume', 'dev'], { now });
    assert.equal(again.code, 0, again.err);
    assert.match(
      again.out,
      new RegExp(
        `dev is recorded running already, and its database waits in the snapshot ${name} for the deploy that restores it: nothing to do\\.\\nNow set state: 'running' and database\\.restoredFromMinimalSnapshot: '${name}'`,
      ),
    );
    assert.deepEqual(fake.stateRecord(), record, 'the record, and its snapshot, are untouched');

    // Going back to minimal before deploying keeps the snapshot too.
    const back = await cli(fake, ['minimal', 'dev'], { now });
    assert.equal(back.code, 0, back.err);
    assert.equal(fake.stateRecord().state, 'minimal');
    assert.equal(fake.stateRecord().databaseSnapshot.identifier, name);
    assert.match(back.out, /Keep state: 'minimal' for dev in src\/config\/dev\.ts: nothing needs deploying/);
    assert.equal((await cli(fake, ['resume', 'dev'], { now })).code, 0);

    // The deploy restores the instance from the snapshot and creates the services.
    const restored = deployRestoring(fake);
    assert.equal(restored.stateRecord().databaseSnapshot.identifier, name, 'kept until a transition');
    const paused = await cli(restored, ['pause', 'dev'], { now });
    assert.equal(paused.code, 0, paused.err);
    assert.equal(restored.stateRecord().state, 'paused');
    assert.equal(restored.stateRecord().databaseSnapshot, undefined, 'a pause clears it');
    assert.equal(restored.database, 'stopped');

    // The next cycle takes a snapshot of its own.
    const next = await cli(restored, ['minimal', 'dev'], { now });
    assert.equal(next.code, 0, next.err);
    const second = restored.stateRecord().databaseSnapshot.identifier;
    assert.match(second, NAME);
    assert.notEqual(second, name);
  });

  test('resume with no snapshot recorded records running and says loudly that the deploy creates an EMPTY database', async () => {
    const now = clock();
    const fake = new FakeAws('dev', { minimal: true });
    fake.database = 'missing';
    fake.setStateRecord({ state: 'minimal', changedAt: '2026-11-01T10:00:00Z', services: {} });
    const minimal = await cli(fake, ['minimal', 'dev'], { now });
    assert.match(
      minimal.out,
      /dev is already minimal: its database booking-dev does not exist, and NO SNAPSHOT OF IT IS RECORDED/,
    );
    const resumed = await cli(fake, ['resume', 'dev'], { now });
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(
      resumed.out,
      /NO SNAPSHOT OF THE DATABASE IS RECORDED: the deploy creates booking-dev EMPTY, without any of the data it had/,
    );
    assert.equal(fake.stateRecord().state, 'running');
    assert.equal(fake.stateRecord().databaseSnapshot, undefined);
    const status = JSON.parse((await cli(fake, ['status', 'dev', '--json'], { now })).out);
    assert.deepEqual(status.drift, [
      "the database booking-dev does not exist and no snapshot of it is recorded: the deploy with state 'running' creates it EMPTY",
    ]);
  });

  test('a database missing while the services are deployed, or with nothing recorded to restore, is refused naming the fix', async () => {
    const now = clock();
    const full = runningDev();
    full.database = 'missing';
    full.setStateRecord({ state: 'running', changedAt: '2026-11-01T10:00:00Z', services: {} });
    for (const verb of ['resume', 'pause', 'minimal']) {
      const refused = await cli(full, [verb, 'dev'], { now });
      assert.equal(refused.code, 1, verb);
      assert.match(
        refused.err,
        new RegExp(
          `cannot ${verb} dev: its database booking-dev does not exist although its services are deployed \\(recorded running\\), so something other than the minimal deploy deleted it\\. Restore it: set database\\.restoreFromSnapshot in src/config/dev\\.ts`,
        ),
      );
    }
    const status = JSON.parse((await cli(full, ['status', 'dev', '--json'], { now })).out);
    assert.match(status.drift[0], /the database booking-dev does not exist although dev's services are deployed/);

    const minimal = new FakeAws('dev', { minimal: true });
    minimal.database = 'missing';
    minimal.setStateRecord({ state: 'paused', changedAt: '2026-11-01T10:00:00Z', services: {} });
    const unrecorded = await cli(minimal, ['resume', 'dev'], { now });
    assert.equal(unrecorded.code, 1);
    assert.match(
      unrecorded.err,
      /cannot resume dev: its database booking-dev does not exist, dev is recorded paused \(not minimal\), and no snapshot of it is recorded/,
    );
    assert.deepEqual([...full.mutatingCalls(), ...minimal.mutatingCalls()], []);
  });

  test('with whileMinimal stopped nothing changes: no database snapshot, nothing recorded about one', async () => {
    const fake = runningDev();
    const result = await cliWith(devWhileMinimal('stopped'), fake, ['minimal', 'dev'], { now: clock() });
    assert.equal(result.code, 0, result.err);
    assert.equal(createdSnapshots(fake), 0);
    assert.deepEqual(
      recordWrites(fake).map((r) => [r.state, r.databaseSnapshot]),
      [
        ['pausing', undefined],
        ['paused', undefined],
        ['minimal', undefined],
      ],
    );
    assert.match(
      result.out,
      /Now set state: 'minimal' for dev in src\/config\/dev\.ts and run: npx cdk deploy 'booking-dev\/\*' \(it removes the load balancer, the services and the cache with its data on EFS/,
    );
  });
});
