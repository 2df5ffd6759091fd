import { Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';
import type { BackupConfig, VaultLockConfig } from '../../config/types';
import { acknowledgeFindings } from '../../quality/acknowledge';

/** The tag AWS Backup selects resources by: `backup-plan` = `<app>-<env>`. */
export const BACKUP_SELECTION_TAG = 'backup-plan';

/** A vault's name: `<app>-<env>` in the environment's region and in the copy region alike. */
export function backupVaultName(name: string): string {
  return name;
}

/**
 * 03:00 UTC by default: 1.5 hours after the database's automated backup window (01:00-01:30) and
 * after its Sunday maintenance window (01:45-02:30); AWS Backup does not start an RDS snapshot
 * while RDS's own backup runs.
 */
export const DEFAULT_BACKUP_WINDOW = { hourUtc: 3, weekdaysOnly: false } as const;

/** The rules' schedules: daily, weekly and monthly, at the window's hour. */
export function backupSchedules(window: { hourUtc: number; weekdaysOnly: boolean }): {
  daily: string;
  weekly: string;
  monthly: string;
} {
  const at = `cron(0 ${window.hourUtc}`;
  return window.weekdaysOnly
    ? { daily: `${at} ? * MON-FRI *)`, weekly: `${at} ? * MON *)`, monthly: `${at} ? * 2#1 *)` }
    : { daily: `${at} * * ? *)`, weekly: `${at} ? * SUN *)`, monthly: `${at} 1 * ? *)` };
}

/** A vault's lock, as `backup.BackupVault` takes it. */
export function lockConfiguration(lock: VaultLockConfig | undefined): backup.LockConfiguration | undefined {
  if (!lock) return undefined;
  return {
    minRetention: Duration.days(lock.minRetentionDays),
    maxRetention: Duration.days(lock.maxRetentionDays),
    changeableFor: lock.mode === 'compliance' ? Duration.days(lock.changeableForDays ?? 3) : undefined,
  };
}

/** The vault key with `customerManagedKey`: 1 USD/month, rotated yearly, kept with the vault. */
export function vaultKey(scope: Construct, name: string, customerManaged: boolean): kms.Key | undefined {
  if (!customerManaged) return undefined;
  return new kms.Key(scope, 'VaultKey', {
    alias: `alias/${name}-backup`,
    description: `${name}: encrypts the AWS Backup vault's recovery points`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

export interface BackupPlanProps {
  /** `<app>-<env>`: the vault, the plan and the selection tag's value. */
  readonly name: string;
  readonly config: BackupConfig;
  /** Resources to back up: each gets the selection tag. */
  readonly resources: readonly IConstruct[];
  /** The ops topic: failed backup and copy jobs are published to it. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Whether the plan runs. `false` in the `minimal` state: the database stays stopped, so nothing
   * changes to back up and RDS could not snapshot it (every job would fail and page); the vault
   * and the recovery points it holds stay, expiring on their own schedule.
   */
  readonly scheduled: boolean;
}

/**
 * AWS Backup of the environment's database (seed future module 3): a vault (its own KMS key with
 * `customerManagedKey`, a lock with `vaultLock`), a plan of daily, weekly and monthly rules, each
 * copying its recovery point to the DR region's vault with `copy`, and a selection of every
 * resource tagged `backup-plan = <app>-<env>`. Vault and key outlive the stack (recovery points
 * must survive a deletion; a vault holding points cannot be deleted anyway). A failed, aborted or
 * expired backup job and a failed copy reach the ops topic through EventBridge.
 *
 * RDS's automated backups (point-in-time restore, `database.backupRetentionDays`) stay as they
 * are; this adds snapshots kept longer, copied out of the region, and locked.
 */
export class BackupPlan extends Construct {
  public readonly vault: backup.BackupVault;
  /** Absent while the database is kept stopped (`scheduled: false`). */
  public readonly plan?: backup.BackupPlan;
  public readonly key?: kms.Key;

  constructor(scope: Construct, id: string, props: BackupPlanProps) {
    super(scope, id);
    Tags.of(this).add('module', 'backup');
    const { config, name } = props;
    const stack = Stack.of(this);

    this.key = vaultKey(this, name, config.customerManagedKey);
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: backupVaultName(name),
      encryptionKey: this.key,
      lockConfiguration: lockConfiguration(config.vaultLock),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Tagged in every state: removing a tag from the database is an RDS modification, which a
    // stopped instance (minimal) refuses.
    for (const resource of props.resources) Tags.of(resource).add(BACKUP_SELECTION_TAG, name);
    if (!props.scheduled) return;

    const copyVaultArn = config.copy
      ? `arn:${stack.partition}:backup:${config.copy.region}:${stack.account}:backup-vault:${backupVaultName(name)}`
      : undefined;
    const rule = (ruleName: string, schedule: string, days: number): backup.BackupPlanRule =>
      new backup.BackupPlanRule({
        ruleName,
        backupVault: this.vault,
        scheduleExpression: events.Schedule.expression(schedule),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: Duration.days(days),
        copyActions: copyVaultArn
          ? [
              {
                destinationBackupVault: backup.BackupVault.fromBackupVaultArn(
                  this,
                  `${ruleName}CopyVault`,
                  copyVaultArn,
                ),
                deleteAfter: Duration.days(config.copy!.retentionDays),
              },
            ]
          : undefined,
      });
    const schedules = backupSchedules(config.window ?? DEFAULT_BACKUP_WINDOW);
    const rules = [rule('Daily', schedules.daily, config.dailyRetentionDays)];
    if (config.weeklyRetentionDays > 0) rules.push(rule('Weekly', schedules.weekly, config.weeklyRetentionDays));
    if (config.monthlyRetentionDays > 0) rules.push(rule('Monthly', schedules.monthly, config.monthlyRetentionDays));
    const plan = new backup.BackupPlan(this, 'Plan', { backupPlanName: name, backupPlanRules: rules });
    this.plan = plan;

    const selection = plan.addSelection('Tagged', {
      backupSelectionName: `${name}-tagged`,
      resources: [backup.BackupResource.fromTag(BACKUP_SELECTION_TAG, name)],
    });
    acknowledgeFindings(
      selection,
      'AwsSolutions::AwsSolutions-IAM4',
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup'],
      "AWSBackupServiceRolePolicyForBackup is AWS Backup's own service-role policy, kept current by AWS as the services it backs up change; the role can be assumed by backup.amazonaws.com only and restores nothing",
    );

    // Backup Job State Change names the vault; Copy Job State Change names the source vault's ARN.
    new events.Rule(this, 'BackupJobFailed', {
      description: `${name}: a backup job of the environment's vault failed, was aborted or expired`,
      eventPattern: {
        source: ['aws.backup'],
        detailType: ['Backup Job State Change'],
        detail: { state: ['FAILED', 'ABORTED', 'EXPIRED'], backupVaultName: [backupVaultName(name)] },
      },
      targets: [new targets.SnsTopic(props.alarmTopic)],
    });
    if (config.copy) {
      new events.Rule(this, 'CopyJobFailed', {
        description: `${name}: copying a recovery point to ${config.copy.region} failed`,
        eventPattern: {
          source: ['aws.backup'],
          detailType: ['Copy Job State Change'],
          detail: { state: ['FAILED', 'ABORTED'], sourceBackupVaultArn: [this.vault.backupVaultArn] },
        },
        targets: [new targets.SnsTopic(props.alarmTopic)],
      });
    }
  }
}
