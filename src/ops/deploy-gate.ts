import type { DeployedStructure } from '../config/types';
import { LOCK_STALE_MS, RecordConflictError, type ServiceRole, type StateStore } from './state-store';

/** The configured bounds of one service, as the app template carries them. */
export interface ConfiguredBounds {
  readonly min: number;
  readonly max: number;
}

const ATTEMPTS = 5;

/** Refuses a deploy while a transition holds the lock (a crashed one included, until broken). */
async function refuseDuringTransition(store: StateStore, environment: string, now: number): Promise<void> {
  const lock = await store.readLock();
  if (!lock) return;
  const stale = now - Date.parse(lock.heartbeatAt) > LOCK_STALE_MS;
  throw new Error(
    `"${lock.operation}" by ${lock.holder} has held ${environment}'s lock since ${lock.startedAt}${stale ? ' and looks crashed (run it again, with --break-lock)' : ''}; deploy again once it has finished (npx booking-infra status ${environment})`,
  );
}

/**
 * A deploy's scaling bounds for one service, resolved from the state record so that a deploy
 * never undoes a pause: the configured bounds become the capacities to restore, and apply now
 * only while the environment is recorded running. Runs when the template's configured bounds
 * change (a CloudFormation custom resource), serialised with the CLI, the schedule and the guard
 * through the lock. Returns the bounds the scalable target gets.
 */
export async function resolveServiceBounds(
  store: StateStore,
  request: {
    environment: string;
    role: ServiceRole;
    configured: ConfiguredBounds;
    creating: boolean;
    /** The deploy that creates the services before any image exists (BOOKING_FIRST_DEPLOY). */
    firstDeploy?: boolean;
    /**
     * CloudFormation rolling a failed update back (the previous template, accepted before): the
     * bounds are resolved as usual, but neither a transition's lock nor a first deploy's flag
     * refuses it, which would strand the stack in UPDATE_ROLLBACK_FAILED.
     */
    rollingBack?: boolean;
    now: number;
    actor: string;
  },
): Promise<ConfiguredBounds> {
  const { environment, role, configured } = request;
  if (!request.rollingBack) await refuseDuringTransition(store, environment, request.now);
  if (request.firstDeploy && !request.creating && !request.rollingBack) {
    throw new Error(
      `BOOKING_FIRST_DEPLOY is for the deploy that creates ${environment}'s services, and they exist: deploy without it (it would not start them, and keeps them at zero)`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    const record = await store.readRecord();
    if (record?.state === 'minimal' && request.creating) {
      throw new Error(
        `${environment} is recorded minimal and its database is stopped: run "npx booking-infra resume ${environment}" (it starts the database) before deploying state 'running'`,
      );
    }
    const recorded = record?.services[role];
    const desired = Math.min(Math.max(recorded?.desired ?? configured.min, configured.min), configured.max);
    try {
      await store.writeRecord(
        {
          ...(record?.databaseSnapshot ? { databaseSnapshot: record.databaseSnapshot } : {}),
          state: record?.state ?? 'running',
          services: { ...record?.services, [role]: { desired, min: configured.min, max: configured.max } },
          changedAt: new Date(request.now).toISOString(),
          changedBy: request.actor,
        },
        record?.version,
      );
      // First deploy: zero until the first release; `resume` (or the next deploy) applies the
      // configured bounds, which status shows as drift meanwhile.
      if (request.firstDeploy) return { min: 0, max: 0 };
      return !record || record.state === 'running' ? configured : { min: 0, max: 0 };
    } catch (error) {
      // The web and worker resources may resolve at the same time: re-read and apply again.
      if (!(error instanceof RecordConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/** What a deploy does to the database, as the data stack's gate sees it (`Custom::EnvironmentStructure`). */
export interface DatabaseDeploy {
  /** `present`: the template has the RDS instance; `none`: it deletes it (minimal with `whileMinimal: 'snapshot'`). */
  readonly instance: 'present' | 'none';
  /** The snapshot the template's instance is created from (`DBSnapshotIdentifier`), or '' for an empty one. */
  readonly restoreFrom: string;
  /** The same, as the previous deploy had it (an update); undefined on the gate's first deploy. */
  readonly previousRestoreFrom?: string;
  /** Whether the instance exists now (any RDS status: deleting and creating count). */
  readonly exists: () => Promise<boolean>;
  /** Whether the previous deploy's template had the instance (an update); undefined on the first. */
  readonly previousInstance?: 'present' | 'none';
  /** The engine version the template gives the instance (`database.engineVersion`), e.g. `18.6`. */
  readonly engineVersion?: string;
  /**
   * The snapshot `identifier`'s RDS status and engine version, or undefined when there is none.
   * Asked only of the snapshot the record names (the gate's role may read those alone).
   */
  readonly snapshot?: (identifier: string) => Promise<{ status: string; engineVersion?: string } | undefined>;
}

/** `a` is an older version than `b` (`18.6` < `18.10`), comparing each dotted part as a number. */
export function olderVersion(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (Number.isNaN(x) || Number.isNaN(y)) return false;
    if (x !== y) return x < y;
  }
  return false;
}

const restoreFromText = (restoreFrom: string) =>
  restoreFrom ? `snapshot ${restoreFrom}` : 'nothing (an empty database)';

/**
 * The data stack's gate on the environment's structure, run before the database changes (the
 * instance depends on it, so a refusal rolls the deploy back before anything is touched):
 * - removing the cache (and with it the queued jobs and sessions), and with
 *   `whileMinimal: 'snapshot'` the database, is allowed only once `booking-infra minimal`
 *   recorded the environment minimal, which checks the queues, snapshots the cache in production
 *   and, in snapshot mode, snapshots the database (the record names the snapshot). A first deploy
 *   in `minimal` records it.
 * - a template that changes the snapshot the instance is created from while the instance exists
 *   would make CloudFormation replace the database (every write since lost): refused.
 * - a template that creates the instance while the record says the data is in snapshot X must
 *   restore exactly X, and only once `resume` recorded the environment running; X must be
 *   `available` (before the instance is deleted, too) and no newer than `engineVersion`.
 * - an instance the previous template no longer had (a failed delete) is refused with the way out.
 * CloudFormation's rollback never reaches here: the Lambda lets the previous template through.
 */
export async function checkStructure(
  store: StateStore,
  request: {
    environment: string;
    structure: DeployedStructure;
    now: number;
    actor: string;
    /** @default a template with the instance, checked for nothing more (before the field existed) */
    database?: DatabaseDeploy;
  },
): Promise<void> {
  const { environment, database } = request;
  await refuseDuringTransition(store, environment, request.now);
  const record = await store.readRecord();
  if (request.structure === 'minimal') {
    if (!record) {
      if (database?.instance === 'none' && (await database.exists())) {
        throw new Error(
          `deploying state 'minimal' deletes ${environment}'s database (database.whileMinimal: 'snapshot'), and nothing recorded a snapshot of it: run "npx booking-infra minimal ${environment}" first (it snapshots the database once the services drained)`,
        );
      }
      await store.writeRecord(
        { state: 'minimal', services: {}, changedAt: new Date(request.now).toISOString(), changedBy: request.actor },
        undefined,
      );
      return;
    }
    if (record.state !== 'minimal') {
      throw new Error(
        `deploying state 'minimal' deletes ${environment}'s cache with its queued jobs${database?.instance === 'none' ? ' and its database' : ''}, but ${environment} is recorded ${record.state}: run "npx booking-infra minimal ${environment}" first (it checks the queues, snapshots the cache in production${database?.instance === 'none' ? ', snapshots the database' : ''} and stops the database)`,
      );
    }
    if (database?.instance === 'none' && (await database.exists())) {
      const kept = record.databaseSnapshot?.identifier;
      if (!kept) {
        throw new Error(
          `deploying state 'minimal' with database.whileMinimal: 'snapshot' deletes ${environment}'s database, but the record names no snapshot of it (minimal ran with whileMinimal 'stopped'): run "npx booking-infra minimal ${environment}" again with this config, which snapshots it, then deploy`,
        );
      }
      // The name alone is not enough: the snapshot must hold the data before the instance goes.
      const found = database.snapshot ? await database.snapshot(kept) : { status: 'available' };
      if (found?.status !== 'available') {
        throw new Error(
          `deploying state 'minimal' deletes ${environment}'s database, whose data the record says is kept in the snapshot ${kept}, but that snapshot is ${found ? found.status : 'missing'}: run "npx booking-infra minimal ${environment}" again (it takes the snapshot anew), then deploy`,
        );
      }
    }
  }
  if (!database || database.instance === 'none') return;
  const exists = await database.exists();
  if (exists) {
    if (database.previousInstance === 'none') {
      // The minimal deploy removed the instance from the template, yet it is there: its delete
      // failed in CloudFormation's cleanup (the stack still ends UPDATE_COMPLETE). Creating it now
      // would fail on the name, half way through this deploy.
      const kept = record?.databaseSnapshot?.identifier;
      throw new Error(
        `${environment}'s database exists, but the previous template had no instance (the minimal deploy's delete failed, or a failed restore left it: see the data stack's events), so creating it now would fail on its name. ${
          kept
            ? `Its data is in the snapshot ${kept}, which this deploy restores: delete the instance (aws rds delete-db-instance --db-instance-identifier <it> --skip-final-snapshot, once you have checked ${kept} is available), wait until it is gone, then deploy again`
            : `No snapshot is recorded: delete the instance with a final snapshot (aws rds delete-db-instance --db-instance-identifier <it> --final-db-snapshot-identifier <a name>), set database.restoreFromSnapshot to that snapshot, then deploy again (without it the deploy creates an EMPTY database)`
        }`,
      );
    }
    if (database.previousRestoreFrom !== undefined && database.previousRestoreFrom !== database.restoreFrom) {
      throw new Error(
        `${environment}'s database exists and was created from ${restoreFromText(database.previousRestoreFrom)}, but this deploy creates it from ${restoreFromText(database.restoreFrom)}: CloudFormation would REPLACE the database and every write since would be lost. Put database.restoredFromMinimalSnapshot / database.restoreFromSnapshot back as they were${database.previousRestoreFrom ? ` ('${database.previousRestoreFrom}')` : ' (unset)'}; to really start over from a snapshot, delete the data stack first`,
      );
    }
    return;
  }
  const kept = record?.databaseSnapshot?.identifier;
  if (kept && database.restoreFrom !== kept) {
    throw new Error(
      `${environment}'s data is kept in the snapshot ${kept} (taken by "booking-infra minimal"), but this deploy creates the database from ${restoreFromText(database.restoreFrom)}: set database.restoredFromMinimalSnapshot: '${kept}' in src/config/${environment}.ts and deploy again`,
    );
  }
  if (kept && record?.state === 'minimal' && request.structure === 'running') {
    throw new Error(
      `${environment} is recorded minimal: run "npx booking-infra resume ${environment}" first (it records running, so this deploy restores the database from ${kept} and starts the services), then deploy again`,
    );
  }
  if (kept && database.snapshot) {
    // Refused here, before CloudFormation spends minutes on a restore RDS then refuses.
    const found = await database.snapshot(kept);
    if (found?.status !== 'available') {
      throw new Error(
        `${environment}'s data is kept in the snapshot ${kept}, which is ${found ? found.status : 'missing'}: the database cannot be restored from it. Look for it (aws rds describe-db-snapshots --db-instance-identifier <the database> --snapshot-type manual): CloudFormation's final snapshot of the deleted instance holds the same data; restore from it with database.restoreFromSnapshot`,
      );
    }
    if (found.engineVersion && database.engineVersion && olderVersion(database.engineVersion, found.engineVersion)) {
      throw new Error(
        `the snapshot ${kept} is PostgreSQL ${found.engineVersion} (minor upgrades moved the instance past the config), but database.engineVersion is ${database.engineVersion}, and RDS restores to no older version: set database.engineVersion: '${found.engineVersion}' in src/config/${environment}.ts and deploy again`,
      );
    }
  }
}
