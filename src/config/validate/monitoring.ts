import type { EnvironmentConfig, MonitoringConfig } from '../types';
import type { IssueCollector } from './issues';

const PERCENT_FIELDS = [
  'databaseCpuPercent',
  'databaseConnectionsPercent',
  'cacheMemoryPercent',
  'http5xxPercent',
] as const;
const KNOWN_FIELDS: readonly string[] = [...PERCENT_FIELDS, 'databaseFreeStorageGiB', 'dashboard'];

/**
 * `monitoring`, when present: known fields only, percentages above 0 and at most 100 (an alarm
 * above 100% never fires), a free-storage threshold below the database's initial storage (at or
 * above it the alarm fires from the first day), and a boolean `dashboard`.
 */
export function validateMonitoring(env: EnvironmentConfig, issues: IssueCollector): void {
  const monitoring = env.monitoring;
  if (monitoring === undefined) return;
  const at = (field: string) => `${env.name}.monitoring.${field}`;

  for (const key of Object.keys(monitoring)) {
    issues.oneOf(at(key), key, KNOWN_FIELDS, 'a monitoring setting');
  }
  for (const field of PERCENT_FIELDS) {
    const value = monitoring[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 100) {
      issues.add(
        at(field),
        `${JSON.stringify(value)} is not a percentage the alarm can reach (use a number above 0 and at most 100, or omit it for the default)`,
      );
    }
  }
  checkFreeStorage(env, monitoring, at('databaseFreeStorageGiB'), issues);
  if (monitoring.dashboard !== undefined && typeof monitoring.dashboard !== 'boolean') {
    issues.add(
      at('dashboard'),
      `${JSON.stringify(monitoring.dashboard)} is not true or false (true: a dashboard, 3 USD/month; false: none)`,
    );
  }
}

function checkFreeStorage(
  env: EnvironmentConfig,
  monitoring: MonitoringConfig,
  field: string,
  issues: IssueCollector,
): void {
  const value = monitoring.databaseFreeStorageGiB;
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    issues.add(
      field,
      `${JSON.stringify(value)} is not a storage size (use a number of GiB above 0, e.g. 2, or omit it for the default)`,
    );
    return;
  }
  const allocated = env.database.allocatedStorageGiB;
  if (typeof allocated === 'number' && value >= allocated) {
    issues.add(
      field,
      `${value} GiB is not below the database's ${allocated} GiB of storage, so the alarm would fire from the start (use less than ${allocated}, e.g. ${Math.max(1, Math.floor(allocated / 10))})`,
    );
  }
}
