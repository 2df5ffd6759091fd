// Issue 14 items 1 and 2 at the template level: who logs in to the database (the master only for
// administration, the owner for migrations, the application's data-only role for web, worker and
// PgBouncer), the roles task that creates them before any service switches, rotation of all three
// secrets where it is on (with the network path it needs, priced), and the redeploy after a
// rotation. The SQL itself runs against real PostgreSQL in test/integration/database-roles-postgres.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, findConfigIssues, platformConfig } from '../../src/config';
import { estimateEnvironments } from '../../src/cost/environment-cost';
import {
  iamStatements,
  onlyEnvironment,
  resourcesOfType,
  synth,
  type SynthesizedPlatform,
  withEnvironment,
} from '../helpers';

/** The data-stack output a cross-stack value points at (Fn::GetStackOutput), or undefined. */
function outputOf(value: unknown): string | undefined {
  const text = JSON.stringify(value);
  return /"OutputName":"([^"]+)"/.exec(text)?.[1];
}

/** Which secret a container secret's ValueFrom reads: master, owner or app, or the cache task's password. */
function secretKind(valueFrom: unknown): string {
  const output = outputOf(valueFrom) ?? '';
  if (output.includes('ApplicationSecretAttachment')) return 'app';
  if (output.includes('OwnerSecretAttachment')) return 'owner';
  if (output.includes('InstanceSecretAttachment')) return 'master';
  if (/^PublishOutputRefCacheTaskAuthToken/.test(output)) return 'cache-password';
  return `other:${output}`;
}

/** Per task family and container: the secret each DATABASE_USER / DB_USER / *_USER variable reads. */
function databaseLogins(app: Record<string, any>): Record<string, string> {
  const logins: Record<string, string> = {};
  for (const [, task] of resourcesOfType(app, 'AWS::ECS::TaskDefinition')) {
    const family = String(task.Properties.Family).replace(/^booking-\w+-/, '');
    for (const container of task.Properties.ContainerDefinitions) {
      for (const secret of container.Secrets ?? []) {
        if (/(^|_)USER$|_PASSWORD$|^DB_PASSWORD$/.test(secret.Name) && secret.Name !== 'REDIS_PASSWORD') {
          logins[`${family}/${container.Name}/${secret.Name}`] = secretKind(secret.ValueFrom);
        }
      }
    }
  }
  return logins;
}

describe('database access: roles, credentials and rotation', () => {
  let platform: SynthesizedPlatform;
  let rotatingDev: SynthesizedPlatform;
  const rotatingDevConfig = withEnvironment('dev', {
    database: { credentialRotation: { enabled: true, everyDays: 7 } },
  });
  before(() => {
    platform = synth();
    rotatingDev = synth(onlyEnvironment(rotatingDevConfig, 'dev'));
  });

  test("web, worker and PgBouncer log in as the application; migrations as the owner; only the roles task sees the master; dev's cache task reads its own password only", () => {
    for (const envName of ['dev', 'prod']) {
      const logins = databaseLogins(platform.json(envName, 'app'));
      const cacheTask = environmentNamed(platformConfig, envName).cache.hosting === 'task';
      assert.deepEqual(
        logins,
        {
          'web/app/DATABASE_USER': 'app',
          'web/app/DATABASE_PASSWORD': 'app',
          'web/pgbouncer/DB_USER': 'app',
          'web/pgbouncer/DB_PASSWORD': 'app',
          'worker/app/DATABASE_USER': 'app',
          'worker/app/DATABASE_PASSWORD': 'app',
          'worker/pgbouncer/DB_USER': 'app',
          'worker/pgbouncer/DB_PASSWORD': 'app',
          'migrate/app/DATABASE_USER': 'owner',
          'migrate/app/DATABASE_PASSWORD': 'owner',
          'database-roles/roles/MASTER_USER': 'master',
          'database-roles/roles/MASTER_PASSWORD': 'master',
          'database-roles/roles/OWNER_USER': 'owner',
          'database-roles/roles/OWNER_PASSWORD': 'owner',
          'database-roles/roles/APP_USER': 'app',
          'database-roles/roles/APP_PASSWORD': 'app',
          // Valkey's password (requirepass), no database login: the cache task sees no database secret.
          ...(cacheTask ? { 'cache/valkey/CACHE_PASSWORD': 'cache-password' } : {}),
        },
        envName,
      );
    }
  });

  test('the owner and application secrets are generated (no password in any template), named, and kept with a protected database', () => {
    for (const [envName, policy] of [
      ['dev', 'Delete'],
      ['prod', 'Retain'],
    ] as const) {
      const data = platform.json(envName, 'data');
      const secrets = Object.fromEntries(
        resourcesOfType(data, 'AWS::SecretsManager::Secret').map(([, secret]) => [secret.Properties.Name, secret]),
      );
      for (const [kind, username] of [
        ['owner', 'booking_owner'],
        ['app', 'booking_app'],
      ]) {
        const secret = secrets[`booking-${envName}/database/${kind}`];
        assert.ok(secret, `${envName} ${kind} secret`);
        assert.equal(secret.DeletionPolicy, policy);
        const generate = secret.Properties.GenerateSecretString;
        assert.equal(generate.GenerateStringKey, 'password');
        assert.match(JSON.stringify(generate.SecretStringTemplate), new RegExp(`username\\\\?":\\\\?"${username}`));
        assert.equal(secret.Properties.SecretString, undefined);
      }
      // The multi-user rotation finds the master through the application secret's `masterarn`.
      assert.match(
        JSON.stringify(secrets[`booking-${envName}/database/app`].Properties.GenerateSecretString),
        /masterarn/,
      );
    }
  });

  test('prod rotates all three secrets every 30 days in its private subnets; the application with alternating users', () => {
    const data = platform.json('prod', 'data');
    const schedules = resourcesOfType(data, 'AWS::SecretsManager::RotationSchedule').map(([, s]) => s.Properties);
    assert.deepEqual(
      schedules.map((s) => [s.HostedRotationLambda.RotationLambdaName, s.HostedRotationLambda.RotationType]).sort(),
      [
        ['booking-prod-rotate-app', 'PostgreSQLMultiUser'],
        ['booking-prod-rotate-master', 'PostgreSQLSingleUser'],
        ['booking-prod-rotate-owner', 'PostgreSQLSingleUser'],
      ],
    );
    for (const schedule of schedules) {
      assert.deepEqual(schedule.RotationRules, { ScheduleExpression: 'rate(30 days)' });
      // Not at deploy: the roles do not exist until the app stack's roles task has run.
      assert.equal(schedule.RotateImmediatelyOnUpdate, false);
      assert.match(outputOf(schedule.HostedRotationLambda.VpcSecurityGroupIds)!, /RotationSecurityGroup/);
      assert.match(JSON.stringify(schedule.HostedRotationLambda.VpcSubnetIds), /privateSubnet/);
    }
    const multi = schedules.find((s) => s.HostedRotationLambda.RotationType === 'PostgreSQLMultiUser')!;
    assert.match(JSON.stringify(multi.HostedRotationLambda.MasterSecretArn), /DatabaseInstanceSecretAttachment/);
    // prod has a NAT gateway: the functions reach Secrets Manager through it, no endpoint to pay for.
    assert.deepEqual(
      resourcesOfType(platform.json('prod', 'network'), 'AWS::EC2::VPCEndpoint').map(
        ([, e]) => e.Properties.VpcEndpointType ?? 'Gateway',
      ),
      ['Gateway'],
    );
  });

  test('dev does not rotate: no schedule, no transform, no endpoint', () => {
    assert.deepEqual(resourcesOfType(platform.json('dev', 'data'), 'AWS::SecretsManager::RotationSchedule'), []);
    assert.equal(
      resourcesOfType(platform.json('dev', 'network'), 'AWS::EC2::VPCEndpoint').filter(
        ([, e]) => e.Properties.VpcEndpointType === 'Interface',
      ).length,
      0,
    );
    // No hosted-rotation transform either (prod's data stack carries it).
    assert.equal(platform.json('dev', 'data').Transform, undefined);
    assert.deepEqual(platform.json('prod', 'data').Transform, ['AWS::SecretsManager-2024-09-16']);
  });

  test('rotation without a NAT gateway brings a Secrets Manager endpoint that admits only the rotation functions, and its price', () => {
    const network = rotatingDev.json('dev', 'network');
    const endpoints = resourcesOfType(network, 'AWS::EC2::VPCEndpoint').filter(
      ([, e]) => e.Properties.VpcEndpointType === 'Interface',
    );
    assert.equal(endpoints.length, 1);
    const endpoint = endpoints[0][1].Properties;
    assert.match(JSON.stringify(endpoint.ServiceName), /secretsmanager/);
    assert.equal(endpoint.PrivateDnsEnabled, true);
    assert.equal(endpoint.SubnetIds.length, 2);
    const [endpointGroup] = endpoint.SecurityGroupIds.map((id: any) => id['Fn::GetAtt'][0]);
    const ingress = resourcesOfType(network, 'AWS::EC2::SecurityGroupIngress')
      .map(([, rule]) => rule.Properties)
      .filter((rule) => rule.GroupId['Fn::GetAtt'][0] === endpointGroup);
    assert.equal(ingress.length, 1);
    assert.equal(ingress[0].FromPort, 443);
    assert.match(ingress[0].SourceSecurityGroupId['Fn::GetAtt'][0], /RotationSecurityGroup/);
    // The rotation group: PostgreSQL to the database, HTTPS to the endpoint, nothing else out.
    const rotationEgress = resourcesOfType(network, 'AWS::EC2::SecurityGroupEgress')
      .map(([, rule]) => rule.Properties)
      .filter((rule) => /RotationSecurityGroup/.test(rule.GroupId['Fn::GetAtt'][0]))
      .map((rule) => `${rule.FromPort} ${rule.DestinationSecurityGroupId['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '')}`)
      .sort();
    assert.deepEqual(rotationEgress, [
      '443 NetworkingSecretsManagerEndpointSecurityGroup',
      '5432 NetworkingDatabaseSecurityGroup',
    ]);
    const schedules = resourcesOfType(rotatingDev.json('dev', 'data'), 'AWS::SecretsManager::RotationSchedule');
    assert.equal(schedules.length, 3);
    assert.deepEqual(schedules[0][1].Properties.RotationRules, { ScheduleExpression: 'rate(7 days)' });

    const [estimate] = estimateEnvironments(rotatingDevConfig, [environmentNamed(rotatingDevConfig, 'dev')], 'running');
    const line = estimate.lines.find(
      (candidate) => candidate.type === 'AWS::EC2::VPCEndpoint' && candidate.monthlyUsd > 0,
    );
    assert.ok(line, 'the endpoint is priced');
    assert.equal(line.monthlyUsd.toFixed(2), '16.06');
  });

  test("the application's services wait for the roles task (dev's cache task, which never logs in to the database, need not); the task runs in the worker network, and again on any change of its definition", () => {
    for (const [envName, publicIp] of [
      ['dev', 'ENABLED'],
      ['prod', 'DISABLED'],
    ] as const) {
      const app = platform.json(envName, 'app');
      const [[rolesId, roles]] = resourcesOfType(app, 'Custom::DatabaseRoles');
      const services = resourcesOfType(app, 'AWS::ECS::Service');
      const cacheTask = environmentNamed(platformConfig, envName).cache.hosting === 'task';
      assert.deepEqual(
        services.map(([, service]) => service.Properties.ServiceName).sort(),
        ['web', 'worker', ...(cacheTask ? ['cache'] : [])].map((role) => `booking-${envName}-${role}`).sort(),
      );
      for (const [serviceId, service] of services) {
        if (service.Properties.ServiceName === `booking-${envName}-cache`) continue;
        assert.ok(service.DependsOn.includes(rolesId), `${envName} ${serviceId} waits for the roles`);
      }
      assert.ok(
        roles.DependsOn.some((id: string) => /^EcsCluster/.test(id)),
        'the cluster exists first',
      );
      assert.ok(
        roles.DependsOn.some((id: string) => /^DatabaseAccessRolesTaskExecutionRoleDefaultPolicy/.test(id)),
        'the task can pull its image and read its secrets when it starts',
      );
      const props = roles.Properties;
      assert.equal(props.ServiceTimeout, '900');
      assert.equal(props.Cluster, `booking-${envName}`);
      assert.equal(props.DatabaseId, `booking-${envName}`);
      assert.equal(props.AssignPublicIp, publicIp);
      assert.equal(props.Environment, envName);
      assert.match(JSON.stringify(props.TaskDefinition), /DatabaseAccessRolesTask/);
      assert.match(outputOf(props.SecurityGroup)!, /WorkerSecurityGroup/);
      const [, task] = resourcesOfType(app, 'AWS::ECS::TaskDefinition').find(
        ([id]) => id === props.TaskDefinition.Ref,
      )!;
      const [container] = task.Properties.ContainerDefinitions;
      assert.equal(container.ReadonlyRootFilesystem, true);
      assert.equal(container.User, '10001');
    }
  });

  test('the database-access function may run only the roles task, pass only its roles to ECS, and redeploy only its own services', () => {
    for (const envName of ['dev', 'prod']) {
      const app = platform.json(envName, 'app');
      const statements = iamStatements(app)
        .filter(({ owner }) => owner.startsWith('DatabaseAccessFunctionRole'))
        .map(({ statement }) => statement);
      const bySid = Object.fromEntries(statements.filter((s) => s.Sid).map((s) => [s.Sid, s]));
      assert.equal(
        bySid.RunRolesTask.Resource,
        `arn:aws:ecs:eu-west-2:111111111111:task-definition/booking-${envName}-database-roles:*`,
      );
      assert.deepEqual(bySid.RunRolesTask.Condition, {
        ArnEquals: { 'ecs:cluster': `arn:aws:ecs:eu-west-2:111111111111:cluster/booking-${envName}` },
      });
      assert.deepEqual(bySid.PassRolesTaskRoles.Condition, {
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
      assert.equal(bySid.PassRolesTaskRoles.Resource.length, 2);
      assert.deepEqual(bySid.RedeployServices.Resource, [
        `arn:aws:ecs:eu-west-2:111111111111:service/booking-${envName}/booking-${envName}-web`,
        `arn:aws:ecs:eu-west-2:111111111111:service/booking-${envName}/booking-${envName}-worker`,
      ]);
      assert.deepEqual(bySid.DatabaseRunning.Action, 'rds:DescribeDBInstances');
    }
  });

  test('a rotation of the application secret (Secrets Manager’s own event, no trail needed) triggers the redeploy', () => {
    const app = platform.json('prod', 'app');
    const rules = resourcesOfType(app, 'AWS::Events::Rule').filter(([, rule]) => rule.Properties.EventPattern);
    const rotation = rules.find(
      ([, rule]) => rule.Properties.EventPattern['detail-type']?.[0] === 'Secret Label Updated',
    );
    assert.ok(rotation);
    assert.deepEqual(rotation[1].Properties.EventPattern, {
      source: ['aws.secretsmanager'],
      'detail-type': ['Secret Label Updated'],
      detail: { name: ['booking-prod/database/app'], labelUpdated: ['AWSCURRENT'] },
    });
    const [target] = rotation[1].Properties.Targets;
    assert.match(JSON.stringify(target.Arn), /DatabaseAccessFunction/);
    assert.equal(target.RetryPolicy.MaximumRetryAttempts, 4);
  });

  test('config: the rotation period is checked, and production without rotation is a risk to accept', () => {
    const issues = (config: typeof platformConfig) => findConfigIssues(config).map((i) => `${i.field}: ${i.message}`);
    assert.deepEqual(
      issues(withEnvironment('dev', { database: { credentialRotation: { enabled: true, everyDays: 0 } } })),
      [
        'dev.database.credentialRotation.everyDays: 0 is out of range (use a whole number from 1 to 365 days: Secrets Manager rotates at most daily, and a password should change at least once a year)',
      ],
    );
    const prodOff = withEnvironment('prod', { database: { credentialRotation: { enabled: false, everyDays: 30 } } });
    assert.deepEqual(issues(prodOff), [
      'prod.database.credentialRotation.enabled: false is not allowed for a production environment (set credentialRotation: { enabled: true, everyDays: 30 } so a leaked database password stops working within a rotation period, or add "no-credential-rotation" to prod.acceptedRisks to waive the check knowingly)',
    ]);
    assert.deepEqual(issues(withEnvironment('prod', { acceptedRisks: ['no-credential-rotation'] }, prodOff)), []);
    assert.equal(environmentNamed(platformConfig, 'prod').database.credentialRotation?.enabled, true);
  });
});
