import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { StopDBInstanceCommand } from '@aws-sdk/client-rds';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { run } from '../../src/cli/main';
import { FakeAws } from './fake-aws';

function dependencies(fake: FakeAws, overrides: Partial<OpsDependencies> = {}): OpsDependencies {
  let clock = 0;
  return {
    clients: () => fake.clients,
    sleep: async () => undefined,
    now: () => (clock += 1000),
    interactive: false,
    ask: async () => '',
    resolveNs: async () => [],
    monthlyCost: () => 12.34,
    ...overrides,
  };
}

async function cli(fake: FakeAws, args: string[], overrides: Partial<OpsDependencies> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, {}, dependencies(fake, overrides));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('pause and resume', () => {
  test('pause then resume restores the exact recorded bounds and counts', async () => {
    const fake = new FakeAws('dev');
    fake.services['booking-dev-web'] = { desired: 2, running: 2, min: 2, max: 5 };
    fake.services['booking-dev-worker'] = { desired: 1, running: 1, min: 0, max: 3 };
    const before = structuredClone(fake.services);

    const paused = await cli(fake, ['pause', 'dev']);
    assert.equal(paused.code, 0, paused.err);
    assert.match(paused.out, /Plan to pause dev/);
    assert.match(paused.out, /\[\d\/\d\] stop the database booking-dev/);
    assert.deepEqual(fake.services['booking-dev-web'], { desired: 0, running: 0, min: 0, max: 0 });
    assert.deepEqual(fake.services['booking-dev-worker'], { desired: 0, running: 0, min: 0, max: 0 });
    assert.equal(fake.database, 'stopped');
    assert.deepEqual(fake.stateRecord().services, {
      web: { desired: 2, min: 2, max: 5 },
      worker: { desired: 1, min: 0, max: 3 },
    });
    assert.equal(fake.stateRecord().state, 'paused');

    const resumed = await cli(fake, ['resume', 'dev']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(fake.database, 'available');
    assert.deepEqual(fake.services, before);
    assert.equal(fake.stateRecord().state, 'running');
    assert.match(resumed.out, /dev is running: https:\/\/api-dev\.lichnails\.co\.uk\//);
  });

  test('pausing twice and resuming twice is harmless', async () => {
    const fake = new FakeAws('dev');
    assert.equal((await cli(fake, ['pause', 'dev'])).code, 0);
    fake.reset();
    const again = await cli(fake, ['pause', 'dev']);
    assert.equal(again.code, 0);
    assert.match(again.out, /dev is already paused: nothing to do\./);
    assert.deepEqual(fake.mutatingCalls(), []);

    assert.equal((await cli(fake, ['resume', 'dev'])).code, 0);
    fake.reset();
    const resumedAgain = await cli(fake, ['resume', 'dev']);
    assert.equal(resumedAgain.code, 0);
    assert.match(resumedAgain.out, /dev is already running: nothing to do\./);
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('--dry-run prints the plan and makes no mutating call', async () => {
    const fake = new FakeAws('dev');
    const result = await cli(fake, ['pause', 'dev', '--dry-run']);
    assert.equal(result.code, 0);
    assert.match(result.out, /1\. record the paused state/);
    assert.match(result.out, /Dry run: nothing was changed\./);
    assert.deepEqual(fake.mutatingCalls(), []);
    assert.equal(fake.database, 'available');
  });

  test('throttling is retried and the pause completes', async () => {
    const fake = new FakeAws('dev');
    const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const services = fake.stubs.ecs.on(DescribeServicesCommand);
    let thrown = 0;
    const original = fake.services;
    services.callsFake((input: { services: string[] }) => {
      if (thrown++ === 0) throw throttle;
      return {
        services: input.services.map((name) => {
          const s = original[name];
          const answer = {
            serviceName: name,
            status: 'ACTIVE',
            desiredCount: s.desired,
            runningCount: s.running,
            pendingCount: 0,
          };
          s.running = s.desired;
          return answer;
        }),
      };
    });
    const result = await cli(fake, ['pause', 'dev']);
    assert.equal(result.code, 0, result.err);
    assert.ok(thrown > 1);
    assert.equal(fake.database, 'stopped');
  });

  test('a database already stopping is waited for, not stopped again', async () => {
    const fake = new FakeAws('dev');
    fake.database = 'stopping';
    (fake as any).pendingDatabase = 'stopped';
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

  test('a call failing half-way exits non-zero, prints every resource, and leaves the state recorded', async () => {
    const fake = new FakeAws('dev');
    fake.stubs.rds
      .on(StopDBInstanceCommand)
      .rejects(Object.assign(new Error('The instance is being modified'), { name: 'InvalidDBInstanceStateFault' }));
    const result = await cli(fake, ['pause', 'dev']);
    assert.equal(result.code, 1);
    assert.match(result.out, /pause failed: The instance is being modified/);
    assert.match(result.out, /web service booking-dev-web: 0 desired, 0 running, 0 pending, bounds 0\.\.0/);
    assert.match(result.out, /database booking-dev: available/);
    assert.match(result.err, /pause of dev did not complete; run it again to continue/);
    assert.deepEqual(fake.stateRecord().services.web, { desired: 1, min: 1, max: 2 });
  });

  test('prod without --yes and without a terminal refuses before changing anything', async () => {
    const fake = new FakeAws('prod');
    const result = await cli(fake, ['pause', 'prod']);
    assert.equal(result.code, 1);
    assert.match(result.err, /refusing to pause prod without --yes/);
    assert.deepEqual(fake.mutatingCalls(), []);
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

  test('resume without a recorded pause says why it cannot guess the bounds', async () => {
    const fake = new FakeAws('dev');
    fake.database = 'stopped';
    const result = await cli(fake, ['resume', 'dev']);
    assert.equal(result.code, 1);
    assert.match(result.err, /no paused state is recorded in \/booking\/dev\/ops\/state/);
  });

  test('status reports state, services, database, load balancer, cache, API and cost', async () => {
    const fake = new FakeAws('dev');
    const result = await cli(fake, ['status', 'dev', '--json']);
    assert.equal(result.code, 0, result.err);
    const status = JSON.parse(result.out);
    assert.equal(status.state, 'running');
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
    assert.match(text.out, /dev: running/);
    assert.match(text.out, /cost of this state: about 12\.34 USD\/month/);
  });

  test('status shows a resume in progress, and minimal when the environment has no services', async () => {
    const fake = new FakeAws('dev');
    fake.parameters['/booking/dev/ops/state'] = JSON.stringify({ state: 'resuming', changedAt: 'x', services: {} });
    assert.equal(JSON.parse((await cli(fake, ['status', 'dev', '--json'])).out).state, 'resuming');
    const minimal = new FakeAws('dev', { minimal: true });
    const status = JSON.parse((await cli(minimal, ['status', 'dev', '--json'])).out);
    assert.equal(status.state, 'minimal');
    assert.equal(status.loadBalancer, null);
    assert.equal(status.cache, null);
  });

  test('minimal: pause only stops the database', async () => {
    const fake = new FakeAws('dev', { minimal: true });
    const result = await cli(fake, ['pause', 'dev']);
    assert.equal(result.code, 0, result.err);
    assert.equal(fake.database, 'stopped');
    assert.deepEqual([...new Set(fake.mutatingCalls())].sort(), ['PutParameterCommand', 'StopDBInstanceCommand']);
  });
});
