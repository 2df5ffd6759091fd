import { RDS_INSTANCE_MEMORY_GIB } from '../aws-catalog';
import type { EnvironmentConfig } from '../types';
import { checkProductionRisk } from './accepted-risks';
import type { IssueCollector } from './issues';

/**
 * A known RDS class, gp3 storage with room to grow, backups RDS allows (14 days in production),
 * and a standby in production unless `single-az-database` is an accepted risk.
 */
export function validateDatabase(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.database.${field}`;
  const db = env.database;
  issues.oneOf(at('instanceClass'), db.instanceClass, Object.keys(RDS_INSTANCE_MEMORY_GIB), 'a known RDS class');
  if (issues.integerIn(at('allocatedStorageGiB'), db.allocatedStorageGiB, 20, 65536, ' GiB; gp3 needs 20 or more')) {
    // RDS refuses a storage-autoscaling ceiling less than 10% above the allocated storage.
    const lowestCeiling = Math.ceil((db.allocatedStorageGiB * 11) / 10);
    if (lowestCeiling > 65536) {
      issues.add(
        at('allocatedStorageGiB'),
        `${db.allocatedStorageGiB} leaves no room to grow (RDS needs maxAllocatedStorageGiB 10% above it, at most 65536: use 59578 or less)`,
      );
    } else if (db.maxAllocatedStorageGiB <= db.allocatedStorageGiB || db.maxAllocatedStorageGiB > 65536) {
      issues.add(
        at('maxAllocatedStorageGiB'),
        `${db.maxAllocatedStorageGiB} is not above allocatedStorageGiB ${db.allocatedStorageGiB} (set a ceiling between ${lowestCeiling} and 65536)`,
      );
    } else if (db.maxAllocatedStorageGiB < lowestCeiling) {
      issues.add(
        at('maxAllocatedStorageGiB'),
        `${db.maxAllocatedStorageGiB} is less than 10% above allocatedStorageGiB ${db.allocatedStorageGiB}, which RDS refuses (set a ceiling between ${lowestCeiling} and 65536)`,
      );
    }
  }
  if (issues.integerIn(at('backupRetentionDays'), db.backupRetentionDays, 1, 35, ', as RDS allows')) {
    if (env.production && db.backupRetentionDays < 14) {
      issues.add(
        at('backupRetentionDays'),
        `${db.backupRetentionDays} is too short for a production environment (keep 14 days or more)`,
      );
    }
  }
  if (db.multiAz && env.availabilityZones.length < 2) {
    issues.add(at('multiAz'), 'true needs at least two availability zones (add a zone or set multiAz: false)');
  }
  checkProductionRisk(env, 'single-az-database', issues);
}
