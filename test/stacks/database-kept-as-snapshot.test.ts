import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { findConfigIssues, platformConfig, type PlatformConfig } from '../../src/config';
import { estimateStates } from '../../src/cost/environment-cost';
import { onlyEnvironment, resourcesOfType, synth, type SynthesizedPlatform, withEnvironment } from '../helpers';

// dev keeps its data as a snapshot while minimal (database.whileMinimal: 'snapshot'): the minimal
// deploy deletes the instance, the running one restores it from the snapshot `booking-infra
// minimal` took. What must hold across the three templates: the secrets and the instance keep
// their logical ids (nothing replaced but the instance that is meant to come and go), the gate
// runs before the instance changes, and an environment turning the mode on replaces nothing.

const KEPT = 'booking-dev-minimal-20261128t013000z';
const devOnly = onlyEnvironment(platformConfig, 'dev');
const variant = (patch: Parameters<typeof withEnvironment>[1]): PlatformConfig =>
  withEnvironment('dev', patch, devOnly);

function byType(json: Record<string, any>, type: string): Record<string, any> {
  return Object.fromEntries(resourcesOfType(json, type));
}

function gateOf(json: Record<string, any>): [string, any] {
  const gates = resourcesOfType(json, 'Custom::EnvironmentStructure');
  assert.equal(gates.length, 1);
  return gates[0];
}

describe('database kept as a snapshot while minimal (dev)', () => {
  let stoppedMode: Record<string, any>;
  let running: Record<string, any>;
  let minimal: Record<string, any>;
  let restored: Record<string, any>;
  let restoredApp: Record<string, any>;

  before(() => {
    const data = (platform: SynthesizedPlatform) => platform.json('dev', 'data');
    stoppedMode = data(synth(variant({ database: { whileMinimal: 'stopped' } })));
    running = data(synth(devOnly));
    minimal = data(synth(variant({ state: 'minimal' })));
    const restoredPlatform = synth(variant({ database: { restoredFromMinimalSnapshot: KEPT } }));
    restored = data(restoredPlatform);
    restoredApp = restoredPlatform.json('dev', 'app');
  });

  test('turning the mode on replaces nothing: the instance and the master secret keep their ids and properties', () => {
    const withoutTags = ({ Tags: _tags, ...rest }: Record<string, any>) => rest;
    for (const type of [
      'AWS::RDS::DBInstance',
      'AWS::SecretsManager::Secret',
      'AWS::SecretsManager::SecretTargetAttachment',
    ]) {
      const before = byType(stoppedMode, type);
      const after = byType(running, type);
      assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort(), type);
      for (const [id, resource] of Object.entries(after)) {
        assert.deepEqual(withoutTags(resource.Properties), withoutTags(before[id].Properties), `${type} ${id}`);
        assert.equal(resource.DeletionPolicy, before[id].DeletionPolicy, `${type} ${id}`);
        // Tags update in place. Made apart from the instance, the master secret no longer inherits
        // the instance's backup-plan tag (AWS Backup does not back secrets up anyway).
        const tags = (r: any) => (r.Properties.Tags ?? []).filter((t: any) => t.Key !== 'backup-plan');
        assert.deepEqual(tags(resource), tags(before[id]), `${type} ${id} tags`);
      }
    }
  });

  test('running: the instance waits for the gate, which says what the deploy does to the database', () => {
    const [gateId, gate] = gateOf(running);
    assert.deepEqual(gate.Properties, {
      ServiceToken: gate.Properties.ServiceToken,
      Structure: 'running',
      DatabaseInstance: 'present',
      RestoreFrom: '',
      EngineVersion: '18.6',
    });
    const [, instance] = resourcesOfType(running, 'AWS::RDS::DBInstance')[0];
    assert.ok(instance.DependsOn.includes(gateId), instance.DependsOn.join(', '));
    // dev deletes with a final snapshot as well (the removal policy of an unprotected database).
    assert.equal(instance.DeletionPolicy, 'Snapshot');
    assert.equal(instance.Properties.StorageEncrypted, true);
  });

  test('minimal: no instance and nothing attached to one; the three secrets stay, the master one carrying the snapshot for the cost estimator', () => {
    assert.equal(resourcesOfType(minimal, 'AWS::RDS::DBInstance').length, 0);
    assert.equal(resourcesOfType(minimal, 'AWS::SecretsManager::SecretTargetAttachment').length, 0);
    assert.equal(resourcesOfType(minimal, 'AWS::SecretsManager::RotationSchedule').length, 0);
    const secrets = byType(minimal, 'AWS::SecretsManager::Secret');
    const runningSecrets = byType(running, 'AWS::SecretsManager::Secret');
    const databaseSecrets = (all: Record<string, any>) =>
      Object.entries(all)
        .filter(([, s]) => String(s.Properties.Name).includes('/database/'))
        .map(([id, s]) => `${id} ${s.Properties.Name}`)
        .sort();
    assert.deepEqual(databaseSecrets(secrets), databaseSecrets(runningSecrets));
    assert.equal(databaseSecrets(secrets).length, 3);
    const master = Object.values(secrets).find((s: any) => s.Properties.Name === 'booking-dev/database/master');
    assert.ok(
      master.Properties.Tags.some(
        (t: any) => t.Key === 'booking:database-kept-as-snapshot' && t.Value === 'booking-dev',
      ),
    );
    // Nothing to publish a host for; the rest of the connection facts stay.
    const parameters = resourcesOfType(minimal, 'AWS::SSM::Parameter').map(([, p]) => p.Properties.Name);
    assert.ok(!parameters.includes('/booking/dev/database/host'), parameters.join(', '));
    assert.ok(
      parameters.includes('/booking/dev/database/secret-arn') ||
        parameters.some((n: string) => n.includes('/database/')),
    );
    const [, gate] = gateOf(minimal);
    assert.equal(gate.Properties.Structure, 'minimal');
    assert.equal(gate.Properties.DatabaseInstance, 'none');
  });

  test('restored: the same instance logical id, created from the snapshot with the unchanged master secret', () => {
    const [id, instance] = resourcesOfType(restored, 'AWS::RDS::DBInstance')[0];
    const [runningId] = resourcesOfType(running, 'AWS::RDS::DBInstance')[0];
    assert.equal(id, runningId);
    const props = instance.Properties;
    assert.equal(props.DBSnapshotIdentifier, KEPT);
    // A restore keeps the snapshot's user, database and encryption: CloudFormation refuses them.
    for (const absent of ['MasterUsername', 'DBName', 'StorageEncrypted'])
      assert.equal(props[absent], undefined, absent);
    const secretId = Object.entries(byType(running, 'AWS::SecretsManager::Secret')).find(
      ([, s]) => s.Properties.Name === 'booking-dev/database/master',
    )![0];
    assert.match(JSON.stringify(props.MasterUserPassword), new RegExp(`"Ref":"${secretId}"`));
    assert.ok(byType(restored, 'AWS::SecretsManager::Secret')[secretId], 'the master secret keeps its logical id');
    // Everything else is as the instance created empty: class, storage, network, backups.
    const runningProps = resourcesOfType(running, 'AWS::RDS::DBInstance')[0][1].Properties;
    for (const key of [
      'DBInstanceClass',
      'AllocatedStorage',
      'StorageType',
      'DBSubnetGroupName',
      'VPCSecurityGroups',
      'BackupRetentionPeriod',
      'DBInstanceIdentifier',
      'DBParameterGroupName',
    ]) {
      assert.deepEqual(props[key], runningProps[key], key);
    }
    const [gateId, gate] = gateOf(restored);
    assert.equal(gate.Properties.RestoreFrom, KEPT);
    assert.ok(instance.DependsOn.includes(gateId));
    // The services come back with it.
    assert.equal(resourcesOfType(restoredApp, 'AWS::ECS::Service').length, 3);
  });

  test("validation: the mode is refused with deletion protection, the restored snapshot needs the mode and RDS's identifier rules", () => {
    const messages = (config: PlatformConfig) =>
      findConfigIssues(config).map((issue) => `${issue.field}: ${issue.message}`);
    assert.deepEqual(
      messages(variant({ deletionProtection: true })).filter((m) => m.includes('whileMinimal')),
      [
        'dev.database.whileMinimal: "snapshot" deletes the database with the minimal deploy, but deletionProtection is on (the instance would be retained, not deleted, and billed on): use "stopped" here, or turn deletionProtection off',
      ],
    );
    assert.ok(
      messages(withEnvironment('prod', { database: { whileMinimal: 'snapshot' } })).some(
        (m) =>
          m.startsWith('prod.database.whileMinimal: "snapshot" deletes the database') &&
          m.includes('a production environment protects its data'),
      ),
    );
    assert.ok(
      messages(variant({ database: { whileMinimal: 'stopped', restoredFromMinimalSnapshot: KEPT } })).some((m) =>
        m.startsWith(`dev.database.restoredFromMinimalSnapshot: "${KEPT}" is set but whileMinimal is "stopped"`),
      ),
    );
    assert.ok(
      messages(variant({ database: { restoredFromMinimalSnapshot: 'booking--dev' } })).some((m) =>
        m.startsWith('dev.database.restoredFromMinimalSnapshot: "booking--dev" is not an RDS snapshot identifier'),
      ),
    );
    assert.ok(
      messages(variant({ database: { whileMinimal: 'deleted' as never } })).some((m) =>
        m.startsWith('dev.database.whileMinimal:'),
      ),
    );
    assert.deepEqual(messages(variant({ database: { restoredFromMinimalSnapshot: KEPT } })), []);
  });

  test('cost: minimal prices the snapshot (the data, no free allowance) instead of the stopped volume, within the target of 4', () => {
    const costs = estimateStates(devOnly, devOnly.environments);
    const minimalCost = costs.find((e) => e.state === 'minimal')!;
    assert.ok(minimalCost.totalUsd <= 4, `dev minimal ${minimalCost.totalUsd}`);
    assert.ok(!minimalCost.lines.some((line) => line.type === 'AWS::RDS::DBInstance'));
    const master = minimalCost.lines.find((line) => line.basis.includes("snapshot keeping booking-dev's data"));
    assert.ok(master, 'a line prices the snapshot');
    // 1 GB of data (usage.databaseDataGiB) at 0.10 USD per GB-month, besides the secret's 0.40.
    assert.equal(master.monthlyUsd, 0.5);
    const paused = costs.find((e) => e.state === 'paused')!;
    assert.ok(
      paused.lines.some((line) => line.type === 'AWS::RDS::DBInstance'),
      'paused keeps the stopped instance',
    );
  });
});
