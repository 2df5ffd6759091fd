import { PRICED_REGIONS } from '../../cost/prices';
import { RDS_INSTANCE_MEMORY_GIB } from '../aws-catalog';
import type { BackupConfig, EnvironmentConfig } from '../types';
import type { IssueCollector } from './issues';

/** AWS Backup keeps a recovery point at most 100 years. */
const MAX_RETENTION_DAYS = 36500;
const LOCK_MODES = ['governance', 'compliance'];

/**
 * `backup`, when present: retentions AWS Backup accepts (a daily rule keeps at least 7 days, so
 * each incremental snapshot has the previous one), a copy region other than the environment's and
 * with a price table, bucket replication only of a versioned bucket and only with a copy region,
 * a vault lock whose bounds every retention fits (AWS Backup fails a job whose retention is
 * outside the lock), and a drill class this platform knows.
 */
export function validateBackup(env: EnvironmentConfig, issues: IssueCollector): void {
  const backup = env.backup;
  if (backup === undefined) return;
  const at = (field: string) => `${env.name}.backup.${field}`;
  if (typeof backup.enabled !== 'boolean') {
    issues.add(at('enabled'), `${JSON.stringify(backup.enabled)} is not true or false`);
    return;
  }
  issues.integerIn(
    at('dailyRetentionDays'),
    backup.dailyRetentionDays,
    7,
    MAX_RETENTION_DAYS,
    '; AWS Backup advises 7 or more: an incremental snapshot needs the previous one, or each is full',
  );
  for (const field of ['weeklyRetentionDays', 'monthlyRetentionDays'] as const) {
    const value = backup[field];
    if (value !== 0) issues.integerIn(at(field), value, 7, MAX_RETENTION_DAYS, ', or 0 for no such rule');
  }
  if (typeof backup.customerManagedKey !== 'boolean') {
    issues.add(at('customerManagedKey'), `${JSON.stringify(backup.customerManagedKey)} is not true or false`);
  }
  if (backup.copy !== undefined) {
    if (issues.has(`${env.name}.region`)) {
      // The environment's region is wrong already: compare against it once it is fixed.
    } else if (backup.copy.region === env.region) {
      issues.add(
        at('copy.region'),
        `"${backup.copy.region}" is the environment's own region: a copy there survives no regional outage (use another region, e.g. ${PRICED_REGIONS.find((region) => region !== env.region) ?? 'us-east-1'})`,
      );
    } else {
      issues.oneOf(at('copy.region'), backup.copy.region, PRICED_REGIONS, 'a region with a price table');
    }
    issues.integerIn(at('copy.retentionDays'), backup.copy.retentionDays, 7, MAX_RETENTION_DAYS);
  }
  if (backup.replicateBucket) {
    if (!env.storage) {
      issues.add(at('replicateBucket'), 'true, but the environment has no `storage` bucket (set it false)');
    } else if (!env.storage.versioning) {
      issues.add(
        at('replicateBucket'),
        'true, but storage.versioning is false: S3 replicates only versioned buckets (set storage.versioning: true, or replicateBucket: false)',
      );
    }
    if (!backup.copy) {
      issues.add(at('replicateBucket'), 'true, but there is no backup.copy region to replicate to (set backup.copy)');
    }
  }
  validateVaultLock(backup, at, issues);
  validateWindow(env, backup, at, issues);
  issues.oneOf(
    at('drill.instanceClass'),
    backup.drill?.instanceClass,
    Object.keys(RDS_INSTANCE_MEMORY_GIB),
    'a known RDS class',
  );
  if (typeof backup.drill?.monthly !== 'boolean') {
    issues.add(at('drill.monthly'), `${JSON.stringify(backup.drill?.monthly)} is not true or false`);
  } else if (backup.drill.monthly && !backup.enabled) {
    issues.add(
      at('drill.monthly'),
      'true, but backup.enabled is false: the drill restores the recovery points AWS Backup makes (enable backup, or set monthly: false)',
    );
  }
}

/**
 * The window: an hour clear of RDS's own backup and maintenance (01:00-02:30 UTC), and, for an
 * environment whose schedule stops the database, set explicitly (RDS cannot snapshot a stopped
 * instance: the default 03:00 would fail every night).
 */
function validateWindow(
  env: EnvironmentConfig,
  backup: BackupConfig,
  at: (field: string) => string,
  issues: IssueCollector,
): void {
  const window = backup.window;
  if (window === undefined) {
    if (backup.enabled && env.schedule) {
      issues.add(
        at('window'),
        `is not set, but ${env.name}.schedule stops the database at night and at weekends, and RDS cannot snapshot a stopped instance: the default 03:00 UTC job would fail every night (set a time it runs, e.g. { hourUtc: 12, weekdaysOnly: true })`,
      );
    }
    return;
  }
  if (issues.integerIn(at('window.hourUtc'), window.hourUtc, 0, 23) && [0, 1, 2].includes(window.hourUtc)) {
    issues.add(
      at('window.hourUtc'),
      `${window.hourUtc} overlaps RDS's own backup (01:00-01:30 UTC) or the Sunday maintenance (01:45-02:30): AWS Backup would wait or fail (use 3 or later)`,
    );
  }
  if (typeof window.weekdaysOnly !== 'boolean') {
    issues.add(at('window.weekdaysOnly'), `${JSON.stringify(window.weekdaysOnly)} is not true or false`);
  }
}

function validateVaultLock(backup: BackupConfig, at: (field: string) => string, issues: IssueCollector): void {
  const lock = backup.vaultLock;
  if (lock === undefined) return;
  if (!issues.oneOf(at('vaultLock.mode'), lock.mode, LOCK_MODES, 'a vault lock mode')) return;
  const minOk = issues.integerIn(at('vaultLock.minRetentionDays'), lock.minRetentionDays, 1, MAX_RETENTION_DAYS);
  const maxOk = issues.integerIn(at('vaultLock.maxRetentionDays'), lock.maxRetentionDays, 1, MAX_RETENTION_DAYS);
  if (minOk && maxOk && lock.maxRetentionDays <= lock.minRetentionDays) {
    issues.add(
      at('vaultLock.maxRetentionDays'),
      `${lock.maxRetentionDays} is not above minRetentionDays ${lock.minRetentionDays} (AWS Backup needs the maximum above the minimum)`,
    );
  }
  if (lock.mode === 'compliance') {
    issues.integerIn(
      at('vaultLock.changeableForDays'),
      lock.changeableForDays,
      3,
      36500,
      ': the days during which the compliance lock can still be removed; after them nobody can',
    );
  } else if (lock.changeableForDays !== undefined) {
    issues.add(
      at('vaultLock.changeableForDays'),
      `${lock.changeableForDays} is set, but a governance lock has no grace period (remove it, or use mode 'compliance')`,
    );
  }
  if (!minOk || !maxOk) return;
  const retentions: Array<[string, number]> = [
    ['dailyRetentionDays', backup.dailyRetentionDays],
    ['weeklyRetentionDays', backup.weeklyRetentionDays],
    ['monthlyRetentionDays', backup.monthlyRetentionDays],
    ...(backup.copy ? ([['copy.retentionDays', backup.copy.retentionDays]] as Array<[string, number]>) : []),
  ];
  for (const [field, days] of retentions) {
    if (days === 0 || typeof days !== 'number') continue;
    if (days < lock.minRetentionDays || days > lock.maxRetentionDays) {
      issues.add(
        at(field),
        `${days} is outside the vault lock's ${lock.minRetentionDays}-${lock.maxRetentionDays} days: AWS Backup fails every job whose retention the lock does not allow (change the retention or vaultLock's bounds)`,
      );
    }
  }
}
