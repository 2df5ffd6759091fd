import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, findConfigIssues, platformConfig, type PlatformConfig } from '../../src/config';
import { estimateShared } from '../../src/cost/environment-cost';
import { resourcesOfType, synth, type SynthesizedPlatform, withEnvironment } from '../helpers';

const ZONE_ID = 'Z0123456789ABCDEFGHIJ';
const REPOSITORY = 'lichnails/booking-api';
const SNAPSHOT = 'booking-dev-final';
const MASTER_USER = 'booking';

/**
 * The Terraform platform adopted (issue 13, item 5): its zone (records left as they are), its ECR
 * repository, and dev's database restored from the old database's final snapshot. prod is as
 * committed.
 */
const migration: PlatformConfig = withEnvironment(
  'dev',
  { database: { restoreFromSnapshot: { snapshotIdentifier: SNAPSHOT, masterUsername: MASTER_USER } } },
  {
    ...platformConfig,
    shared: {
      ...platformConfig.shared,
      hostedZone: { mode: 'adopt', id: ZONE_ID, existingRecords: 'leave' },
      imageRepository: { mode: 'adopt', name: REPOSITORY },
    },
  },
);

describe('migrating from the Terraform platform: adopted zone and repository, database from a snapshot', () => {
  let platform: SynthesizedPlatform;
  before(() => {
    // With the quality gates on: an unacknowledged cdk-nag finding fails the synth.
    platform = synth(migration);
  });

  test('the migration config is valid', () => {
    assert.deepEqual(findConfigIssues(migration), []);
  });

  test('the adopted zone gets no CNAME and no CAA record, and its id is still handed to the environments', () => {
    const json = platform.json('shared', 'dns');
    assert.equal(resourcesOfType(json, 'AWS::Route53::HostedZone').length, 0);
    assert.deepEqual(resourcesOfType(json, 'AWS::Route53::RecordSet'), []);
    const [, parameter] = resourcesOfType(json, 'AWS::SSM::Parameter')[0];
    assert.equal(parameter.Properties.Value, ZONE_ID);
  });

  test('no ECR repository is created anywhere; the images stack is gone', () => {
    for (const stack of platform.assembly.stacksRecursively) {
      assert.deepEqual(resourcesOfType(stack.template, 'AWS::ECR::Repository'), [], stack.stackName);
    }
    assert.throws(() => platform.artifact('shared', 'images'), /no stack booking-shared-images/);
  });

  for (const envName of ['dev', 'prod']) {
    const arn = `arn:aws:ecr:eu-west-2:${environmentNamed(migration, envName).account}:repository/${REPOSITORY}`;
    const cacheTask = environmentNamed(migration, envName).cache.hosting === 'task';

    test(`${envName}: the tasks pull from, and the pipeline pushes to, the adopted repository${cacheTask ? ' (the cache task from none: it runs its own image)' : ''}`, () => {
      // The application's tasks (the database roles task and dev's cache task run the platform's
      // own image assets).
      const executionPolicies = resourcesOfType(platform.json(envName, 'app'), 'AWS::IAM::Policy').filter(([id]) =>
        /ExecutionRole/.test(id),
      );
      const pulls = executionPolicies.filter(
        ([id]) => !id.startsWith('DatabaseAccess') && !id.startsWith('RestoreDrill') && !id.startsWith('CacheService'),
      );
      assert.ok(pulls.length >= 2);
      for (const [id, policy] of pulls) {
        const pull = policy.Properties.PolicyDocument.Statement.find((s: any) =>
          [s.Action].flat().includes('ecr:BatchGetImage'),
        );
        assert.ok([pull.Resource].flat().includes(arn), `${id} pulls from ${JSON.stringify(pull.Resource)}`);
      }
      // The cache task pulls its own image asset only, never the application's.
      const cachePulls = executionPolicies.filter(([id]) => id.startsWith('CacheService'));
      assert.equal(cachePulls.length, cacheTask ? 1 : 0);
      for (const [id, policy] of cachePulls) {
        assert.ok(!JSON.stringify(policy.Properties.PolicyDocument).includes(REPOSITORY), id);
      }
      const pipeline = JSON.stringify(resourcesOfType(platform.json(envName, 'pipeline'), 'AWS::IAM::Policy'));
      assert.ok(pipeline.includes(`"Resource":"${arn}","Sid":"PushToItsRepository"`));
      assert.ok(!JSON.stringify(platform.json(envName, 'app')).includes(':repository/booking"'));
    });

    test(`${envName}: the release parameter starts at the adopted repository's image`, () => {
      const release = resourcesOfType(platform.json(envName, 'ops'), 'AWS::SSM::Parameter').find(
        ([, p]) => p.Properties.Name === `/booking/${envName}/release/image`,
      );
      assert.equal(
        release?.[1].Properties.Value,
        `${environmentNamed(migration, envName).account}.dkr.ecr.eu-west-2.amazonaws.com/${REPOSITORY}:latest-release`,
      );
    });
  }

  test('dev: the instance is restored from the snapshot, with a new password for its master user', () => {
    const json = platform.json('dev', 'data');
    const instances = resourcesOfType(json, 'AWS::RDS::DBInstance');
    assert.equal(instances.length, 1);
    const [, instance] = instances[0];
    assert.equal(instance.Properties.DBSnapshotIdentifier, SNAPSHOT);
    assert.equal(instance.Properties.DBInstanceIdentifier, 'booking-dev');
    assert.equal(instance.Properties.EngineVersion, environmentNamed(migration, 'dev').database.engineVersion);
    // The snapshot keeps its master user, database and encryption: none may be set on a restore.
    for (const inherited of ['MasterUsername', 'DBName', 'StorageEncrypted']) {
      assert.equal(instance.Properties[inherited], undefined, inherited);
    }
    const [[secretId, secret]] = resourcesOfType(json, 'AWS::SecretsManager::Secret').filter(
      ([, s]) => s.Properties.Name === 'booking-dev/database/master',
    );
    assert.deepEqual(JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate), {
      username: MASTER_USER,
    });
    assert.equal(secret.Properties.GenerateSecretString.GenerateStringKey, 'password');
    assert.ok(JSON.stringify(instance.Properties.MasterUserPassword).includes(secretId));
    // The same settings as an empty instance: parameter group, subnets, security group, logs.
    for (const property of ['DBParameterGroupName', 'DBSubnetGroupName', 'VPCSecurityGroups']) {
      assert.notEqual(instance.Properties[property], undefined, property);
    }
    assert.deepEqual(instance.Properties.EnableCloudwatchLogsExports, ['postgresql', 'upgrade']);
  });

  test('the deletion policy per environment is what it is today: dev Snapshot, prod Retain', () => {
    for (const [envName, policy, protect] of [
      ['dev', 'Snapshot', false],
      ['prod', 'Retain', true],
    ] as const) {
      const [[, instance]] = resourcesOfType(platform.json(envName, 'data'), 'AWS::RDS::DBInstance');
      assert.equal(instance.DeletionPolicy, policy, envName);
      assert.equal(instance.UpdateReplacePolicy, policy, envName);
      assert.equal(instance.Properties.DeletionProtection, protect, envName);
    }
    const [[, prod]] = resourcesOfType(platform.json('prod', 'data'), 'AWS::RDS::DBInstance');
    assert.equal(prod.Properties.DBSnapshotIdentifier, undefined);
    assert.equal(prod.Properties.StorageEncrypted, true);
  });

  test('the adopted repository is still priced in the shared estimate', () => {
    const line = estimateShared(migration).lines.find((l) => l.type === 'AWS::ECR::Repository');
    assert.ok(line, 'no ECR line');
    assert.ok(line.monthlyUsd > 0);
  });
});
