import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { GetParameterCommand, GetParametersCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { handler, resourcesFromEnvironment } from '../../src/lambda/ops/index';
import { environmentNamed, platformConfig } from '../../src/config';
import { runDoctor } from '../../src/ops/doctor';
import { EnvironmentOperations } from '../../src/ops/operations';
import { resourcesOfType, synth, type SynthesizedPlatform } from '../helpers';
import { FakeAws } from './fake-aws';

function operations(fake: FakeAws): EnvironmentOperations {
  let clock = 0;
  return new EnvironmentOperations(
    {
      environment: 'dev',
      production: false,
      region: 'eu-west-2',
      databaseId: 'booking-dev',
      clusterName: 'booking-dev',
      services: [
        { role: 'web', name: 'booking-dev-web' },
        { role: 'worker', name: 'booking-dev-worker' },
      ],
      stateParameter: '/booking/dev/ops/state',
    },
    { clients: fake.clients, report: () => undefined, sleep: async () => undefined, now: () => (clock += 1000) },
  );
}

const restartEvent = { source: 'aws.rds', detail: { EventID: 'RDS-EVENT-0088', SourceIdentifier: 'booking-dev' } };

describe('the 7-day guard Lambda', () => {
  test('re-stops the database when the environment is recorded as paused', async () => {
    const fake = new FakeAws('dev');
    fake.parameters['/booking/dev/ops/state'] = JSON.stringify({ state: 'paused', changedAt: 'x', services: {} });
    assert.equal(await handler(restartEvent, undefined, operations(fake)), 'stopped');
    assert.deepEqual(fake.mutatingCalls(), ['StopDBInstanceCommand']);
  });

  test('leaves the database alone when the environment is running or resuming', async () => {
    for (const state of ['running', 'resuming']) {
      const fake = new FakeAws('dev');
      fake.parameters['/booking/dev/ops/state'] = JSON.stringify({ state, changedAt: 'x', services: {} });
      assert.equal(await handler(restartEvent, undefined, operations(fake)), 'not-paused');
      assert.deepEqual(fake.mutatingCalls(), []);
    }
    const unrecorded = new FakeAws('dev');
    assert.equal(await handler(restartEvent, undefined, operations(unrecorded)), 'not-paused');
  });

  test('waits for the next event while the database is still starting', async () => {
    const fake = new FakeAws('dev');
    fake.database = 'starting';
    fake.parameters['/booking/dev/ops/state'] = JSON.stringify({ state: 'paused', changedAt: 'x', services: {} });
    assert.equal(
      await handler({ ...restartEvent, detail: { EventID: 'RDS-EVENT-0154' } }, undefined, operations(fake)),
      'not-available',
    );
    assert.deepEqual(fake.mutatingCalls(), []);
  });

  test('a schedule event pauses with the same plan as the CLI', async () => {
    const fake = new FakeAws('dev');
    assert.equal(await handler({ action: 'pause' }, undefined, operations(fake)), 'pause done');
    assert.equal(fake.database, 'stopped');
    assert.equal(fake.stateRecord().state, 'paused');
    assert.equal(await handler({ action: 'resume' }, undefined, operations(fake)), 'resume done');
    assert.equal(fake.database, 'available');
  });

  test('reads its resources from its environment, naming a missing variable', () => {
    assert.throws(
      () => resourcesFromEnvironment({ AWS_REGION: 'eu-west-2' }),
      /environment variable ENVIRONMENT is not set/,
    );
    const resources = resourcesFromEnvironment({
      AWS_REGION: 'eu-west-2',
      ENVIRONMENT: 'dev',
      DATABASE_ID: 'booking-dev',
      STATE_PARAMETER: '/booking/dev/ops/state',
    });
    assert.deepEqual(resources.services, []);
  });
});

describe('guard and schedule infrastructure', () => {
  let platform: SynthesizedPlatform;
  before(() => {
    platform = synth();
  });

  for (const envName of ['dev', 'prod']) {
    test(`${envName}: an RDS-event rule triggers the guard, which may only describe and stop its database`, () => {
      const json = platform.json(envName, 'data');
      const [, rule] = resourcesOfType(json, 'AWS::Events::Rule')[0];
      assert.deepEqual(rule.Properties.EventPattern, {
        source: ['aws.rds'],
        'detail-type': ['RDS DB Instance Event'],
        detail: { SourceIdentifier: [`booking-${envName}`], EventID: ['RDS-EVENT-0154', 'RDS-EVENT-0088'] },
      });
      const statements = resourcesOfType(json, 'AWS::IAM::Policy')
        .filter(([id]) => id.startsWith('StateGuard'))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
      const actions = statements.flatMap((s: any) => [s.Action].flat()).sort();
      assert.deepEqual(actions, [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'rds:DescribeDBInstances',
        'rds:StopDBInstance',
        'ssm:GetParameter',
      ]);
      const rds = statements.find((s: any) => [s.Action].flat().includes('rds:StopDBInstance'));
      assert.match(JSON.stringify(rds.Resource), new RegExp(`:db:booking-${envName}"`));
    });
  }

  test('dev pauses on weeknights and weekends through EventBridge Scheduler (Europe/London)', () => {
    const json = platform.json('dev', 'app');
    const schedules = resourcesOfType(json, 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties);
    assert.deepEqual(
      schedules.map((s) => [s.ScheduleExpression, s.ScheduleExpressionTimezone, s.Target.Input]).sort(),
      [
        ['cron(0 20 ? * MON-FRI *)', 'Europe/London', '{"action":"pause"}'],
        ['cron(0 7 ? * MON-FRI *)', 'Europe/London', '{"action":"resume"}'],
      ].sort(),
    );
    assert.equal(resourcesOfType(platform.json('prod', 'app'), 'AWS::Scheduler::Schedule').length, 0);
  });
});

describe('doctor', () => {
  const env = environmentNamed(platformConfig, 'dev');
  const dev = (fake: FakeAws, nameServers: string[]) =>
    runDoctor(platformConfig.shared, env, { clients: fake.clients, resolveNs: async () => nameServers });
  const zoneServers = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk'];

  function healthy(): FakeAws {
    const fake = new FakeAws('dev');
    fake.stubs.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: env.account, Arn: 'arn:aws:iam::111111111111:user/ops' });
    fake.stubs.cloudformation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(0) }],
    });
    fake.stubs.ssm
      .on(GetParameterCommand, { Name: '/booking/shared/github-connection-arn' })
      .resolves({ Parameter: { Value: 'arn:conn' } });
    fake.stubs.ssm
      .on(GetParameterCommand, { Name: '/booking/shared/hosted-zone-id' })
      .resolves({ Parameter: { Value: 'Z123' } });
    fake.stubs.connections
      .on(GetConnectionCommand)
      .resolves({ Connection: { ConnectionName: 'booking-github', ConnectionStatus: 'AVAILABLE' } });
    fake.stubs.ssm.on(GetParametersCommand).resolves({
      Parameters: [{ Name: '/booking/dev/app/DJANGO_SECRET_KEY', Type: 'SecureString' }],
      InvalidParameters: [],
    });
    fake.stubs.route53.on(GetHostedZoneCommand).resolves({
      HostedZone: { Id: 'Z123', Name: 'x', CallerReference: 'x' },
      DelegationSet: { NameServers: zoneServers },
    });
    return fake;
  }

  test('passes every check on a ready account', async () => {
    const results = await dev(healthy(), ['NS-2.awsdns-02.co.uk.', 'ns-1.awsdns-01.org']);
    assert.deepEqual(
      results.map((r) => [r.name, r.ok]),
      [
        ['credentials', true],
        ['CDK bootstrap in eu-west-2', true],
        ['GitHub connection', true],
        ['application secrets', true],
        ['NS delegation of lichnails.co.uk', true],
      ],
    );
  });

  test('each failing check says what to do', async () => {
    const fake = healthy();
    fake.stubs.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '999999999999', Arn: 'arn:aws:iam::999999999999:user/x' });
    fake.stubs.cloudformation
      .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
      .rejects(new Error('Stack with id CDKToolkit does not exist'));
    fake.stubs.connections
      .on(GetConnectionCommand)
      .resolves({ Connection: { ConnectionName: 'booking-github', ConnectionStatus: 'PENDING' } });
    fake.stubs.ssm
      .on(GetParametersCommand)
      .resolves({ Parameters: [], InvalidParameters: ['/booking/dev/app/DJANGO_SECRET_KEY'] });
    const results = await dev(fake, ['ns1.registrar-parking.example']);
    assert.ok(results.every((r) => !r.ok));
    const fix = Object.fromEntries(results.map((r) => [r.name, r.fix]));
    assert.match(fix.credentials!, /set BOOKING_ACCOUNT=999999999999/);
    assert.equal(fix['CDK bootstrap in eu-west-2'], 'npx cdk bootstrap aws://111111111111/eu-west-2');
    assert.match(fix['GitHub connection']!, /Update pending connection/);
    assert.equal(
      fix['application secrets'],
      "aws ssm put-parameter --type SecureString --overwrite --name /booking/dev/app/DJANGO_SECRET_KEY --value '...'",
    );
    assert.match(
      fix['NS delegation of lichnails.co.uk']!,
      /set the name servers of lichnails\.co\.uk at its registrar to: ns-1\.awsdns-01\.org ns-2\.awsdns-02\.co\.uk/,
    );
  });
});
