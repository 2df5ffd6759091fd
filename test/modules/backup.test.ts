/**
 * AWS Backup (issue 16, item 1): the vault, its key and lock, the plan's rules and copies, the
 * selection by tag, the DR region's stack, the media bucket's replication, the restore drill's
 * task and monthly schedule, their validation and their price.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { platformConfig } from '../../src/config';
import type { EnvironmentConfig } from '../../src/config/types';
import { validateBackup } from '../../src/config/validate/backup';
import { findConfigIssues } from '../../src/config/validate';
import { IssueCollector } from '../../src/config/validate/issues';
import { estimateEnvironments } from '../../src/cost/environment-cost';
import { backupSchedules } from '../../src/modules/backup/backup-plan';
import { DRILL_VERIFY_SQL } from '../../src/modules/backup/restore-drill';
import { RESTORE_DRILL, STACK_OUTPUTS } from '../../src/ops/contracts';
import { iamStatements, resourcesOfType, synth, withEnvironment, type SynthesizedPlatform } from '../helpers';

const prodConfig = platformConfig.environments.find((env) => env.name === 'prod')!;
const devConfig = platformConfig.environments.find((env) => env.name === 'dev')!;

function backupIssues(env: EnvironmentConfig): string[] {
  const issues = new IssueCollector();
  validateBackup(env, issues);
  return issues.issues.map((issue) => `${issue.field}: ${issue.message}`);
}

function only<T>(items: T[], what: string): T {
  assert.equal(items.length, 1, `one ${what} expected, found ${items.length}`);
  return items[0];
}

describe('backup: vault, plan, copy, lock', () => {
  let platform: SynthesizedPlatform;
  let prodData: Record<string, any>;
  let devData: Record<string, any>;
  let recovery: Record<string, any>;
  before(() => {
    platform = synth();
    prodData = platform.json('prod', 'data');
    devData = platform.json('dev', 'data');
    recovery = platform.json('prod', 'recovery');
  });

  test('prod: a vault under its own rotated key, locked in governance mode, kept on deletion', () => {
    const [, vault] = only(resourcesOfType(prodData, 'AWS::Backup::BackupVault'), 'vault');
    assert.equal(vault.Properties.BackupVaultName, 'booking-prod');
    assert.deepEqual(vault.Properties.LockConfiguration, { MinRetentionDays: 7, MaxRetentionDays: 400 });
    assert.equal(vault.DeletionPolicy, 'Retain');
    const [keyId, key] = only(resourcesOfType(prodData, 'AWS::KMS::Key'), 'key');
    assert.equal(key.Properties.EnableKeyRotation, true);
    assert.equal(key.DeletionPolicy, 'Retain');
    assert.deepEqual(vault.Properties.EncryptionKeyArn, { 'Fn::GetAtt': [keyId, 'Arn'] });
  });

  test('dev: the AWS managed key (no key to pay for), no lock, no copy', () => {
    const [, vault] = only(resourcesOfType(devData, 'AWS::Backup::BackupVault'), 'vault');
    assert.equal(vault.Properties.EncryptionKeyArn, undefined);
    assert.equal(vault.Properties.LockConfiguration, undefined);
    assert.equal(resourcesOfType(devData, 'AWS::KMS::Key').length, 0);
    const [, plan] = only(resourcesOfType(devData, 'AWS::Backup::BackupPlan'), 'plan');
    const rules = plan.Properties.BackupPlan.BackupPlanRule;
    assert.deepEqual(
      rules.map((rule: any) => [rule.RuleName, rule.Lifecycle.DeleteAfterDays, rule.CopyActions]),
      [['Daily', 7, undefined]],
    );
    assert.throws(() => platform.artifact('dev', 'recovery'), /no stack booking-dev-recovery/);
    // dev's schedule stops the database at night and at weekends: its backup runs at noon on weekdays.
    assert.equal(rules[0].ScheduleExpression, 'cron(0 12 ? * MON-FRI *)');
  });

  test('prod: daily, weekly and monthly rules after the RDS windows, each copied to us-east-1 for 35 days', () => {
    const [, plan] = only(resourcesOfType(prodData, 'AWS::Backup::BackupPlan'), 'plan');
    const rules = plan.Properties.BackupPlan.BackupPlanRule;
    assert.deepEqual(
      rules.map((rule: any) => [rule.RuleName, rule.ScheduleExpression, rule.Lifecycle.DeleteAfterDays]),
      [
        ['Daily', 'cron(0 3 * * ? *)', 35],
        ['Weekly', 'cron(0 3 ? * SUN *)', 90],
        ['Monthly', 'cron(0 3 1 * ? *)', 365],
      ],
    );
    for (const rule of rules) {
      assert.equal(rule.StartWindowMinutes, 60);
      assert.deepEqual(rule.CopyActions, [
        {
          DestinationBackupVaultArn: 'arn:aws:backup:us-east-1:111111111111:backup-vault:booking-prod',
          Lifecycle: { DeleteAfterDays: 35 },
        },
      ]);
    }
  });

  test('the selection is by tag, and the database carries the tag', () => {
    const [, selection] = only(resourcesOfType(prodData, 'AWS::Backup::BackupSelection'), 'selection');
    assert.deepEqual(selection.Properties.BackupSelection.ListOfTags, [
      { ConditionKey: 'backup-plan', ConditionValue: 'booking-prod', ConditionType: 'STRINGEQUALS' },
    ]);
    const [, instance] = only(resourcesOfType(prodData, 'AWS::RDS::DBInstance'), 'database');
    assert.ok(instance.Properties.Tags.some((tag: any) => tag.Key === 'backup-plan' && tag.Value === 'booking-prod'));
  });

  test('failed backup and copy jobs reach the ops topic', () => {
    const rules = resourcesOfType(prodData, 'AWS::Events::Rule').filter(([, rule]) =>
      rule.Properties.EventPattern?.source?.includes('aws.backup'),
    );
    const types = rules.map(([, rule]) => rule.Properties.EventPattern['detail-type'][0]).sort();
    assert.deepEqual(types, ['Backup Job State Change', 'Copy Job State Change']);
    for (const [, rule] of rules) {
      assert.ok(rule.Properties.EventPattern.detail.state.includes('FAILED'));
      assert.equal(rule.Properties.Targets.length, 1);
    }
  });

  test('the DR region stack: a copy vault of the same name, its own key and lock, the media replica', () => {
    const stack = platform.artifact('prod', 'recovery');
    assert.equal(stack.environment.region, 'us-east-1');
    assert.equal(stack.terminationProtection, true);
    const [, vault] = only(resourcesOfType(recovery, 'AWS::Backup::BackupVault'), 'copy vault');
    assert.equal(vault.Properties.BackupVaultName, 'booking-prod');
    assert.deepEqual(vault.Properties.LockConfiguration, { MinRetentionDays: 7, MaxRetentionDays: 400 });
    assert.equal(resourcesOfType(recovery, 'AWS::KMS::Key').length, 1);
    const [, replica] = only(resourcesOfType(recovery, 'AWS::S3::Bucket'), 'replica');
    assert.equal(replica.Properties.BucketName, 'booking-prod-media-replica-111111111111');
    assert.equal(replica.Properties.VersioningConfiguration.Status, 'Enabled');
    assert.equal(replica.DeletionPolicy, 'Retain');
    const dataStack = platform.artifact('prod', 'data');
    assert.ok(
      dataStack.dependencies.some((dependency) => dependency.id === stack.id),
      'data deploys after recovery',
    );
  });

  test('the media bucket replicates every new version to the replica, delete markers excepted', () => {
    const bucket = resourcesOfType(prodData, 'AWS::S3::Bucket').find(([id]) => id.startsWith('StorageBucket'))![1];
    const rules = bucket.Properties.ReplicationConfiguration.Rules;
    assert.equal(rules.length, 1);
    assert.equal(rules[0].Destination.Bucket, 'arn:aws:s3:::booking-prod-media-replica-111111111111');
    assert.deepEqual(rules[0].DeleteMarkerReplication, { Status: 'Disabled' });
    assert.equal(rules[0].Status, 'Enabled');
    const devBucket = resourcesOfType(devData, 'AWS::S3::Bucket').find(([id]) => id.startsWith('StorageBucket'))![1];
    assert.equal(devBucket.Properties.ReplicationConfiguration, undefined);
  });

  test('minimal: no plan (the database stays stopped: nothing to back up, every job would fail), the vault and its points stay', () => {
    // With the database kept stopped while minimal (whileMinimal 'stopped'; dev keeps it as a
    // snapshot, below).
    const minimal = synth(withEnvironment('dev', { state: 'minimal', database: { whileMinimal: 'stopped' } })).json(
      'dev',
      'data',
    );
    assert.equal(resourcesOfType(minimal, 'AWS::Backup::BackupPlan').length, 0);
    assert.equal(resourcesOfType(minimal, 'AWS::Backup::BackupSelection').length, 0);
    const [, vault] = only(resourcesOfType(minimal, 'AWS::Backup::BackupVault'), 'vault');
    assert.equal(vault.Properties.BackupVaultName, 'booking-dev');
    // The database keeps its tag: removing one is an RDS modification, which a stopped instance refuses.
    const [, instance] = only(resourcesOfType(minimal, 'AWS::RDS::DBInstance'), 'database');
    assert.ok(instance.Properties.Tags.some((tag: any) => tag.Key === 'backup-plan' && tag.Value === 'booking-dev'));
    // Kept as a snapshot (dev's config): no instance to tag, and the vault with its points stays.
    const kept = synth(withEnvironment('dev', { state: 'minimal' })).json('dev', 'data');
    assert.equal(resourcesOfType(kept, 'AWS::RDS::DBInstance').length, 0);
    assert.equal(resourcesOfType(kept, 'AWS::Backup::BackupPlan').length, 0);
    only(resourcesOfType(kept, 'AWS::Backup::BackupVault'), 'vault');
  });
});

describe('restore drill: the verification task and the monthly schedule', () => {
  let prodApp: Record<string, any>;
  let devApp: Record<string, any>;
  before(() => {
    const platform = synth();
    prodApp = platform.json('prod', 'app');
    devApp = platform.json('dev', 'app');
  });

  test('the task runs psql over verify-full TLS, its password from the drill secret, nothing else in its environment', () => {
    const [, definition] = resourcesOfType(prodApp, 'AWS::ECS::TaskDefinition').find(
      ([, resource]) => resource.Properties.Family === RESTORE_DRILL.taskFamily('booking', 'prod'),
    )!;
    const [container] = definition.Properties.ContainerDefinitions;
    assert.equal(container.Name, RESTORE_DRILL.containerName);
    assert.deepEqual(container.EntryPoint, ['psql']);
    assert.ok(container.Command[0].includes('sslmode=verify-full'));
    assert.equal(container.Command.at(-1), DRILL_VERIFY_SQL);
    assert.equal(container.Environment, undefined);
    assert.deepEqual(
      container.Secrets.map((secret: any) => secret.Name),
      ['PGPASSWORD'],
    );
    assert.match(JSON.stringify(container.Secrets[0].ValueFrom), /secret:booking\/prod\/restore-drill/);
    assert.equal(container.ReadonlyRootFilesystem, true);
  });

  test('the outputs the CLI reads are there', () => {
    for (const key of [
      STACK_OUTPUTS.app.restoreDrillTaskFamily,
      STACK_OUTPUTS.app.restoreDrillSubnetIds,
      STACK_OUTPUTS.app.restoreDrillTaskSecurityGroupId,
      STACK_OUTPUTS.app.restoreDrillDatabaseSecurityGroupId,
      STACK_OUTPUTS.app.restoreDrillAssignPublicIp,
    ]) {
      assert.ok(prodApp.Outputs[key], `prod output ${key}`);
      assert.ok(devApp.Outputs[key], `dev output ${key}`);
    }
  });

  test('prod: a monthly schedule starts a state machine that always cleans up, and its failure pages', () => {
    const [, schedule] = only(resourcesOfType(prodApp, 'AWS::Scheduler::Schedule'), 'schedule');
    assert.equal(schedule.Properties.ScheduleExpression, 'cron(0 4 1 * ? *)');
    const [, machine] = only(resourcesOfType(prodApp, 'AWS::StepFunctions::StateMachine'), 'state machine');
    const definition = JSON.parse(
      (machine.Properties.DefinitionString['Fn::Join'][1] as unknown[])
        .map((part) => (typeof part === 'string' ? part : 'ARN'))
        .join(''),
    );
    assert.equal(definition.TimeoutSeconds, 4 * 3600);
    // A start that fails still hands the cleanup a state path (null: a sweep of stale leftovers).
    assert.deepEqual(definition.States.Init.Result, { state: null });
    assert.deepEqual(definition.States.CleanUpAfterError.Parameters, {
      action: 'cleanup',
      'state.$': '$.state',
    });
    for (const state of ['Start', 'Advance']) {
      assert.equal(definition.States[state].Catch[0].Next, 'CleanUpAfterError', `${state} cleans up on error`);
    }
    assert.equal(definition.States.CleanUpAfterError.Next, 'Errored');
    assert.equal(definition.States.Finished.Choices[0].Next, 'CleanUp');
    const alarm = resourcesOfType(prodApp, 'AWS::CloudWatch::Alarm').find(
      ([, resource]) => resource.Properties.AlarmName === 'booking-prod-restore-drill-failed',
    );
    assert.ok(alarm, 'a failed-drill alarm');
    assert.equal(alarm[1].Properties.AlarmActions.length, 1);
    // dev runs drills by hand only.
    assert.equal(resourcesOfType(devApp, 'AWS::StepFunctions::StateMachine').length, 0);
  });

  test("the drill function may change and delete only the drill's own instances", () => {
    const statements = iamStatements(prodApp).map(({ statement }) => statement);
    const destructive = statements.filter((statement) =>
      [statement.Action].flat().some((action: string) => action === 'rds:DeleteDBInstance'),
    );
    assert.equal(destructive.length, 1);
    assert.match(JSON.stringify(destructive[0].Resource), /db:booking-prod-drill-\*/);
  });
});

describe('backup: validation', () => {
  test('the committed environments are valid', () => {
    assert.deepEqual(backupIssues(prodConfig), []);
    assert.deepEqual(backupIssues(devConfig), []);
  });

  test('a daily retention under 7 days names the field and why', () => {
    const issues = backupIssues({ ...devConfig, backup: { ...devConfig.backup!, dailyRetentionDays: 3 } });
    assert.equal(issues.length, 1);
    assert.match(issues[0], /^dev\.backup\.dailyRetentionDays: 3 is out of range .*incremental/);
  });

  test("a copy into the environment's own region is refused", () => {
    const issues = backupIssues({
      ...prodConfig,
      backup: { ...prodConfig.backup!, copy: { region: 'eu-west-2', retentionDays: 35 } },
    });
    assert.ok(
      issues.some((issue) => /^prod\.backup\.copy\.region: "eu-west-2" is the environment's own region/.test(issue)),
    );
  });

  test('replication of an unversioned bucket, or without a copy region, is refused', () => {
    const unversioned = backupIssues({ ...prodConfig, storage: { ...prodConfig.storage!, versioning: false } });
    assert.ok(unversioned.some((issue) => /replicateBucket: true, but storage\.versioning is false/.test(issue)));
    const noCopy = backupIssues({ ...prodConfig, backup: { ...prodConfig.backup!, copy: undefined } });
    assert.ok(noCopy.some((issue) => /replicateBucket: true, but there is no backup\.copy region/.test(issue)));
  });

  test('a retention outside the vault lock is refused before AWS Backup fails the job', () => {
    const issues = backupIssues({
      ...prodConfig,
      backup: { ...prodConfig.backup!, vaultLock: { mode: 'governance', minRetentionDays: 7, maxRetentionDays: 100 } },
    });
    assert.deepEqual(
      issues.map((issue) => issue.split(':')[0]),
      ['prod.backup.monthlyRetentionDays'],
    );
    assert.match(issues[0], /outside the vault lock's 7-100 days/);
  });

  test('a compliance lock needs its grace period; a governance lock has none', () => {
    const compliance = backupIssues({
      ...prodConfig,
      backup: { ...prodConfig.backup!, vaultLock: { mode: 'compliance', minRetentionDays: 7, maxRetentionDays: 400 } },
    });
    assert.ok(
      compliance.some((issue) => /^prod\.backup\.vaultLock\.changeableForDays: undefined is out of range/.test(issue)),
    );
    const governance = backupIssues({
      ...prodConfig,
      backup: {
        ...prodConfig.backup!,
        vaultLock: { mode: 'governance', minRetentionDays: 7, maxRetentionDays: 400, changeableForDays: 3 },
      },
    });
    assert.ok(governance.some((issue) => /governance lock has no grace period/.test(issue)));
  });

  test('a scheduled environment must back up while its database runs; RDS windows are refused', () => {
    const unset = backupIssues({ ...devConfig, backup: { ...devConfig.backup!, window: undefined } });
    assert.equal(unset.length, 1);
    assert.match(unset[0], /^dev\.backup\.window: is not set, but dev\.schedule stops the database/);
    const overlapping = backupIssues({
      ...devConfig,
      backup: { ...devConfig.backup!, window: { hourUtc: 1, weekdaysOnly: true } },
    });
    assert.deepEqual(
      overlapping.map((issue) => issue.split(':')[0]),
      ['dev.backup.window.hourUtc'],
    );
    assert.match(overlapping[0], /overlaps RDS's own backup/);
  });

  test('weekday windows keep weekly and monthly rules on running days', () => {
    assert.deepEqual(backupSchedules({ hourUtc: 12, weekdaysOnly: true }), {
      daily: 'cron(0 12 ? * MON-FRI *)',
      weekly: 'cron(0 12 ? * MON *)',
      monthly: 'cron(0 12 ? * 2#1 *)',
    });
  });

  test('production without an off-site copy is a production risk', () => {
    const config = {
      ...platformConfig,
      environments: platformConfig.environments.map((env) =>
        env.name === 'prod' ? { ...env, backup: { ...env.backup!, copy: undefined, replicateBucket: false } } : env,
      ),
    };
    const issues = findConfigIssues(config).filter((issue) => issue.field === 'prod.backup.copy');
    assert.equal(issues.length, 1);
    assert.match(issues[0].message, /no-offsite-backup/);
  });
});

describe('backup: price', () => {
  test('prod prices the snapshot chain, its copies and transfer, the replica, in every state', () => {
    const [prod] = estimateEnvironments(platformConfig, [prodConfig], 'running');
    const line = (type: string, stack: string) =>
      prod.lines.find((candidate) => candidate.type === type && candidate.stack === stack)!;
    const plan = line('AWS::Backup::BackupPlan', 'booking-prod-data');
    // 5 GB + 0.2 GB x 365 days = 78 GB x 0.10; 0.2 GB x 30.42 days = 6.08 GB x 0.02.
    assert.equal(plan.monthlyUsd.toFixed(2), (78 * 0.1 + 6.08 * 0.02).toFixed(2));
    const copies = line('AWS::Backup::BackupVault', 'booking-prod-recovery');
    // 5 GB + 0.2 GB x 35 days = 12 GB x 0.095 in us-east-1.
    assert.equal(copies.monthlyUsd.toFixed(2), (12 * 0.095).toFixed(2));
    // The replica holds every file (20 GB in us-east-1), plus 2 GB copied and 20,000 PUTs a month.
    const replica = prod.lines.find(
      (candidate) => candidate.type === 'AWS::S3::Bucket' && candidate.stack === 'booking-prod-recovery',
    )!;
    assert.equal(replica.monthlyUsd.toFixed(2), (20 * 0.023 + 2 * 0.02 + 20 * 0.005).toFixed(2));
    // minimal: no plan; each vault still bills the full snapshot it keeps (5 GB).
    const [minimal] = estimateEnvironments(platformConfig, [prodConfig], 'minimal');
    assert.equal(minimal.lines.filter((candidate) => candidate.type === 'AWS::Backup::BackupPlan').length, 0);
    const kept = minimal.lines.filter((candidate) => candidate.type === 'AWS::Backup::BackupVault');
    assert.deepEqual(
      kept.map((candidate) => candidate.monthlyUsd).sort(),
      [5 * 0.095, 5 * 0.1].map((usd) => Math.round(usd * 100) / 100).sort(),
    );
  });
});
