import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { environmentNamed, findConfigIssues, platformConfig, type PlatformConfig } from '../../src/config';
import { maxConnectionsFor } from '../../src/modules/database/database';
import { GUARD_METRIC } from '../../src/ops/contracts';
import { resourcesOfType, synth, type SynthesizedPlatform, withEnvironment, onlyEnvironment } from '../helpers';

const expected = {
  dev: {
    instanceClass: 'db.t4g.micro',
    multiAz: false,
    retention: 3,
    protect: false,
    policy: 'Snapshot',
    nodes: 1,
    cachePolicy: 'Delete',
    snapshots: 0,
  },
  prod: {
    instanceClass: 'db.t4g.small',
    multiAz: true,
    retention: 14,
    protect: true,
    policy: 'Retain',
    nodes: 2,
    cachePolicy: 'Snapshot',
    snapshots: 7,
  },
} as const;

/**
 * The committed platform with dev on the ElastiCache cache it had before its cache task
 * (`cache.hosting: 'task'`): ElastiCache's behaviour on dev's sizes (one node, no snapshot).
 */
const devOnElastiCache: PlatformConfig = {
  ...platformConfig,
  environments: platformConfig.environments.map((env) =>
    env.name === 'dev' ? { ...env, cache: { ...env.cache, hosting: 'elasticache', task: undefined } } : env,
  ),
};

/** The output name a Fn::GetStackOutput points at, for checking which network resource is used. */
function stackOutputName(value: any): string {
  return value['Fn::GetStackOutput'].OutputName;
}

/** ElastiCache's subnets (isolated) and its one security group (the network stack's cache group). */
function assertElastiCacheIsolated(json: Record<string, any>): void {
  const [, cacheSubnets] = resourcesOfType(json, 'AWS::ElastiCache::SubnetGroup')[0];
  for (const subnet of cacheSubnets.Properties.SubnetIds) assert.match(stackOutputName(subnet), /isolatedSubnet/);
  const [, cache] = resourcesOfType(json, 'AWS::ElastiCache::ReplicationGroup')[0];
  assert.equal(cache.Properties.SecurityGroupIds.length, 1);
  assert.match(stackOutputName(cache.Properties.SecurityGroupIds[0]), /CacheSecurityGroup/);
}

/** The guard Lambda: the function answering the data stack's Custom::EnvironmentStructure. */
function guardOf(json: Record<string, any>): string {
  const gates = resourcesOfType(json, 'Custom::EnvironmentStructure');
  assert.equal(gates.length, 1, 'one Custom::EnvironmentStructure');
  const [functionId] = gates[0][1].Properties.ServiceToken['Fn::GetAtt'];
  assert.equal(json.Resources[functionId].Type, 'AWS::Lambda::Function');
  return functionId;
}

/** Walks every string in a template with the key path that leads to it. */
function* strings(node: unknown, path: string[] = []): Generator<[string[], string]> {
  if (typeof node === 'string') yield [path, node];
  else if (Array.isArray(node)) for (const [i, item] of node.entries()) yield* strings(item, [...path, String(i)]);
  else if (node && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) yield* strings(value, [...path, key]);
}

describe('data tier', () => {
  let platform: SynthesizedPlatform;
  let minimal: SynthesizedPlatform;
  let redis: SynthesizedPlatform;
  let devElastiCache: SynthesizedPlatform;
  before(() => {
    platform = synth();
    // Both hostings go: dev's cache task (files and secrets), prod's ElastiCache.
    minimal = synth(withEnvironment('prod', { state: 'minimal' }, withEnvironment('dev', { state: 'minimal' })));
    devElastiCache = synth(onlyEnvironment(devOnElastiCache, 'dev'));
    const redisConfig = withEnvironment('prod', { cache: { engine: 'redis' } });
    redis = synth(onlyEnvironment(redisConfig, 'prod'));
  });

  for (const envName of ['dev', 'prod'] as const) {
    const want = expected[envName];
    const cacheTask = environmentNamed(platformConfig, envName).cache.hosting === 'task';

    test(`${envName}: PostgreSQL ${environmentNamed(platformConfig, envName).database.engineVersion}, class, Multi-AZ, encryption, backups and protection`, () => {
      const template = platform.template(envName, 'data');
      template.resourceCountIs('AWS::RDS::DBInstance', 1);
      template.hasResource('AWS::RDS::DBInstance', {
        DeletionPolicy: want.policy,
        UpdateReplacePolicy: want.policy,
        Properties: Match.objectLike({
          Engine: 'postgres',
          EngineVersion: environmentNamed(platformConfig, envName).database.engineVersion,
          DBInstanceClass: want.instanceClass,
          MultiAZ: want.multiAz,
          StorageType: 'gp3',
          StorageEncrypted: true,
          PubliclyAccessible: false,
          BackupRetentionPeriod: want.retention,
          DeletionProtection: want.protect,
          CopyTagsToSnapshot: true,
          AutoMinorVersionUpgrade: true,
          PreferredBackupWindow: '01:00-01:30',
          PreferredMaintenanceWindow: 'sun:01:45-sun:02:30',
          EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
          EnablePerformanceInsights: true,
          PerformanceInsightsRetentionPeriod: 7,
          DBInstanceIdentifier: `booking-${envName}`,
        }),
      });
    });

    test(`${envName}: parameter group forces TLS, logs slow queries and pins max_connections`, () => {
      const template = platform.template(envName, 'data');
      template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
        Family: 'postgres18',
        Parameters: {
          'rds.force_ssl': '1',
          log_min_duration_statement: '500',
          max_connections: String(maxConnectionsFor(want.instanceClass)),
        },
      });
      for (const kind of ['postgresql', 'upgrade']) {
        template.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: `/aws/rds/instance/booking-${envName}/${kind}`,
          RetentionInDays: environmentNamed(platformConfig, envName).logRetentionDays,
        });
      }
    });

    test(`${envName}: database and ${cacheTask ? "the cache task's files (EFS mount targets)" : 'cache'} live in isolated subnets behind their own security groups`, () => {
      const json = platform.json(envName, 'data');
      const [, subnetGroup] = resourcesOfType(json, 'AWS::RDS::DBSubnetGroup')[0];
      for (const subnet of subnetGroup.Properties.SubnetIds) assert.match(stackOutputName(subnet), /isolatedSubnet/);
      const [, db] = resourcesOfType(json, 'AWS::RDS::DBInstance')[0];
      assert.match(stackOutputName(db.Properties.VPCSecurityGroups[0]), /DatabaseSecurityGroup/);
      assert.equal(db.Properties.VPCSecurityGroups.length, 1);
      if (cacheTask) {
        const mountTargets = resourcesOfType(json, 'AWS::EFS::MountTarget').map(([, m]) => m.Properties);
        assert.equal(mountTargets.length, environmentNamed(platformConfig, envName).availabilityZones.length);
        for (const target of mountTargets) {
          assert.match(stackOutputName(target.SubnetId), /isolatedSubnet/);
          assert.equal(target.SecurityGroups.length, 1);
          assert.match(stackOutputName(target.SecurityGroups[0]), /CacheFilesSecurityGroup/);
        }
        assert.equal(resourcesOfType(json, 'AWS::ElastiCache::SubnetGroup').length, 0);
      } else {
        assertElastiCacheIsolated(json);
      }
    });

    test(`${envName}: the guard runs on RDS start events and every 5 minutes`, () => {
      const json = platform.json(envName, 'data');
      const guard = guardOf(json);
      const rules = resourcesOfType(json, 'AWS::Events::Rule').map(([, rule]) => rule.Properties);
      const targeting = rules.filter((rule) => JSON.stringify(rule.Targets).includes(`"${guard}"`));
      assert.equal(targeting.length, 2);
      assert.deepEqual(targeting.find((rule) => rule.EventPattern)?.EventPattern, {
        source: ['aws.rds'],
        'detail-type': ['RDS DB Instance Event'],
        detail: { SourceIdentifier: [`booking-${envName}`], EventID: ['RDS-EVENT-0154', 'RDS-EVENT-0088'] },
      });
      assert.equal(targeting.find((rule) => rule.ScheduleExpression)?.ScheduleExpression, 'rate(5 minutes)');
      for (const rule of targeting) assert.deepEqual(rule.Targets[0].Arn, { 'Fn::GetAtt': [guard, 'Arn'] });
    });

    test(`${envName}: the guard may describe and stop its database, read its minimal snapshots and its own stack, get and put the state item, and write its log group`, () => {
      const json = platform.json(envName, 'data');
      const guard = guardOf(json);
      const roleId = json.Resources[guard].Properties.Role['Fn::GetAtt'][0];
      const logGroup = json.Resources[guard].Properties.LoggingConfig.LogGroup.Ref;
      const statements = resourcesOfType(json, 'AWS::IAM::Policy')
        .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
      assert.deepEqual(
        statements.map((s: any) => [s.Effect, [s.Action].flat().sort(), s.Resource, s.Condition]),
        [
          ['Allow', ['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': [logGroup, 'Arn'] }, undefined],
          [
            'Allow',
            ['rds:DescribeDBInstances', 'rds:StopDBInstance'],
            `arn:aws:rds:eu-west-2:111111111111:db:booking-${envName}`,
            undefined,
          ],
          [
            'Allow',
            ['rds:DescribeDBSnapshots'],
            `arn:aws:rds:eu-west-2:111111111111:snapshot:booking-${envName}-minimal-*`,
            undefined,
          ],
          [
            'Allow',
            ['cloudformation:DescribeStacks'],
            [`arn:aws:cloudformation:eu-west-2:111111111111:stack/booking-${envName}-app/*`, { Ref: 'AWS::StackId' }],
            undefined,
          ],
          [
            'Allow',
            ['dynamodb:GetItem', 'dynamodb:PutItem'],
            `arn:aws:dynamodb:eu-west-2:111111111111:table/booking-${envName}-ops-state`,
            undefined,
          ],
        ],
      );
      const [, role] = resourcesOfType(json, 'AWS::IAM::Role').find(([id]) => id === roleId)!;
      assert.equal(role.Properties.ManagedPolicyArns, undefined);
      assert.equal(role.Properties.Policies, undefined);
    });

    test(`${envName}: "running while paused" alarms to the ops topic after 12 of 12 five-minute periods, missing data breaching`, () => {
      const json = platform.json(envName, 'data');
      const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm')
        .map(([, alarm]) => alarm.Properties)
        .filter((alarm) => alarm.AlarmName === `booking-${envName}-running-while-paused`);
      assert.equal(alarms.length, 1);
      const [alarm] = alarms;
      assert.equal(alarm.Namespace, 'booking');
      assert.equal(alarm.MetricName, GUARD_METRIC.name);
      assert.deepEqual(alarm.Dimensions, [{ Name: GUARD_METRIC.dimension, Value: envName }]);
      assert.equal(alarm.Period, 300);
      assert.equal(alarm.EvaluationPeriods, 12);
      assert.equal(alarm.DatapointsToAlarm, 12);
      assert.equal(alarm.Threshold, 1);
      assert.equal(alarm.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
      assert.equal(alarm.TreatMissingData, 'breaching');
      assert.equal(alarm.AlarmActions.length, 1);
      const topic = alarm.AlarmActions[0]['Fn::GetStackOutput'];
      assert.equal(topic.StackName, `booking-${envName}-ops`);
      const opsOutput = platform.json(envName, 'ops').Outputs[topic.OutputName];
      const [topicId] = resourcesOfType(platform.json(envName, 'ops'), 'AWS::SNS::Topic')[0];
      assert.deepEqual(opsOutput.Value, { Ref: topicId }, 'the ops alert topic');
    });

    test(`${envName}: the structure gate is a Custom::EnvironmentStructure "running" answered by the guard, before the database`, () => {
      const json = platform.json(envName, 'data');
      const gates = resourcesOfType(json, 'Custom::EnvironmentStructure');
      assert.equal(gates.length, 1);
      assert.deepEqual(gates[0][1].Properties, {
        ServiceToken: { 'Fn::GetAtt': [guardOf(json), 'Arn'] },
        Structure: 'running',
        DatabaseInstance: 'present',
        RestoreFrom: '',
        EngineVersion: '18.6',
      });
      const [, instance] = resourcesOfType(json, 'AWS::RDS::DBInstance')[0];
      assert.ok(instance.DependsOn.includes(gates[0][0]));
    });

    test(`${envName}: connection facts are published under /booking/${envName}/${cacheTask ? " (the cache's: the cache task's Cloud Map name and password)" : ''}`, () => {
      const json = platform.json(envName, 'data');
      const names = resourcesOfType(json, 'AWS::SSM::Parameter')
        .map(([, p]) => p.Properties.Name)
        .sort();
      assert.deepEqual(
        names,
        [
          'cache/auth-token-secret-arn',
          'cache/host',
          'cache/port',
          'cache/tls',
          'database/host',
          'database/max-connections',
          'database/name',
          'database/port',
          'database/secret-arn',
        ].map((name) => `/booking/${envName}/${name}`),
      );
      const value = (name: string) =>
        resourcesOfType(json, 'AWS::SSM::Parameter').find(
          ([, p]) => p.Properties.Name === `/booking/${envName}/${name}`,
        )![1].Properties.Value;
      assert.equal(value('database/port'), '5432');
      assert.equal(value('database/name'), 'booking');
      assert.equal(value('database/max-connections'), String(maxConnectionsFor(want.instanceClass)));
      assert.equal(value('cache/tls'), 'true');
      assert.equal(value('cache/port'), '6379');
      assert.deepEqual(value('database/host'), {
        'Fn::GetAtt': [resourcesOfType(json, 'AWS::RDS::DBInstance')[0][0], 'Endpoint.Address'],
      });
      const secretNamed = (name: string) =>
        resourcesOfType(json, 'AWS::SecretsManager::Secret').find(([, s]) => s.Properties.Name === name)![0];
      assert.deepEqual(value('cache/auth-token-secret-arn'), {
        Ref: secretNamed(`booking-${envName}/cache/auth-token`),
      });
      assert.deepEqual(
        value('cache/host'),
        cacheTask
          ? `cache.booking-${envName}.internal`
          : {
              'Fn::GetAtt': [
                resourcesOfType(json, 'AWS::ElastiCache::ReplicationGroup')[0][0],
                'PrimaryEndPoint.Address',
              ],
            },
      );
    });
  }

  test('dev with ElastiCache: the cache lives in isolated subnets behind its own security group', () => {
    assertElastiCacheIsolated(devElastiCache.json('dev', 'data'));
  });

  /** ElastiCache as committed in prod, and on dev's sizes (dev's own cache is a task). */
  const elastiCacheCases = [
    { label: 'dev with ElastiCache', envName: 'dev', data: () => devElastiCache.json('dev', 'data') },
    { label: 'prod', envName: 'prod', data: () => platform.json('prod', 'data') },
  ] as const;
  for (const { label, envName, data } of elastiCacheCases) {
    const want = expected[envName];

    test(`${label}: cache is Valkey, one keyspace, encrypted, token-protected, never evicting`, () => {
      const template = Template.fromJSON(data());
      template.hasResource('AWS::ElastiCache::ReplicationGroup', {
        DeletionPolicy: want.cachePolicy,
        Properties: Match.objectLike({
          Engine: 'valkey',
          EngineVersion: '8.2',
          CacheNodeType: 'cache.t4g.micro',
          NumCacheClusters: want.nodes,
          AutomaticFailoverEnabled: want.nodes > 1,
          MultiAZEnabled: want.nodes > 1,
          AtRestEncryptionEnabled: true,
          TransitEncryptionEnabled: true,
          SnapshotRetentionLimit: want.snapshots,
          Port: 6379,
          // RBAC: the token is the password of the group's `default` user (see test/modules/cache-access.test.ts).
          UserGroupIds: Match.anyValue(),
          AuthToken: Match.absent(),
        }),
      });
      // Cluster mode off: a replication group of cache clusters, not node groups (shards).
      const [, group] = resourcesOfType(data(), 'AWS::ElastiCache::ReplicationGroup')[0];
      assert.equal(group.Properties.NumNodeGroups, undefined);
      template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
        CacheParameterGroupFamily: 'valkey8',
        Properties: { 'maxmemory-policy': 'noeviction' },
      });
    });
  }

  test('cache engine comes from config: Redis OSS synthesizes with its own version and family', () => {
    const template = redis.template('prod', 'data');
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { Engine: 'redis', EngineVersion: '7.1' });
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'redis7',
      Properties: { 'maxmemory-policy': 'noeviction' },
    });
  });

  test('termination protection: on for the prod stacks that hold or reach the data (data, network, ops)', () => {
    for (const part of ['data', 'network', 'ops']) {
      assert.equal(platform.artifact('prod', part).terminationProtection, true, `prod ${part}`);
      assert.equal(platform.artifact('dev', part).terminationProtection ?? false, false, `dev ${part}`);
    }
    // Stateless and replaced freely: the app (services, load balancer) and the pipeline.
    for (const part of ['app', 'pipeline']) {
      assert.equal(platform.artifact('prod', part).terminationProtection ?? false, false, `prod ${part}`);
    }
  });

  test("prod's database and cache secrets are kept with the data; dev's go with the stack", () => {
    for (const [envName, policy] of [
      ['prod', 'Retain'],
      ['dev', 'Delete'],
    ] as const) {
      const secrets = resourcesOfType(platform.json(envName, 'data'), 'AWS::SecretsManager::Secret');
      assert.ok(secrets.length >= 2, `${envName}: the database's and the cache's`);
      for (const [logicalId, secret] of secrets) {
        assert.equal(secret.DeletionPolicy, policy, `${envName} ${logicalId}`);
        assert.equal(secret.UpdateReplacePolicy, policy, `${envName} ${logicalId}`);
      }
    }
  });

  test('no template holds a plaintext password, token or secret', () => {
    const sensitiveProperty = /password|token|secret|passphrase|credential/i;
    const safeProperty = /Arn$|Name$|Id$|Description$|^GenerateSecretString$|^ServiceToken$/;
    for (const stack of platform.assembly.stacksRecursively) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources as Record<string, any>)) {
        // Secrets are generated by Secrets Manager, never given a value in the template.
        if (resource.Type === 'AWS::SecretsManager::Secret') {
          assert.equal(resource.Properties.SecretString, undefined, `${stack.stackName} ${logicalId}`);
          assert.ok(resource.Properties.GenerateSecretString, `${stack.stackName} ${logicalId} generates its value`);
        }
        // Every other password-like property resolves a secret at deploy time.
        for (const [property, value] of Object.entries(resource.Properties ?? {})) {
          if (!sensitiveProperty.test(property) || safeProperty.test(property)) continue;
          if (resource.Type === 'AWS::SecretsManager::Secret') continue;
          assert.match(
            JSON.stringify(value),
            /\{\{resolve:(secretsmanager|ssm-secure):/,
            `${stack.stackName} ${logicalId}.${property}`,
          );
        }
      }
      for (const [path, value] of strings(stack.template)) {
        assert.doesNotMatch(
          value,
          /^(postgres|rediss?):\/\/[^/]*:[^@/]+@/,
          `${stack.stackName} ${path.join('.')} embeds credentials in a URL`,
        );
      }
    }
  });

  test('minimal state: the structure gate says "minimal"; the guard, its rules and its alarm stay', () => {
    const json = minimal.json('dev', 'data');
    const [[, gate]] = resourcesOfType(json, 'Custom::EnvironmentStructure');
    assert.equal(gate.Properties.Structure, 'minimal');
    const guard = guardOf(json);
    assert.equal(
      resourcesOfType(json, 'AWS::Events::Rule').filter(([, rule]) =>
        JSON.stringify(rule.Properties.Targets).includes(`"${guard}"`),
      ).length,
      2,
    );
    assert.ok(
      resourcesOfType(json, 'AWS::CloudWatch::Alarm').some(
        ([, alarm]) => alarm.Properties.AlarmName === 'booking-dev-running-while-paused',
      ),
    );
  });

  test("minimal state: no cache (prod's ElastiCache, dev's cache task files and secrets), no cache parameters; prod's database stays, dev's is kept as a snapshot", () => {
    const cacheTypes = [
      'AWS::ElastiCache::ReplicationGroup',
      'AWS::ElastiCache::SubnetGroup',
      'AWS::ElastiCache::ParameterGroup',
      'AWS::EFS::FileSystem',
      'AWS::EFS::MountTarget',
      'AWS::EFS::AccessPoint',
    ];
    for (const envName of ['dev', 'prod']) {
      const json = minimal.json(envName, 'data');
      for (const type of cacheTypes) assert.equal(resourcesOfType(json, type).length, 0, `${envName} ${type}`);
      // dev: database.whileMinimal 'snapshot' (test/stacks/database-kept-as-snapshot.test.ts).
      assert.equal(resourcesOfType(json, 'AWS::RDS::DBInstance').length, envName === 'prod' ? 1 : 0, envName);
      const names = resourcesOfType(json, 'AWS::SSM::Parameter').map(([, p]) => p.Properties.Name);
      assert.ok(
        names.every((name: string) => !name.includes('/cache/')),
        `${envName}: ${names.join(', ')}`,
      );
      const secrets = resourcesOfType(json, 'AWS::SecretsManager::Secret').map(([, s]) => s.Properties.Name);
      assert.ok(
        secrets.every((name: string) => !name.includes('/cache/')),
        `${envName}: ${secrets.join(', ')}`,
      );
    }
    // What minimal removes is there while running.
    const running = (envName: string, type: string) => resourcesOfType(platform.json(envName, 'data'), type).length;
    assert.equal(running('prod', 'AWS::ElastiCache::ReplicationGroup'), 1);
    assert.equal(running('dev', 'AWS::EFS::FileSystem'), 1);
  });

  test('max_connections follows RDS: memory / 9531392, capped at 5000', () => {
    assert.equal(maxConnectionsFor('db.t4g.micro'), 112);
    assert.equal(maxConnectionsFor('db.t4g.small'), 225);
    assert.equal(maxConnectionsFor('db.t4g.2xlarge'), 3604);
    assert.throws(() => maxConnectionsFor('db.x1.nope'), /unknown RDS class "db.x1.nope"/);
  });

  test('bad data-tier config fails with a clear message', () => {
    const oneZone = findConfigIssues(
      withEnvironment('dev', { availabilityZones: ['eu-west-2a'], database: { multiAz: true } }),
    );
    assert.ok(
      oneZone.some(
        (issue) =>
          issue.field === 'dev.database.multiAz' &&
          issue.message === 'true needs at least two availability zones (add a zone or set multiAz: false)',
      ),
    );
    const snapshots = findConfigIssues(
      withEnvironment('dev', { cache: { snapshotRetentionDays: 36 } }, devOnElastiCache),
    );
    assert.deepEqual(snapshots, [
      {
        field: 'dev.cache.snapshotRetentionDays',
        message: '36 is out of range (use a whole number from 0 to 35, as ElastiCache allows)',
      },
    ]);
    const storage = findConfigIssues(withEnvironment('dev', { database: { allocatedStorageGiB: 10 } }));
    assert.deepEqual(storage, [
      {
        field: 'dev.database.allocatedStorageGiB',
        message: '10 is out of range (use a whole number from 20 to 65536 GiB; gp3 needs 20 or more)',
      },
    ]);
    const secret = findConfigIssues(withEnvironment('dev', { applicationSecrets: ['django-secret'] }));
    assert.equal(secret[0].field, 'dev.applicationSecrets[0]');
  });
});
