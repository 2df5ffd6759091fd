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
    now: number;
    actor: string;
  },
): Promise<ConfiguredBounds> {
  const { environment, role, configured } = request;
  await refuseDuringTransition(store, environment, request.now);
  if (request.firstDeploy && !request.creating) {
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

/**
 * The data stack's gate on the environment's structure: removing the cache (and with it the
 * queued jobs and sessions) is allowed only once `booking-infra minimal` recorded the environment
 * minimal, which checks the queues and snapshots the cache. A first deploy in `minimal` records it.
 */
export async function checkStructure(
  store: StateStore,
  request: { environment: string; structure: DeployedStructure; now: number; actor: string },
): Promise<void> {
  if (request.structure !== 'minimal') return;
  await refuseDuringTransition(store, request.environment, request.now);
  const record = await store.readRecord();
  if (!record) {
    await store.writeRecord(
      { state: 'minimal', services: {}, changedAt: new Date(request.now).toISOString(), changedBy: request.actor },
      undefined,
    );
    return;
  }
  if (record.state !== 'minimal') {
    throw new Error(
      `deploying state 'minimal' deletes ${request.environment}'s cache with its queued jobs, but ${request.environment} is recorded ${record.state}: run "npx booking-infra minimal ${request.environment}" first (it checks the queues, snapshots the cache in production and stops the database)`,
    );
  }
}
