import * as rds from 'aws-cdk-lib/aws-rds';
import { RDS_INSTANCE_MEMORY_GIB } from '../aws-catalog';
import { DATABASE_WHILE_MINIMAL, type EnvironmentConfig } from '../types';
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
  checkEngineVersion(at('engineVersion'), db.engineVersion, issues);
  if (db.restoreFromSnapshot !== undefined) checkSnapshotRestore(at('restoreFromSnapshot'), db, issues);
  checkWhileMinimal(env, issues);
  checkProductionRisk(env, 'single-az-database', issues);
  if (db.credentialRotation !== undefined) {
    issues.integerIn(
      at('credentialRotation.everyDays'),
      db.credentialRotation.everyDays,
      1,
      365,
      ' days: Secrets Manager rotates at most daily, and a password should change at least once a year',
    );
  }
  checkProductionRisk(env, 'no-credential-rotation', issues);
}

/**
 * The newest minor of each PostgreSQL major (10 and later) that aws-cdk-lib has a
 * `rds.PostgresEngineVersion.VER_<major>_<minor>` member for, read at runtime so an upgrade of
 * the library moves it; a major listed with no minor yet (`VER_19`) maps to 0.
 */
export function postgresMinorsKnownToCdk(): ReadonlyMap<number, number> {
  const newest = new Map<number, number>();
  for (const key of Object.keys(rds.PostgresEngineVersion)) {
    const match = /^VER_(\d+)(?:_(\d+))?$/.exec(key);
    if (!match || Number(match[1]) < 10) continue;
    const major = Number(match[1]);
    newest.set(major, Math.max(newest.get(major) ?? 0, Number(match[2] ?? 0)));
  }
  return newest;
}

/** `major.minor`, of a major aws-cdk-lib knows, no older than the newest minor it lists for it. */
function checkEngineVersion(field: string, version: string, issues: IssueCollector): void {
  const known = postgresMinorsKnownToCdk();
  const newestMajor = Math.max(...known.keys());
  const latest = `${newestMajor}.${known.get(newestMajor)}`;
  const match = typeof version === 'string' ? /^(\d+)\.(\d+)$/.exec(version) : null;
  if (!match) {
    issues.add(
      field,
      `${JSON.stringify(version)} is not a PostgreSQL version in major.minor form (RDS refuses a bare major for new instances; e.g. "${latest}")`,
    );
    return;
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const newestMinor = known.get(major);
  if (newestMinor === undefined) {
    issues.add(
      field,
      `"${version}" names PostgreSQL ${major}, which aws-cdk-lib does not know (use one of majors ${[...known.keys()].sort((a, b) => a - b).join(', ')}, e.g. "${latest}")`,
    );
  } else if (minor < newestMinor) {
    issues.add(
      field,
      `"${version}" is older than ${major}.${newestMinor}, the newest ${major}.x aws-cdk-lib lists (use "${major}.${newestMinor}" or newer)`,
    );
  }
}

/** RDS manual or automated (`rds:`) snapshot identifiers: a letter first, no `--`, no trailing `-`. */
const SNAPSHOT_ID = /^(?:rds:)?[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,254}$/;
const SNAPSHOT_ARN = /^arn:aws(?:-[a-z]+)*:rds:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:snapshot:(.+)$/;

/**
 * Names the master user cannot take: RDS's own roles, PostgreSQL's reserved role names and
 * prefixes, and SQL reserved keywords. (`postgres` is allowed: it is RDS's default master user,
 * so many snapshots have it.)
 */
const RESERVED_USERNAMES = new Set(
  (
    'rdsadmin rdsrepladmin rdstopmgr rdswriteforwarduser public none ' +
    'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_catalog current_date current_role current_time current_timestamp current_user default deferrable ' +
    'desc distinct do else end except false fetch for foreign from grant group having in initially intersect ' +
    'into lateral leading limit localtime localtimestamp not null offset on only or order placing primary ' +
    'references returning select session_user some symmetric system_user table then to trailing true union ' +
    'unique user using variadic when where window with'
  ).split(' '),
);

/**
 * `whileMinimal: 'snapshot'` deletes the instance with the minimal deploy: not with deletion
 * protection (the protected instance would be retained, orphaned, and its storage billed on), so
 * never in production; `restoredFromMinimalSnapshot` only with it, and a snapshot identifier.
 */
function checkWhileMinimal(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.database.${field}`;
  const db = env.database;
  if (db.whileMinimal !== undefined) {
    issues.oneOf(at('whileMinimal'), db.whileMinimal, DATABASE_WHILE_MINIMAL, 'what keeps the data while minimal');
  }
  if (db.whileMinimal === 'snapshot' && env.deletionProtection) {
    issues.add(
      at('whileMinimal'),
      `"snapshot" deletes the database with the minimal deploy, but deletionProtection is on (the instance would be retained, not deleted, and billed on): use "stopped" here${env.production ? ' (a production environment protects its data)' : ', or turn deletionProtection off'}`,
    );
  }
  const restored = db.restoredFromMinimalSnapshot;
  if (restored === undefined) return;
  if (db.whileMinimal !== 'snapshot') {
    issues.add(
      at('restoredFromMinimalSnapshot'),
      `${JSON.stringify(restored)} is set but whileMinimal is ${JSON.stringify(db.whileMinimal ?? 'stopped')}: it names the snapshot "booking-infra minimal" took with whileMinimal "snapshot" (set that, or remove this field)`,
    );
  } else if (typeof restored !== 'string' || !SNAPSHOT_ID.test(restored)) {
    issues.add(
      at('restoredFromMinimalSnapshot'),
      `${JSON.stringify(restored)} is not an RDS snapshot identifier (the one "npx booking-infra resume ${env.name}" names, e.g. "booking-${env.name}-minimal-20261128t013000z")`,
    );
  }
}

/** A valid snapshot identifier or ARN, and a master user name PostgreSQL on RDS accepts. */
function checkSnapshotRestore(field: string, db: EnvironmentConfig['database'], issues: IssueCollector): void {
  const { snapshotIdentifier, masterUsername } = db.restoreFromSnapshot!;
  const id = typeof snapshotIdentifier === 'string' ? snapshotIdentifier.trim() : '';
  const arn = SNAPSHOT_ARN.exec(id);
  if (id === '') {
    issues.add(
      `${field}.snapshotIdentifier`,
      `${JSON.stringify(snapshotIdentifier)} is empty (name the DB snapshot to restore, e.g. "booking-dev-final", or its ARN)`,
    );
  } else if (id !== snapshotIdentifier || !SNAPSHOT_ID.test(arn ? arn[1] : id)) {
    issues.add(
      `${field}.snapshotIdentifier`,
      `${JSON.stringify(snapshotIdentifier)} is not an RDS snapshot identifier or ARN (1-255 letters, digits and hyphens, a letter first, ` +
        `no "--" or trailing "-", e.g. "booking-dev-final" or "arn:aws:rds:eu-west-2:111111111111:snapshot:booking-dev-final")`,
    );
  }
  const user = masterUsername;
  if (typeof user !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(user)) {
    issues.add(
      `${field}.masterUsername`,
      `${JSON.stringify(user)} is not a PostgreSQL user name RDS accepts (1-63 letters, digits or underscores, a letter first; use the snapshot's master user)`,
    );
  } else if (RESERVED_USERNAMES.has(user.toLowerCase()) || /^(?:rds_|pg_)/i.test(user)) {
    issues.add(
      `${field}.masterUsername`,
      `"${user}" is a reserved name RDS refuses for the master user (use the snapshot's master user, e.g. "booking_admin")`,
    );
  }
}
