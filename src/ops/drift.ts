import { DATABASE_MISSING, type Observation } from './operations';
import type { EnvironmentResources } from './resources';
import { LOCK_STALE_MS } from './state-store';

/** What AWS shows the environment to be, whatever was recorded. */
export type ObservedState = 'running' | 'paused' | 'minimal' | 'mixed';

export interface Assessment {
  readonly observed: ObservedState;
  /** One line per difference between the record and AWS (or between config and deployment). */
  readonly drift: readonly string[];
  /** The command that converges the environment, when there is drift. */
  readonly converge?: string;
}

const STOPPED = new Set(['stopped', 'stopping']);

/**
 * Compares what AWS shows with the state record and names every difference and the command that
 * converges it. Pure: `status` and its tests call it with an observation.
 */
export function assessEnvironment(
  resources: EnvironmentResources,
  observation: Observation,
  options: { configuredStructure: 'running' | 'minimal'; cacheStatus?: string; now: number },
): Assessment {
  const env = resources.environment;
  const { services, database, record, lock } = observation;
  const structureMinimal = services.length === 0 && !resources.cacheId;
  const tasksOff = services.every((s) => s.max === 0 && s.desired === 0 && s.running === 0);
  const tasksOn = services.length > 0 && services.every((s) => s.max > 0);
  const databaseStopped = STOPPED.has(database);
  const missing = database === DATABASE_MISSING;
  const kept = record?.databaseSnapshot?.identifier;
  const observed: ObservedState = structureMinimal
    ? 'minimal'
    : tasksOff && databaseStopped
      ? 'paused'
      : tasksOn && database === 'available'
        ? 'running'
        : 'mixed';

  const drift: string[] = [];
  let converge: string | undefined;
  const pause = `npx booking-infra pause ${env}`;
  const resume = `npx booking-infra resume ${env}`;
  const deploy = `npx cdk deploy '${resources.stage}/*'`;

  if (lock) {
    const stale = options.now - Date.parse(lock.heartbeatAt) > LOCK_STALE_MS;
    drift.push(
      `"${lock.operation}" by ${lock.holder} holds the lock since ${lock.startedAt}${stale ? ` and has shown no sign of life for over ${LOCK_STALE_MS / 60_000} min (crashed?)` : ' (in progress)'}`,
    );
    if (stale) {
      // A crashed run: say what it left half done, which the --break-lock run continues.
      if (record?.state === 'pausing' || record?.state === 'resuming') {
        drift.push(
          `a ${record.state === 'pausing' ? 'pause' : 'resume'} began at ${record.changedAt} and did not finish`,
        );
      }
      converge = `npx booking-infra ${lock.operation} ${env} --break-lock`;
    }
    return { observed, drift, converge };
  }

  const state = record?.state;
  if (!resources.clusterName) {
    drift.push(`stack ${resources.stage}-app is not deployed (or has no outputs)`);
    return { observed: 'mixed', drift, converge: deploy };
  }
  if (!record) {
    drift.push('no state is recorded (deployed before the state table existed, or the record was deleted)');
    if (missing) {
      // Nothing names a snapshot to restore: resume refuses, and a deploy creates it empty.
      drift.push(
        `the database ${resources.databaseId} does not exist and no snapshot of it is recorded: a deploy with state 'running' creates it EMPTY (database.restoreFromSnapshot restores one instead)`,
      );
    } else converge = observed === 'paused' ? pause : resume;
  } else if (state === 'pausing' || state === 'resuming') {
    drift.push(`a ${state === 'pausing' ? 'pause' : 'resume'} began at ${record.changedAt} and did not finish`);
    converge = state === 'pausing' ? pause : resume;
  } else if (missing) {
    // Only the minimal deploy deletes the database (whileMinimal 'snapshot'), keeping its data in
    // the snapshot the record names; anything else deleted it.
    const id = resources.databaseId;
    const keptText = kept ? `its data is kept in the snapshot ${kept}` : 'no snapshot of it is recorded';
    if (!structureMinimal) {
      drift.push(
        `the database ${id} does not exist although ${env}'s services are deployed (recorded ${state}): something deleted it; restore it with database.restoreFromSnapshot${kept ? ` (the record names ${kept}, taken by minimal)` : ''}`,
      );
    } else if (state === 'running') {
      drift.push(
        kept
          ? `the database is kept as snapshot ${kept}: deploy with database.restoredFromMinimalSnapshot: '${kept}'`
          : `the database ${id} does not exist and no snapshot of it is recorded: the deploy with state 'running' creates it EMPTY`,
      );
      converge = kept
        ? `set state: 'running' and database.restoredFromMinimalSnapshot: '${kept}' in src/config/${env}.ts and run ${deploy}`
        : deploy;
    } else if (state === 'paused') {
      drift.push(`the database ${id} does not exist although ${env} is recorded paused, not minimal; ${keptText}`);
      if (kept) converge = `npx booking-infra minimal ${env}`;
    } else if (!kept) {
      drift.push(
        `the database ${id} does not exist and no snapshot of it is recorded: leaving minimal creates it EMPTY`,
      );
    }
  } else if (state === 'paused' || state === 'minimal') {
    if (!databaseStopped) {
      drift.push(
        `the database is ${database} although ${env} is recorded ${state} (the guard stops it within minutes)`,
      );
      converge = pause;
    }
    const busy = services.filter((s) => s.max > 0 || s.desired > 0 || s.running > 0);
    for (const s of busy) {
      drift.push(
        `${s.role} has ${s.running} running of ${s.desired} desired, bounds ${s.min}..${s.max}, although recorded ${state}`,
      );
      converge = pause;
    }
    if (state === 'minimal' && !structureMinimal && drift.length === 0) {
      drift.push(`recorded minimal, but the load balancer, services or cache are still deployed`);
      converge = `set state: 'minimal' in src/config/${env}.ts and run ${deploy}`;
    }
  } else if (state === 'running') {
    if (structureMinimal) {
      if (options.configuredStructure === 'running') {
        drift.push('recorded running, but the services and cache are not deployed yet');
        converge = deploy;
      }
    } else {
      if (database !== 'available') {
        drift.push(`the database is ${database} although ${env} is recorded running`);
        converge = resume;
      }
      for (const s of services) {
        const recorded = record.services[s.role];
        if (recorded && (s.min !== recorded.min || s.max !== recorded.max)) {
          drift.push(`${s.role} bounds are ${s.min}..${s.max}; recorded ${recorded.min}..${recorded.max}`);
          converge = resume;
        }
      }
    }
  }
  if (options.configuredStructure === 'minimal' && !structureMinimal && state !== 'minimal' && !converge) {
    drift.push(`the config says state 'minimal' but ${env} is deployed in full`);
    converge = `npx booking-infra minimal ${env}, then ${deploy}`;
  }
  if (options.cacheStatus === 'missing') drift.push(`the cache ${resources.cacheId} is missing`);
  return { observed, drift, converge };
}
