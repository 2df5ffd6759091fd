import { randomUUID } from 'node:crypto';
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  ScalableDimension,
  ServiceNamespace,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type Task,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateSnapshotCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-elasticache';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import type { OpsClients } from './clients';
import { minimalDatabaseSnapshotName, PAUSE_SILENCED_ALARMS, QUEUE_BACKLOG_METRIC } from './contracts';
import { CACHE_TASK_BOUNDS, type EnvironmentResources } from './resources';
import {
  DATABASE_STOPPED_STATES,
  type DatabaseSnapshotRecord,
  LOCK_STALE_MS,
  type LockRecord,
  type RecordedState,
  type ServiceCapacity,
  type ServiceRole,
  type StateRecord,
  StateStore,
} from './state-store';
import {
  BROKEN_VPC_LINK_STATUSES,
  brokenVpcLinkFix,
  describeVpcLink,
  readVpcLink,
  requestApi,
  type VpcLinkState,
} from './vpc-link';

/** How progress is shown; the CLI prints, the Lambdas log. */
export interface Reporter {
  (line: string): void;
}

/** Everything the operations need from outside, injectable for tests. */
export interface OpsContext {
  readonly clients: OpsClients;
  readonly report: Reporter;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Who runs the operations, for the lock and the journal (e.g. `cli:alice@laptop`, `schedule`). */
  readonly actor?: string;
  /** Between polls while waiting. @default 15 s */
  readonly pollIntervalMs?: number;
  /** Longest wait for one condition. @default 30 min */
  readonly timeoutMs?: number;
  /** Unique ids for lock tokens and journal entries. @default randomUUID */
  readonly newId?: () => string;
  /**
   * Sends one request to the API, to wake its INACTIVE VPC link; returns what came back, for the
   * report. @default one GET with the global fetch, 10 s timeout (requestApi)
   */
  readonly wake?: (url: string) => Promise<string>;
  /**
   * When the run must have stopped (ms on `now`'s clock), e.g. a Lambda's end minus a margin:
   * every wait gives up by then, so a failure releases the lock and journals the outcome instead
   * of the process being killed with the lock held. @default none
   */
  readonly deadline?: () => number | undefined;
}

export interface ServiceObservation extends ServiceCapacity {
  readonly role: ServiceRole;
  readonly name: string;
  readonly running: number;
  readonly pending: number;
}

/** What the environment's resources are doing right now, beside what was recorded. */
export interface Observation {
  readonly services: readonly ServiceObservation[];
  readonly database: string;
  readonly record?: StateRecord;
  readonly lock?: LockRecord;
}

export type Operation = 'pause' | 'resume' | 'minimal';

/** What a step does, so callers never read a step's display text to decide anything. */
export type StepKind = 'record' | 'capacity' | 'wait' | 'database' | 'check' | 'snapshot' | 'alarms';

export interface Step {
  readonly kind: StepKind;
  readonly description: string;
  readonly run: () => Promise<void>;
}

/** The result of planning: the steps, or why there is nothing to do. */
export interface Plan {
  readonly operation: Operation;
  readonly from: RecordedState | 'unrecorded';
  readonly to: RecordedState;
  readonly steps: readonly Step[];
  readonly nothingToDo?: string;
  /**
   * With `nothingToDo`: idempotent, best-effort steps run anyway (under the lock, no
   * confirmation), e.g. a second pause silencing again alarms a deploy while paused re-enabled.
   */
  readonly upkeep?: readonly Step[];
  /**
   * What the operator does next for the environment to get there, when only the plan knows it:
   * the deploy that deletes the database once `minimal` snapshotted it, or the one that restores
   * it (or creates it empty) once `resume` recorded running. Callers print it after the plan ran,
   * or with `nothingToDo`.
   */
  readonly next?: string;
}

export interface MinimalOptions {
  /** Go ahead although Dramatiq messages are queued (they are lost with the cache). */
  readonly dropQueuedJobs?: boolean;
  /** Snapshot the cache before it is deleted (always in production). */
  readonly snapshotCache?: boolean;
}

/** RDS states from which a stop or start must wait. */
export const DATABASE_TRANSITIONS = new Set([
  'starting',
  'stopping',
  'backing-up',
  'modifying',
  'rebooting',
  'maintenance',
  'upgrading',
  'configuring-enhanced-monitoring',
  'configuring-log-exports',
  'storage-optimization',
  'renaming',
  'resetting-master-credentials',
  'creating',
]);

/**
 * What databaseStatus() answers when RDS has no such instance: with `database.whileMinimal:
 * 'snapshot'` the minimal deploy deletes it, and the record names the snapshot that keeps the data.
 */
export const DATABASE_MISSING = 'missing';

/**
 * Tag on the snapshot `minimal` takes of the database (value: the environment), so that a person
 * looking at the snapshots sees why it exists. Not the cleanup's keep tag: the state record, then
 * the config's `restoredFromMinimalSnapshot`, keep it from cleanup as long as it is needed.
 */
export const MINIMAL_SNAPSHOT_TAG = 'booking-infra:minimal';

/** Records from which a `minimal` in snapshot mode reuses the snapshot named (a retry of a half-done one). */
const SNAPSHOT_RETRY_STATES: ReadonlySet<RecordedState> = new Set(['pausing', 'paused', 'minimal']);

/** The snapshot a `minimal` in snapshot mode keeps the data in, as planned. */
interface MinimalSnapshot {
  readonly record: DatabaseSnapshotRecord;
  /** Its RDS status when planned; undefined: not taken yet. */
  readonly status?: string;
}

/** How long `minimal` waits for a queue measurement taken after the services stopped. */
const QUEUE_MEASUREMENT_WAIT_MS = 5 * 60_000;

/** How often resume sends a request again while an INACTIVE VPC link reactivates. */
const VPC_LINK_WAKE_INTERVAL_MS = 60_000;

const zero: Omit<ServiceCapacity, 'desired'> & { desired: 0 } = { desired: 0, min: 0, max: 0 };

/** A service with a task running, starting, or meant to run. */
const isBusy = (s: ServiceObservation) => s.running > 0 || s.pending > 0 || s.desired > 0;

export function describeCapacities(services: Readonly<Partial<Record<string, ServiceCapacity>>>): string {
  const parts = Object.entries(services).map(
    ([role, c]) => `${role} ${c!.desired} task${c!.desired === 1 ? '' : 's'}, ${c!.min}..${c!.max}`,
  );
  return parts.length > 0 ? parts.join('; ') : 'no services';
}

/** `2 RUNNING/HEALTHY, 1 PROVISIONING/UNKNOWN`: the web tasks as ECS shows them. */
function describeTaskHealth(tasks: readonly Task[]): string {
  if (tasks.length === 0) return 'no task';
  const counts = new Map<string, number>();
  for (const task of tasks) {
    const key = `${task.lastStatus ?? 'unknown'}/${task.healthStatus ?? 'UNKNOWN'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count} ${key}`).join(', ');
}

export class EnvironmentOperations {
  readonly store: StateStore;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly newId: () => string;
  private readonly wake: (url: string) => Promise<string>;
  /** The lock token while a transition runs (heartbeats are sent with it). */
  private lockToken?: string;
  /** The record version this run last read or wrote. */
  private recordVersion?: number;

  constructor(
    readonly resources: EnvironmentResources,
    private readonly context: OpsContext,
  ) {
    this.pollIntervalMs = context.pollIntervalMs ?? 15_000;
    this.timeoutMs = context.timeoutMs ?? 30 * 60_000;
    this.newId = context.newId ?? randomUUID;
    this.wake = context.wake ?? requestApi;
    this.store = new StateStore(context.clients.dynamodb, resources.stateTable);
  }

  private get actor(): string {
    return this.context.actor ?? 'unknown';
  }

  private resourceId(serviceName: string): string {
    return `service/${this.resources.clusterName}/${serviceName}`;
  }

  private isoNow(): string {
    return new Date(this.context.now()).toISOString();
  }

  /** The instance's RDS status (DATABASE_MISSING when there is none) and master user. */
  async describeDatabase(): Promise<{ readonly status: string; readonly masterUsername?: string }> {
    try {
      const answer = await this.context.clients.rds.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: this.resources.databaseId }),
      );
      const instance = answer.DBInstances?.[0];
      return { status: instance?.DBInstanceStatus ?? 'unknown', masterUsername: instance?.MasterUsername };
    } catch (error) {
      if (error instanceof Error && /DBInstanceNotFound/.test(error.name)) return { status: DATABASE_MISSING };
      throw error;
    }
  }

  /** The instance's RDS status, or DATABASE_MISSING when it does not exist (deleted while minimal). */
  async databaseStatus(): Promise<string> {
    return (await this.describeDatabase()).status;
  }

  /** The RDS status of the DB snapshot `identifier`, or undefined when there is none. */
  async databaseSnapshotStatus(identifier: string): Promise<string | undefined> {
    return (await this.describeDatabaseSnapshot(identifier))?.status;
  }

  /** The DB snapshot `identifier`'s RDS status and engine version, or undefined when there is none. */
  async describeDatabaseSnapshot(
    identifier: string,
  ): Promise<{ readonly status: string; readonly engineVersion?: string } | undefined> {
    try {
      const answer = await this.context.clients.rds.send(
        new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: identifier }),
      );
      const snapshot = answer.DBSnapshots?.find((s) => s.DBSnapshotIdentifier === identifier);
      return snapshot ? { status: snapshot.Status ?? 'unknown', engineVersion: snapshot.EngineVersion } : undefined;
    } catch (error) {
      if (error instanceof Error && /DBSnapshotNotFound/.test(error.name)) return undefined;
      throw error;
    }
  }

  async cacheStatus(): Promise<string | undefined> {
    if (!this.resources.cacheId) return undefined;
    try {
      const answer = await this.context.clients.elasticache.send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: this.resources.cacheId }),
      );
      return answer.ReplicationGroups?.[0]?.Status ?? 'unknown';
    } catch (error) {
      if (error instanceof Error && error.name === 'ReplicationGroupNotFoundFault') return 'missing';
      throw error;
    }
  }

  /** Each service's counts and scaling bounds (ECS and Application Auto Scaling only). */
  async observeServices(): Promise<ServiceObservation[]> {
    const { clients } = this.context;
    if (this.resources.services.length === 0) return [];
    const [described, targets] = await Promise.all([
      clients.ecs.send(
        new DescribeServicesCommand({
          cluster: this.resources.clusterName,
          services: this.resources.services.map((s) => s.name),
        }),
      ),
      clients.autoscaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: ServiceNamespace.ECS,
          ResourceIds: this.resources.services.map((s) => this.resourceId(s.name)),
        }),
      ),
    ]);
    return this.resources.services.map((service) => {
      const found = described.services?.find((s) => s.serviceName === service.name);
      if (!found || found.status === 'INACTIVE') {
        throw new Error(
          `service ${service.name} is missing from cluster ${this.resources.clusterName} (redeploy: npx cdk deploy)`,
        );
      }
      const target = targets.ScalableTargets?.find((t) => t.ResourceId === this.resourceId(service.name));
      return {
        role: service.role,
        name: service.name,
        desired: found.desiredCount ?? 0,
        running: found.runningCount ?? 0,
        pending: found.pendingCount ?? 0,
        min: target?.MinCapacity ?? 0,
        max: target?.MaxCapacity ?? 0,
      };
    });
  }

  /** Services, database, record and lock, read together. */
  async observe(): Promise<Observation> {
    const [services, database, record, lock] = await Promise.all([
      this.observeServices(),
      this.databaseStatus(),
      this.store.readRecord(),
      this.store.readLock(),
    ]);
    this.recordVersion = record?.version;
    return { services, database, record, lock };
  }

  /**
   * Polls `check` until it returns true, reporting elapsed time; fails after the timeout. Own code
   * rather than the SDK's waiters because they lack what a transition needs: RDS has no "stopped"
   * waiter and ElastiCache no snapshot waiter; "every task drained" spans two services and
   * running + pending counts; and a waiter can neither report progress between polls, nor refresh
   * the transition lock's heartbeat, nor run on the injected clock the tests use.
   */
  private async waitFor(
    what: string,
    check: () => Promise<boolean>,
    timeoutMs = this.timeoutMs,
    /** The error when it gives up, where a bare "gave up waiting" would leave the operator guessing. */
    giveUp?: (elapsedSeconds: number) => string,
  ): Promise<void> {
    const started = this.context.now();
    for (;;) {
      if (await check()) {
        this.context.report(`  ${what}: done after ${Math.round((this.context.now() - started) / 1000)} s`);
        return;
      }
      const now = this.context.now();
      const elapsed = now - started;
      const deadline = this.context.deadline?.();
      if (deadline !== undefined && now + this.pollIntervalMs >= deadline) {
        // Out of time for this run (a Lambda about to end): fail cleanly, so the lock is released
        // and the next run (a retry) carries on from the record.
        throw new Error(
          `${giveUp?.(Math.round(elapsed / 1000)) ?? `gave up waiting for ${what} after ${Math.round(elapsed / 1000)} s`} (this run's time is up; the next run carries on from the record)`,
        );
      }
      if (elapsed > timeoutMs) {
        const seconds = Math.round(elapsed / 1000);
        throw new Error(giveUp?.(seconds) ?? `gave up waiting for ${what} after ${seconds} s`);
      }
      this.context.report(`  waiting for ${what} (${Math.round(elapsed / 1000)} s)`);
      await this.heartbeat();
      await this.context.sleep(this.pollIntervalMs);
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.lockToken) await this.store.heartbeat(this.lockToken!, this.context.now());
  }

  /**
   * A step writing the record: `state`, with the capacities to restore. A write replaces the whole
   * record, so every caller says what becomes of the database snapshot it may name: kept (passed)
   * only by `minimal` in snapshot mode, from its first write on (a retry then reuses the
   * snapshot), and by a resume whose database the minimal deploy deleted (the restoring deploy's
   * gate checks the config against it); cleared (undefined) by every other transition.
   */
  private recordStep(
    state: RecordedState,
    services: StateRecord['services'],
    why: string,
    keep: { readonly databaseSnapshot: DatabaseSnapshotRecord | undefined },
  ): Step {
    const { databaseSnapshot } = keep;
    return {
      kind: 'record',
      description: `record ${state} (${why}; capacities to restore: ${describeCapacities(services)}${databaseSnapshot ? `; database snapshot: ${databaseSnapshot.identifier}` : ''})`,
      run: async () => {
        const written = await this.store.writeRecord(
          {
            state,
            services,
            changedAt: this.isoNow(),
            changedBy: this.actor,
            ...(databaseSnapshot ? { databaseSnapshot } : {}),
          },
          this.recordVersion,
        );
        this.recordVersion = written.version;
      },
    };
  }

  private setCapacity(service: ServiceObservation, capacity: ServiceCapacity): Step[] {
    const { clients } = this.context;
    const steps: Step[] = [];
    if (service.min !== capacity.min || service.max !== capacity.max) {
      steps.push({
        kind: 'capacity',
        description: `set ${service.role} scaling bounds to ${capacity.min}..${capacity.max} (now ${service.min}..${service.max})`,
        run: async () => {
          await clients.autoscaling.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: ServiceNamespace.ECS,
              ScalableDimension: ScalableDimension.ECSServiceDesiredCount,
              ResourceId: this.resourceId(service.name),
              MinCapacity: capacity.min,
              MaxCapacity: capacity.max,
              // Held at 0..0 (paused, minimal), no scheduled minimum may start a task; lifted on resume.
              SuspendedState: { ScheduledScalingSuspended: capacity.max === 0 },
            }),
          );
        },
      });
    }
    if (service.desired !== capacity.desired) {
      steps.push({
        kind: 'capacity',
        description: `set ${service.role} desired tasks to ${capacity.desired} (now ${service.desired})`,
        run: async () => {
          await clients.ecs.send(
            new UpdateServiceCommand({
              cluster: this.resources.clusterName,
              service: service.name,
              desiredCount: capacity.desired,
            }),
          );
        },
      });
    }
    return steps;
  }

  private waitForDatabase(target: 'available' | 'stopped'): Step {
    return {
      kind: 'wait',
      description: `wait for the database to be ${target}`,
      run: () => this.waitFor(`database ${target}`, async () => (await this.databaseStatus()) === target),
    };
  }

  /**
   * The capacities a pause must keep for resume. A service seen running (bounds above zero) while
   * the record says running gives its live capacity; otherwise what was recorded stays, and
   * without a record the configured bounds are used. Zero bounds are never recorded, so a retried
   * or concurrent pause cannot turn "restore" into "restore to nothing".
   */
  capacitiesToRestore(observed: Observation): Partial<Record<ServiceRole, ServiceCapacity>> {
    const record = observed.record;
    const liveCounts = !record || record.state === 'running';
    const result: Partial<Record<ServiceRole, ServiceCapacity>> = {};
    for (const role of ['web', 'worker'] as const) {
      const live = observed.services.find((s) => s.role === role);
      const recorded = record?.services[role];
      const configured = this.resources.configured[role];
      if (live && live.max > 0 && (liveCounts || !recorded)) {
        result[role] = { desired: live.desired, min: live.min, max: live.max };
      } else if (recorded) {
        result[role] = recorded;
      } else {
        result[role] = { desired: configured.min, min: configured.min, max: configured.max };
      }
    }
    const cache = this.cacheCapacityToRestore(observed);
    if (cache) result.cache = cache;
    return result;
  }

  /**
   * The cache task's capacity to restore: recorded (its deploys record 1..1), else what runs,
   * else the configured 1..1. None without a cache service (ElastiCache) unless one was recorded
   * (the minimal structure keeps what a later deploy brings back).
   */
  private cacheCapacityToRestore(observed: Observation): ServiceCapacity | undefined {
    const recorded = observed.record?.services.cache;
    if (recorded) return recorded;
    const live = observed.services.find((s) => s.role === 'cache');
    if (!live) return undefined;
    if (live.max > 0) {
      return { desired: Math.min(Math.max(live.desired, live.min), live.max), min: live.min, max: live.max };
    }
    const configured = this.resources.configured.cache ?? CACHE_TASK_BOUNDS;
    return { desired: configured.min, min: configured.min, max: configured.max };
  }

  /** Steps that wait for a migrate task or a pipeline release to finish before the database stops. */
  private async busySteps(): Promise<Step[]> {
    const steps: Step[] = [];
    const migrations = await this.runningMigrations();
    if (migrations.length > 0) {
      steps.push({
        kind: 'wait',
        description: `wait for the running migrate task${migrations.length === 1 ? '' : 's'} to finish (${migrations.join(', ')})`,
        run: () => this.waitFor('migrate tasks finished', async () => (await this.runningMigrations()).length === 0),
      });
    }
    const release = await this.releaseInProgress();
    if (release) {
      steps.push({
        kind: 'wait',
        description: `wait for the pipeline release in progress to finish (${release})`,
        run: () => this.waitFor('pipeline release finished', async () => !(await this.releaseInProgress())),
      });
    }
    return steps;
  }

  /** Task ARNs of running or starting migrate tasks. */
  async runningMigrations(): Promise<string[]> {
    if (!this.resources.migrateFamily || !this.resources.clusterName) return [];
    const answer = await this.context.clients.ecs.send(
      new ListTasksCommand({
        cluster: this.resources.clusterName,
        family: this.resources.migrateFamily,
        desiredStatus: 'RUNNING',
      }),
    );
    return (answer.taskArns ?? []).map((arn) => arn.split('/').pop() ?? arn);
  }

  /** `<stage> execution <id>` of a release in progress, if any. */
  async releaseInProgress(): Promise<string | undefined> {
    if (!this.resources.pipelineName) return undefined;
    try {
      const state = await this.context.clients.codepipeline.send(
        new GetPipelineStateCommand({ name: this.resources.pipelineName }),
      );
      const busy = (state.stageStates ?? []).find((stage) => stage.latestExecution?.status === 'InProgress');
      return busy
        ? `${this.resources.pipelineName} stage ${busy.stageName} execution ${busy.latestExecution?.pipelineExecutionId}`
        : undefined;
    } catch (error) {
      if (error instanceof Error && error.name === 'PipelineNotFoundException') return undefined;
      throw error;
    }
  }

  async stopDatabase(): Promise<void> {
    await this.context.clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: this.resources.databaseId }));
  }

  private databaseStopSteps(
    status: string,
    why = 'AWS starts it again after 7 days; the guard stops it again',
  ): Step[] {
    const stop: Step = {
      kind: 'database',
      description: `stop the database ${this.resources.databaseId} (${why})`,
      run: () => this.stopDatabase(),
    };
    if (status === 'stopped') return [];
    if (status === 'stopping') return [this.waitForDatabase('stopped')];
    if (status === 'available') return [stop, this.waitForDatabase('stopped')];
    if (DATABASE_TRANSITIONS.has(status))
      return [this.waitForDatabase('available'), stop, this.waitForDatabase('stopped')];
    throw new Error(
      `the database ${this.resources.databaseId} is "${status}"; it can be stopped only when available (check it in the RDS console)`,
    );
  }

  private databaseStartSteps(status: string, why?: string): Step[] {
    const start: Step = {
      kind: 'database',
      description: `start the database ${this.resources.databaseId}${why ? ` (${why})` : ''}`,
      run: async () => {
        await this.context.clients.rds.send(
          new StartDBInstanceCommand({ DBInstanceIdentifier: this.resources.databaseId }),
        );
      },
    };
    if (status === 'available') return [];
    if (status === 'stopped') return [start, this.waitForDatabase('available')];
    if (status === 'stopping') return [this.waitForDatabase('stopped'), start, this.waitForDatabase('available')];
    if (DATABASE_TRANSITIONS.has(status)) return [this.waitForDatabase('available')];
    throw new Error(
      `the database ${this.resources.databaseId} is "${status}"; it can be started only when stopped (check it in the RDS console)`,
    );
  }

  /** Whether no web or worker task is left (the cache task is waited for on its own). */
  private async tasksDrained(): Promise<boolean> {
    return (await this.observeServices())
      .filter((s) => s.role !== 'cache')
      .every((s) => s.running === 0 && s.pending === 0);
  }

  /**
   * Steps that bring web and worker to zero and wait until none of their tasks is left. A cache
   * task stays up meanwhile (cacheStopSteps follows), so the workers' last acks reach it.
   */
  private drainSteps(observed: Observation): Step[] {
    const app = observed.services.filter((s) => s.role !== 'cache');
    const cacheFollows = app.length < observed.services.length;
    const steps = app.flatMap((service) => this.setCapacity(service, zero));
    if (app.some(isBusy)) {
      steps.push({
        kind: 'wait',
        description: cacheFollows
          ? 'wait for every web and worker task to drain (the cache stays up for their last acks)'
          : 'wait for every task to drain',
        run: async () => {
          await this.waitFor(cacheFollows ? 'web and worker tasks drained' : 'tasks drained', () =>
            this.tasksDrained(),
          );
          this.drainedAt = this.context.now();
        },
      });
    }
    return steps;
  }

  /**
   * Steps that stop the cache task, once web and worker are drained, and wait until it has
   * stopped: Valkey writes its append-only file to EFS as it exits, and a resume must not start
   * a second Valkey on that file while the first still writes.
   */
  private cacheStopSteps(cache: ServiceObservation): Step[] {
    const steps = this.setCapacity(cache, zero);
    if (isBusy(cache)) {
      steps.push({
        kind: 'wait',
        description: `wait for the cache task of ${cache.name} to stop (Valkey writes its data to EFS as it exits)`,
        run: () => this.waitFor('cache task stopped', () => this.cacheStopped(cache.name)),
      });
    }
    return steps;
  }

  /** No cache task runs, starts or is still stopping (ECS counts a stopping task as not running). */
  private async cacheStopped(service: string): Promise<boolean> {
    const cache = (await this.observeServices()).find((s) => s.name === service);
    if (cache && (cache.running > 0 || cache.pending > 0)) return false;
    return (await this.serviceTasks(service, 'STOPPED')).every((task) => task.lastStatus === 'STOPPED');
  }

  /**
   * `count` while the cache task runs, then the steps that stop it. A stopped cache (paused) is
   * started alone for the count: its messages are on EFS, and only Valkey can count them.
   */
  private countThenStopCache(cache: ServiceObservation, capacity: ServiceCapacity, count: Step): Step[] {
    const stop = this.cacheStopSteps(cache);
    if (stop.length > 0) return [count, ...stop];
    const started: ServiceObservation = { ...cache, ...capacity, running: capacity.desired, pending: 0 };
    return [
      ...this.setCapacity(cache, capacity),
      this.cacheUpStep(cache.name, 'started alone so that its messages can be counted; stopped again after', () => {
        this.cacheUpAt = this.context.now();
      }),
      count,
      ...this.cacheStopSteps(started),
    ];
  }

  /**
   * A step waiting for the cache task: RUNNING, and HEALTHY when the task reports health (the
   * cache task's container health check pings Valkey). `started` runs once it is up.
   */
  private cacheUpStep(service: string, why: string, started?: () => void): Step {
    return {
      kind: 'wait',
      description: `wait for the cache task of ${service} to run and pass its health check (${why})`,
      run: async () => {
        await this.tasksHealthy(service, {
          what: 'cache task up',
          subject: `the cache task of ${service} did not run and pass its container health check`,
          healthy: (task) =>
            task.lastStatus === 'RUNNING' && (task.healthStatus === undefined || task.healthStatus === 'HEALTHY'),
          logs: "the cache's logs",
        });
        started?.();
      },
    };
  }

  /**
   * The alarms a paused environment trips by design (see PAUSE_SILENCED_ALARMS): their actions off
   * for a pause (best effort), on again for a resume (required). Idempotent; an alarm that does
   * not exist (minimal, or monitoring not deployed yet) is ignored by CloudWatch.
   */
  private alarmActionsStep(enabled: boolean): Step {
    const names = PAUSE_SILENCED_ALARMS.map((suffix) => `${this.resources.stage}-${suffix}`);
    return {
      kind: 'alarms',
      description: enabled
        ? `let the alarms a pause silences page again (${names.join(', ')})`
        : `silence the alarms a paused environment trips by design (${names.join(', ')})`,
      run: async () => {
        if (enabled) {
          // A resume is not done while its alarms stay silent: a failure here fails the resume,
          // whose record stays `resuming`, so running it again (status says so) gives them back.
          await this.context.clients.cloudwatch.send(new EnableAlarmActionsCommand({ AlarmNames: names }));
          return;
        }
        // Silencing is best effort: a pause must not fail for want of it; at worst an alarm
        // pages while the environment is paused, and the operator is told.
        try {
          await this.context.clients.cloudwatch.send(new DisableAlarmActionsCommand({ AlarmNames: names }));
        } catch (error) {
          this.context.report(
            `  could not silence the alarms (${error instanceof Error ? error.message.split('\n')[0].slice(0, 200) : String(error)}): they may page while paused`,
          );
        }
      },
    };
  }

  /**
   * Plans a pause from what is observed: only what is not already paused. Web and worker drain
   * first, then the cache task if there is one, then the database stops.
   */
  async planPause(observed: Observation): Promise<Plan> {
    return this.pausePlan(observed);
  }

  /**
   * The pause, with `countBeforeCacheStops` (minimal with a cache task): a step run once web and
   * worker are drained and before the cache task stops, since counting its messages needs Valkey
   * up. A cache already stopped is started alone for it, and stopped again after.
   *
   * With `databaseSnapshot` (minimal with `whileMinimal: 'snapshot'`), its record writes name the
   * snapshot, and until the snapshot is available the database is snapshotted before it stops
   * (databaseSnapshotSteps), even when already recorded minimal (the mode changed since).
   */
  private async pausePlan(
    observed: Observation,
    options: { readonly countBeforeCacheStops?: Step; readonly databaseSnapshot?: MinimalSnapshot } = {},
  ): Promise<Plan> {
    const from = observed.record?.state ?? 'unrecorded';
    const env = this.resources.environment;
    const snapshot = options.databaseSnapshot;
    if (observed.database === DATABASE_MISSING) {
      // planMinimal and planResume deal with a missing database before they get here: a pause.
      if (observed.record?.state !== 'minimal') throw new Error(this.missingDatabaseError(observed, 'pause'));
      const kept = observed.record.databaseSnapshot?.identifier;
      return {
        operation: 'pause',
        from,
        to: 'minimal',
        steps: [],
        nothingToDo: `${env} is minimal (more than paused): its database ${this.resources.databaseId} is deleted, ${kept ? `its data kept in the snapshot ${kept}` : 'and no snapshot of it is recorded'}`,
      };
    }
    const takeSnapshot = snapshot !== undefined && snapshot.status !== 'available';
    if (observed.record?.state === 'minimal' && !takeSnapshot) {
      const steps = this.databaseStopSteps(observed.database);
      return steps.length === 0
        ? { operation: 'pause', from, to: 'minimal', steps, nothingToDo: `${env} is minimal (more than paused)` }
        : { operation: 'pause', from, to: 'minimal', steps };
    }
    const restore = this.capacitiesToRestore(observed);
    const drain = this.drainSteps(observed);
    const cache = observed.services.find((s) => s.role === 'cache');
    const cacheSteps = !cache
      ? []
      : options.countBeforeCacheStops
        ? this.countThenStopCache(cache, restore.cache!, options.countBeforeCacheStops)
        : this.cacheStopSteps(cache);
    const database = takeSnapshot
      ? this.databaseSnapshotSteps(observed.database, snapshot)
      : this.databaseStopSteps(observed.database);
    if (observed.record?.state === 'paused' && drain.length === 0 && cacheSteps.length === 0 && database.length === 0) {
      // A deploy while paused re-creates or rewrites alarms with their actions on: silence again.
      return {
        operation: 'pause',
        from,
        to: 'paused',
        steps: [],
        nothingToDo: `${env} is already paused`,
        upkeep: [this.alarmActionsStep(false)],
      };
    }
    const keep = { databaseSnapshot: snapshot?.record };
    const steps: Step[] = [
      ...(await this.busySteps()),
      this.recordStep('pausing', restore, 'a pause has begun; the guard leaves the database to it', keep),
      this.alarmActionsStep(false),
      ...drain,
      ...cacheSteps,
      ...database,
      this.recordStep('paused', restore, 'the guard keeps the database stopped', keep),
    ];
    return { operation: 'pause', from, to: 'paused', steps };
  }

  /**
   * `minimal` in snapshot mode, once web and worker are drained: start the database if stopped
   * (RDS cannot snapshot a stopped instance), take the snapshot (or wait for the one an earlier run
   * began), then stop the database again; it bills only its storage until the minimal deploy
   * deletes it. A snapshot that failed is refused while planning, naming it and the fix.
   */
  private databaseSnapshotSteps(status: string, snapshot: MinimalSnapshot): Step[] {
    const id = this.resources.databaseId;
    const name = snapshot.record.identifier;
    if (snapshot.status === 'failed') throw new Error(this.failedSnapshotError(name));
    // A busy instance (backing up, maybe for this very snapshot) is waited for by the snapshot
    // step; a stopping one never becomes available by itself: waited for until stopped, started.
    const start =
      status === 'available' || (DATABASE_TRANSITIONS.has(status) && status !== 'stopping')
        ? []
        : this.databaseStartSteps(
            status,
            'RDS cannot snapshot a stopped instance; it is stopped again once the snapshot is taken',
          );
    return [
      ...start,
      {
        kind: 'snapshot',
        description: snapshot.status
          ? `wait for the snapshot ${name} of the database ${id}, begun by an earlier run (now ${snapshot.status})`
          : `snapshot the database ${id} as ${name} (taken with web and worker stopped, it holds every write; it keeps the data while minimal, at 0.10 USD per GB-month)`,
        run: () => this.takeDatabaseSnapshot(snapshot.record),
      },
      ...this.databaseStopSteps(
        'available',
        'the snapshot holds its data; stopped, it bills only its storage until the minimal deploy deletes it',
      ),
    ];
  }

  /**
   * Creates the snapshot unless it exists already (a retry), once the instance is available (RDS
   * snapshots nothing else), then waits until the snapshot is available and the instance is
   * available again (RDS refuses to stop an instance while it is backing up).
   */
  private async takeDatabaseSnapshot(snapshot: DatabaseSnapshotRecord): Promise<void> {
    const name = snapshot.identifier;
    const id = this.resources.databaseId;
    const existing = await this.databaseSnapshotStatus(name);
    if (existing === 'failed') throw new Error(this.failedSnapshotError(name));
    if (existing === undefined) {
      await this.waitFor('database available', async () => (await this.databaseStatus()) === 'available');
      try {
        await this.context.clients.rds.send(
          new CreateDBSnapshotCommand({
            DBInstanceIdentifier: id,
            DBSnapshotIdentifier: name,
            Tags: [
              { Key: 'app', Value: this.resources.metricNamespace },
              { Key: 'environment', Value: this.resources.environment },
              { Key: MINIMAL_SNAPSHOT_TAG, Value: this.resources.environment },
            ],
          }),
        );
      } catch (error) {
        if (!(error instanceof Error && /DBSnapshotAlreadyExists/.test(error.name))) throw error;
      }
    } else {
      this.context.report(`  the snapshot ${name} exists already (${existing}): not taken again`);
    }
    await this.waitFor(`snapshot ${name} available`, async () => {
      const status = await this.databaseSnapshotStatus(name);
      if (status === 'failed') throw new Error(this.failedSnapshotError(name));
      if (status === undefined) {
        throw new Error(
          `the snapshot ${name} of ${id} disappeared while it was being taken (deleted by hand?): run "npx booking-infra minimal ${this.resources.environment}" again, which takes it anew`,
        );
      }
      return status === 'available' && (await this.databaseStatus()) === 'available';
    });
  }

  private failedSnapshotError(name: string): string {
    const env = this.resources.environment;
    return `the database snapshot ${name} failed, so it holds no data to restore: delete it (aws rds delete-db-snapshot --db-snapshot-identifier ${name} --region ${this.resources.region}), then run "npx booking-infra minimal ${env}" again, which takes it anew under the same name. ${env} is not minimal; its database is left as "npx booking-infra status ${env}" shows (running if this run started it: "npx booking-infra pause ${env}" stops it)`;
  }

  /**
   * A transition refused because the database does not exist where it must: the services are
   * deployed (something deleted it), or no snapshot of it is recorded and the environment is not
   * minimal. Names the database, the snapshot the record names if any, and the fix.
   */
  private missingDatabaseError(observed: Observation, verb: Operation): string {
    const env = this.resources.environment;
    const id = this.resources.databaseId;
    const state = observed.record?.state ?? 'nothing';
    const kept = observed.record?.databaseSnapshot?.identifier;
    const restore = `set database.restoreFromSnapshot in src/config/${env}.ts to its newest snapshot (aws rds describe-db-snapshots --db-instance-identifier ${id} --region ${this.resources.region}) and run: npx cdk deploy '${this.resources.stage}/*'`;
    if (this.structureDeployed(observed)) {
      return `cannot ${verb} ${env}: its database ${id} does not exist although its services are deployed (recorded ${state}), so something other than the minimal deploy deleted it. Restore it: ${restore}${kept ? ` (the record names ${kept}, the snapshot "minimal" took)` : ''}. Nothing was changed`;
    }
    if (kept) {
      return `cannot ${verb} ${env}: its database ${id} is deleted, its data kept in the snapshot ${kept}, and there is nothing to ${verb}. To leave minimal: "npx booking-infra resume ${env}", then set state: 'running' and database.restoredFromMinimalSnapshot: '${kept}' in src/config/${env}.ts and deploy; to stay minimal: "npx booking-infra minimal ${env}". Nothing was changed`;
    }
    return `cannot ${verb} ${env}: its database ${id} does not exist, ${env} is recorded ${state} (not minimal), and no snapshot of it is recorded. Restore it: ${restore}; or deploy as it is, which creates it EMPTY. Nothing was changed`;
  }

  /** Whether web, worker, a cache task or an ElastiCache cache are deployed (not the minimal structure). */
  private structureDeployed(observed: Observation): boolean {
    return observed.services.length > 0 || Boolean(this.resources.cacheId);
  }

  /**
   * Plans a resume: start the database, restore the recorded capacities, wait for health (the
   * load balancer's targets, or without one the web tasks' own health check), make sure the
   * HTTP API's VPC link is AVAILABLE. A cache task starts first (while the database starts), and
   * web and worker only once it runs and is healthy. An environment recorded running whose link
   * went INACTIVE gets only the link woken.
   */
  async planResume(observed: Observation): Promise<Plan> {
    if (observed.database === DATABASE_MISSING) return this.planResumeWithoutDatabase(observed);
    const from = observed.record?.state ?? 'unrecorded';
    const restore = this.capacitiesToRestore(observed);
    const restoreOf = (service: ServiceObservation) => this.setCapacity(service, restore[service.role]!);
    const cache = observed.services.find((s) => s.role === 'cache');
    const cacheCapacity = cache ? restoreOf(cache) : [];
    const appCapacity = observed.services.filter((s) => s.role !== 'cache').flatMap(restoreOf);
    const capacity = [...cacheCapacity, ...appCapacity];
    const database = this.databaseStartSteps(observed.database);
    const link = this.resources.vpcLinkId
      ? await readVpcLink(this.context.clients.apigatewayv2, this.resources.vpcLinkId)
      : undefined;
    // A link traffic cannot bring back: refuse before starting anything (nothing would be reachable).
    if (link && BROKEN_VPC_LINK_STATUSES.has(link.status)) throw new Error(this.brokenLinkMessage(link));
    // Likewise a target group a deploy removed (switching to the HTTP API): the health wait could
    // never pass. Read now, so the refusal comes before anything starts (its answer is not kept).
    if (this.resources.targetGroupArn) await this.targetsHealthy();
    if (observed.record?.state === 'running' && capacity.length === 0 && database.length === 0) {
      if (link && link.status !== 'AVAILABLE') {
        return { operation: 'resume', from, to: 'running', steps: [this.vpcLinkStep(link)] };
      }
      return {
        operation: 'resume',
        from,
        to: 'running',
        steps: [],
        nothingToDo: `${this.resources.environment} is already running`,
      };
    }
    const cleared = { databaseSnapshot: undefined };
    // The snapshot a minimal run recorded stays named until the resume is done: a minimal deploy
    // running meanwhile may still delete the instance, and the snapshot is then the data.
    const steps: Step[] = [
      this.recordStep('resuming', restore, 'the guard leaves the database alone', {
        databaseSnapshot: observed.record?.databaseSnapshot,
      }),
    ];
    if (link && link.status !== 'AVAILABLE') {
      // Reprovisioning takes minutes: start it now, while the database starts.
      steps.push({
        kind: 'check',
        description: `send a request to ${this.resources.apiUrl ?? 'the API'} so AWS starts reprovisioning the VPC link ${link.id} (${link.status}) while the rest starts`,
        run: async () => {
          await this.sendWakeRequest(link);
        },
      });
    }
    steps.push(...cacheCapacity, ...database);
    if (cache && (restore.cache?.desired ?? 0) > 0) {
      steps.push(this.cacheUpStep(cache.name, 'web and worker start once it answers'));
    }
    steps.push(...appCapacity);
    if (observed.services.length > 0) {
      steps.push({
        kind: 'wait',
        description: 'wait for the services to reach their desired counts',
        run: () => this.waitFor('services stable', () => this.servicesStable()),
      });
    }
    const web = observed.services.find((service) => service.role === 'web');
    if (this.resources.targetGroupArn && (restore.web?.desired ?? 0) > 0) {
      steps.push({
        kind: 'wait',
        description: 'wait for the load balancer targets to be healthy',
        run: () => this.waitFor('healthy targets', () => this.targetsHealthy()),
      });
    } else if (link && web && (restore.web?.desired ?? 0) > 0) {
      // The HTTP API's web container has a health check of its own (config requires it). With
      // neither a target group nor a link (an emulator's environment) there is nothing to wait on.
      steps.push(this.webTasksHealthyStep(web.name));
    }
    // Once the web tasks are healthy, so the first request through the link can be answered.
    if (link) steps.push(this.vpcLinkStep(link));
    // Once the services are healthy again, so the silenced alarms do not page on the way up.
    steps.push(this.alarmActionsStep(true));
    steps.push(this.recordStep('running', restore, 'deploys apply the configured bounds again', cleared));
    return { operation: 'resume', from, to: 'running', steps };
  }

  /**
   * A resume once the minimal deploy deleted the database: nothing to start here, the deploy with
   * state 'running' creates the instance. With a snapshot recorded, the record goes to running and
   * keeps naming it (the data stack's gate lets the deploy through only if it restores exactly
   * that snapshot) and `next` says what to set; with none, it says loudly that the deploy creates
   * the database empty. Refused while services are deployed (something else deleted the database)
   * or when the environment is neither minimal nor recorded with a snapshot.
   */
  private planResumeWithoutDatabase(observed: Observation): Plan {
    const from = observed.record?.state ?? 'unrecorded';
    const env = this.resources.environment;
    const id = this.resources.databaseId;
    const record = observed.record;
    const kept = record?.databaseSnapshot;
    if (this.structureDeployed(observed) || (!kept && record?.state !== 'minimal' && record?.state !== 'running')) {
      throw new Error(this.missingDatabaseError(observed, 'resume'));
    }
    const restore = this.capacitiesToRestore(observed);
    const deploy = `npx cdk deploy '${this.resources.stage}/*'`;
    const next = kept
      ? `Now set state: 'running' and database.restoredFromMinimalSnapshot: '${kept.identifier}' for ${env} in src/config/${env}.ts and run: ${deploy} (it restores the database ${id} from the snapshot ${kept.identifier}, which takes about 10-30 minutes, then starts the services with the recorded capacities: ${describeCapacities(restore)})`
      : `Now set state: 'running' for ${env} in src/config/${env}.ts and run: ${deploy}. NO SNAPSHOT OF THE DATABASE IS RECORDED: the deploy creates ${id} EMPTY, without any of the data it had (to start from a snapshot instead, set database.restoreFromSnapshot first). It then starts the services with the recorded capacities: ${describeCapacities(restore)}`;
    if (record?.state === 'running') {
      return {
        operation: 'resume',
        from,
        to: 'running',
        steps: [],
        nothingToDo: kept
          ? `${env} is recorded running already, and its database waits in the snapshot ${kept.identifier} for the deploy that restores it`
          : `${env} is recorded running already, and its database ${id} does not exist yet`,
        next,
      };
    }
    return {
      operation: 'resume',
      from,
      to: 'running',
      steps: [
        // As a resume from minimal always has: the services come back with the deploy.
        this.alarmActionsStep(true),
        this.recordStep(
          'running',
          restore,
          kept
            ? `the database ${id} was deleted by the minimal deploy: the deploy with state 'running' restores it from ${kept.identifier}, which the record keeps naming for the data stack's gate`
            : `the database ${id} was deleted by the minimal deploy and no snapshot of it is recorded: the deploy with state 'running' creates it EMPTY`,
          { databaseSnapshot: kept },
        ),
      ],
      next,
    };
  }

  /**
   * Without a load balancer (`ingress: http-api`) nothing checks the web tasks from outside: ECS
   * runs the web container's own health check, replaces a task that fails it, and takes a task
   * out of Cloud Map (so out of the VPC link's reach) while it does. A task that keeps failing is
   * waited for until the timeout, which names what was seen last.
   */
  private webTasksHealthyStep(service: string): Step {
    return {
      kind: 'wait',
      description: `wait for the web tasks to pass their container health check (no load balancer: ${service}'s tasks report HEALTHY)`,
      run: () =>
        this.tasksHealthy(service, {
          what: 'healthy web tasks',
          subject: `the web tasks of ${service} did not all pass their container health check`,
          healthy: (task) => task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY',
          logs: "the app's logs",
        }),
    };
  }

  /**
   * Waits until the service has tasks and every one is `healthy`; gives up after the timeout
   * naming what it saw last and where to look.
   */
  private async tasksHealthy(
    service: string,
    check: { what: string; subject: string; healthy: (task: Task) => boolean; logs: string },
  ): Promise<void> {
    let lastSeen = 'no task yet';
    await this.waitFor(
      check.what,
      async () => {
        const tasks = await this.serviceTasks(service);
        lastSeen = describeTaskHealth(tasks);
        return tasks.length > 0 && tasks.every(check.healthy);
      },
      this.timeoutMs,
      (seconds) =>
        `${check.subject} within ${seconds} s (last seen: ${lastSeen}; UNKNOWN means still in the check's start period, or no health check in the task definition). ECS replaces a task that fails it: see why the last ones stopped (aws ecs list-tasks --cluster ${this.resources.clusterName} --service-name ${service} --desired-status STOPPED, then aws ecs describe-tasks) and ${check.logs}, then run "npx booking-infra resume ${this.resources.environment}" again`,
    );
  }

  /**
   * The service's tasks that ECS means to keep running (starting, running or failing their check),
   * or with `STOPPED` those it stopped or is stopping (the last hour's).
   */
  private async serviceTasks(service: string, desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING'): Promise<Task[]> {
    const { ecs } = this.context.clients;
    const cluster = this.resources.clusterName;
    const listed = await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus }));
    const arns = listed.taskArns ?? [];
    if (arns.length === 0) return [];
    return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
  }

  /**
   * Makes sure the HTTP API's VPC link is AVAILABLE. An INACTIVE link (60 days without traffic)
   * lost its network interfaces and only traffic brings them back: send a request to the API,
   * then poll, sending another every minute until the link is AVAILABLE again (a few minutes).
   * An AVAILABLE link is left alone, nothing sent; a FAILED or deleted one fails the resume,
   * whose record stays `resuming` until a run after the fix completes it.
   */
  private vpcLinkStep(planned: VpcLinkState): Step {
    const id = planned.id;
    const wakes = planned.status === 'INACTIVE' || planned.status === 'PENDING';
    return {
      kind: 'wait',
      description: `make sure the API's VPC link ${id} is AVAILABLE (now ${planned.status}${wakes ? `: requests to ${this.resources.apiUrl ?? 'the API'} wake it, which takes a few minutes` : ''})`,
      run: async () => {
        let link = planned;
        let lastWake: number | undefined;
        let reached = 0;
        await this.waitFor(
          `VPC link ${id} AVAILABLE`,
          async () => {
            link = await readVpcLink(this.context.clients.apigatewayv2, id);
            if (link.status === 'AVAILABLE') return true;
            if (BROKEN_VPC_LINK_STATUSES.has(link.status)) throw new Error(this.brokenLinkMessage(link));
            const now = this.context.now();
            if (lastWake === undefined || now - lastWake >= VPC_LINK_WAKE_INTERVAL_MS) {
              lastWake = now;
              if (await this.sendWakeRequest(link)) reached += 1;
            }
            return false;
          },
          this.timeoutMs,
          (seconds) =>
            `gave up after ${seconds} s: ${describeVpcLink(link)} although ${reached > 0 ? 'a request was sent every minute to wake it' : 'no request reached the API (see the answers above)'}, and requests to the API fail until it is AVAILABLE. Run "npx booking-infra resume ${this.resources.environment}" again to keep waking it; if it does not come back, ${brokenVpcLinkFix(this.resources.stage)}`,
        );
      },
    };
  }

  /** Sends one request to the API to wake the link; whether an HTTP answer came back. */
  private async sendWakeRequest(link: VpcLinkState): Promise<boolean> {
    const url = this.resources.apiUrl;
    if (!url) {
      throw new Error(
        `${describeVpcLink(link)} and the app stack has no ApiUrl output to send a request to: send any request to the API to wake it, or ${brokenVpcLinkFix(this.resources.stage)}`,
      );
    }
    const answer = await this.wake(url).catch((error: unknown) => `no answer (${String(error)})`);
    const reached = answer.startsWith('HTTP ');
    this.context.report(
      reached
        ? `  sent a request to ${url} to wake the VPC link ${link.id} (${link.status}): ${answer}`
        : `  a request to ${url} to wake the VPC link ${link.id} (${link.status}) did not reach the API: ${answer}`,
    );
    return reached;
  }

  /**
   * A link traffic does not bring back (FAILED, DELETING, gone). Right after a deploy that switched
   * the ingress, the link this run discovered may be the one that deploy removed: run again first.
   */
  private brokenLinkMessage(link: VpcLinkState): string {
    return `${describeVpcLink(link)}: requests to the API cannot reach the web tasks, and traffic does not bring it back. If the app stack was deployed while this ran (e.g. switching ingress), run "npx booking-infra resume ${this.resources.environment}" again, which reads the stack anew; otherwise fix: ${brokenVpcLinkFix(this.resources.stage)}, then run resume again`;
  }

  /**
   * The web target group this run found in the app stack is gone: a deploy that switched the
   * ingress to the HTTP API while this ran deletes it (the next run reads the stack anew), as
   * does anything else that removed the load balancer (a deploy brings it back).
   */
  private missingTargetGroupMessage(arn: string | undefined): string {
    return `the load balancer's target group ${arn} does not exist: the web tasks' health cannot be read through it. If the app stack was deployed while this ran (e.g. switching ingress), run "npx booking-infra resume ${this.resources.environment}" again, which reads the stack anew; otherwise deploy the app stack, which owns it: npx cdk deploy '${this.resources.stage}/*', then run resume again`;
  }

  /**
   * Plans the way to `minimal`: refuse while jobs are queued (unless dropping them), pause,
   * measure the queues again once nothing can enqueue, snapshot the cache where asked (always in
   * production), and record `minimal`. The deploy with `state: 'minimal'` then removes the load
   * balancer, the services and the cache; the data stack refuses that deploy until this is done.
   *
   * With a cache task (`cache.hosting: 'task'`) there is no ElastiCache to snapshot: its data is
   * on EFS, which the minimal deploy deletes. Its messages are counted after web and worker are
   * drained and before the cache stops (only a running Valkey can count them; a paused cache is
   * started alone for it), and the verdict comes once the pause is complete, so a refusal leaves
   * the environment paused as it does with ElastiCache.
   *
   * With `database.whileMinimal: 'snapshot'` the pause snapshots the database before stopping it
   * (databaseSnapshotSteps), every record write from the first names the snapshot (a retry reuses
   * it), and the minimal deploy then deletes the instance.
   */
  async planMinimal(observed: Observation, options: MinimalOptions & { production: boolean }): Promise<Plan> {
    const from = observed.record?.state ?? 'unrecorded';
    const env = this.resources.environment;
    const taskCache = observed.services.find((s) => s.role === 'cache');
    const cacheGone = !this.resources.cacheId && !taskCache;
    if (observed.database === DATABASE_MISSING) return this.planMinimalWithoutDatabase(observed);
    const snapshot = await this.minimalSnapshot(observed);
    const done = this.alreadyMinimal(observed, snapshot, cacheGone);
    if (done) return { operation: 'minimal', from, to: 'minimal', steps: [], nothingToDo: done };
    if (taskCache && (options.production || options.snapshotCache)) {
      throw new Error(
        `${env}'s cache is a Valkey task (${taskCache.name}) whose data is on EFS, not an ElastiCache replication group: there is no snapshot to take${options.snapshotCache ? ' (--snapshot-cache)' : ' (production always snapshots its cache before minimal)'}, and the minimal deploy deletes the file system with the data. Run without --snapshot-cache; the queued-jobs check still refuses while messages are held. Nothing was changed`,
      );
    }
    const checkQueues = !options.dropQueuedJobs && !cacheGone;
    if (checkQueues) {
      const latest = await this.queuedJobsSince(this.context.now() - 10 * 60_000);
      if (latest !== undefined && latest > 0) throw new Error(this.queuedJobsRefusal(latest, false));
    }
    if (taskCache) {
      return this.planMinimalWithCacheTask(observed, checkQueues && observed.record?.state !== 'minimal', snapshot);
    }
    const paused = await this.pausePlan(observed, { databaseSnapshot: snapshot });
    const steps: Step[] = [...paused.steps];
    if (checkQueues) {
      steps.push({
        kind: 'check',
        description:
          'check that no Dramatiq message is held (ready, delayed or in progress), measured after the services stopped',
        run: async () => {
          const latest = await this.measureQueuedJobs();
          if (latest === undefined) throw new Error(this.noMeasurementRefusal('of the services stopping'));
          if (latest > 0) throw new Error(this.queuedJobsRefusal(latest, true));
        },
      });
    }
    if (this.resources.cacheId && (options.production || options.snapshotCache)) {
      steps.push(this.snapshotStep(this.resources.cacheId));
    }
    steps.push(
      this.minimalRecordStep(
        observed,
        snapshot,
        'the data stack now allows removing the cache; the guard keeps the database stopped',
      ),
    );
    return { operation: 'minimal', from, to: 'minimal', steps, next: this.minimalNext(snapshot) };
  }

  /**
   * `minimal` with a cache task: the pause, counting the messages while the cache still runs
   * (`count`: not when dropping them, nor when already recorded minimal, counted then), the verdict
   * once paused, and the record.
   */
  private async planMinimalWithCacheTask(
    observed: Observation,
    count: boolean,
    snapshot: MinimalSnapshot | undefined,
  ): Promise<Plan> {
    const env = this.resources.environment;
    let latest: number | undefined;
    const paused = await this.pausePlan(observed, {
      databaseSnapshot: snapshot,
      countBeforeCacheStops: count
        ? {
            kind: 'check',
            description:
              'count the Dramatiq messages held (ready, delayed or in progress) while the cache task still runs, measured after web and worker stopped (the verdict comes once paused)',
            run: async () => {
              latest = await this.measureQueuedJobs();
              this.context.report(
                latest === undefined
                  ? '  no queue measurement arrived while the cache ran'
                  : `  ${latest} Dramatiq message${latest === 1 ? '' : 's'} held`,
              );
            },
          }
        : undefined,
    });
    const steps: Step[] = [...paused.steps];
    if (count) {
      steps.push({
        kind: 'check',
        description: `go on only if the count found no Dramatiq message (the minimal deploy deletes the cache's data on EFS; ${env} is left paused otherwise)`,
        run: async () => {
          if (latest === undefined)
            throw new Error(this.noMeasurementRefusal('of web and worker stopping, while the cache ran'));
          if (latest > 0) throw new Error(this.queuedJobsRefusal(latest, true));
        },
      });
    }
    steps.push(
      this.minimalRecordStep(
        observed,
        snapshot,
        'the minimal deploy may now remove the cache task and its data on EFS; the guard keeps the database stopped',
      ),
    );
    return {
      operation: 'minimal',
      from: observed.record?.state ?? 'unrecorded',
      to: 'minimal',
      steps,
      next: this.minimalNext(snapshot),
    };
  }

  /** The record step that ends `minimal`; in snapshot mode it names the snapshot, which the deploy's gate requires. */
  private minimalRecordStep(observed: Observation, snapshot: MinimalSnapshot | undefined, why: string): Step {
    return this.recordStep(
      'minimal',
      this.capacitiesToRestore(observed),
      snapshot
        ? `${why}; the deploy may delete the database too, its data kept in the snapshot ${snapshot.record.identifier}`
        : why,
      { databaseSnapshot: snapshot?.record },
    );
  }

  /** In snapshot mode, the deploy that follows `minimal`: it deletes the instance. */
  private minimalNext(snapshot: MinimalSnapshot | undefined): string | undefined {
    if (!snapshot) return undefined;
    const env = this.resources.environment;
    return `Now set state: 'minimal' for ${env} in src/config/${env}.ts and run: npx cdk deploy '${this.resources.stage}/*' (it removes the load balancer, the services and the cache, and DELETES the database instance ${this.resources.databaseId}, whose data the snapshot ${snapshot.record.identifier} keeps; CloudFormation keeps a final snapshot of it too)`;
  }

  /** The name of a new minimal snapshot, fixed for this run: the plan shown and the plan under the lock agree. */
  private newSnapshotName?: string;

  /**
   * With `whileMinimal: 'snapshot'`, the snapshot this `minimal` keeps the data in: the one a
   * record left pausing, paused or minimal names (a retry of a half-done minimal reuses it and
   * never takes a second), or a new one, with the master user RDS shows now. Undefined in mode
   * 'stopped'.
   */
  private async minimalSnapshot(observed: Observation): Promise<MinimalSnapshot | undefined> {
    if (this.resources.databaseWhileMinimal !== 'snapshot') return undefined;
    const record = observed.record;
    const earlier = record && SNAPSHOT_RETRY_STATES.has(record.state) ? record.databaseSnapshot : undefined;
    if (earlier) return { record: earlier, status: await this.databaseSnapshotStatus(earlier.identifier) };
    const id = this.resources.databaseId;
    const { masterUsername } = await this.describeDatabase();
    if (!masterUsername) {
      throw new Error(
        `RDS does not show the master user of ${id}, which the restore from its snapshot needs: check the instance (aws rds describe-db-instances --db-instance-identifier ${id}). Nothing was changed`,
      );
    }
    this.newSnapshotName ??= minimalDatabaseSnapshotName(id, this.context.now());
    return { record: { identifier: this.newSnapshotName, masterUsername } };
  }

  /**
   * Why `minimal` has nothing to do, if so: recorded minimal with the database stopped, and in
   * snapshot mode the recorded snapshot available.
   */
  private alreadyMinimal(
    observed: Observation,
    snapshot: MinimalSnapshot | undefined,
    cacheGone: boolean,
  ): string | undefined {
    const env = this.resources.environment;
    if (observed.record?.state !== 'minimal' || observed.database !== 'stopped') return undefined;
    if (!snapshot) {
      return cacheGone
        ? `${env} is already minimal`
        : `${env} is recorded minimal; deploy with state 'minimal' to remove the load balancer, services and cache`;
    }
    if (snapshot.status !== 'available') return undefined;
    return `${env} is recorded minimal and its data is kept in the snapshot ${snapshot.record.identifier}; set state: 'minimal' in src/config/${env}.ts and run npx cdk deploy '${this.resources.stage}/*' to ${cacheGone ? '' : 'remove the load balancer, services and cache and '}delete the database instance ${this.resources.databaseId}`;
  }

  /**
   * `minimal` once the minimal deploy deleted the database: already minimal (saying whether a
   * snapshot keeps the data); back to minimal, still naming the snapshot, from a resume that has
   * not been deployed yet; refused otherwise (missingDatabaseError).
   */
  private planMinimalWithoutDatabase(observed: Observation): Plan {
    const from = observed.record?.state ?? 'unrecorded';
    const env = this.resources.environment;
    const id = this.resources.databaseId;
    const record = observed.record;
    const kept = record?.databaseSnapshot;
    if (this.structureDeployed(observed)) throw new Error(this.missingDatabaseError(observed, 'minimal'));
    if (record?.state === 'minimal') {
      return {
        operation: 'minimal',
        from,
        to: 'minimal',
        steps: [],
        nothingToDo: kept
          ? `${env} is already minimal: its database ${id} is deleted, its data kept in the snapshot ${kept.identifier}`
          : `${env} is already minimal: its database ${id} does not exist, and NO SNAPSHOT OF IT IS RECORDED, so leaving minimal creates it EMPTY`,
      };
    }
    if (!kept) throw new Error(this.missingDatabaseError(observed, 'minimal'));
    return {
      operation: 'minimal',
      from,
      to: 'minimal',
      steps: [
        this.recordStep(
          'minimal',
          this.capacitiesToRestore(observed),
          `back to minimal before the deploy that would restore the database: ${id} stays deleted, its data kept in the snapshot ${kept.identifier}`,
          { databaseSnapshot: kept },
        ),
      ],
      next: `Keep state: 'minimal' for ${env} in src/config/${env}.ts: nothing needs deploying, the database stays deleted and its data in the snapshot ${kept.identifier}`,
    };
  }

  /** When this run saw the services drained, and when it began executing. */
  private drainedAt?: number;
  private executionStartedAt?: number;
  /** When this run saw the cache task it started up (minimal from paused, to count its messages). */
  private cacheUpAt?: number;

  /**
   * The queued jobs measured after web and worker stopped (nothing enqueues from then on, so the
   * measurement is final) and, for a cache task this run started, in a minute that began after it
   * was up; undefined if none arrives within QUEUE_MEASUREMENT_WAIT_MS.
   */
  private async measureQueuedJobs(): Promise<number | undefined> {
    // queuedJobsSince accepts the minute that began up to 60 s before `since`.
    const since = Math.max(
      this.drainedAt ?? this.executionStartedAt ?? this.context.now(),
      this.cacheUpAt === undefined ? 0 : this.cacheUpAt + 60_000,
    );
    let latest: number | undefined;
    try {
      await this.waitFor(
        'a queue measurement taken after the services stopped',
        async () => (latest = await this.queuedJobsSince(since)) !== undefined,
        QUEUE_MEASUREMENT_WAIT_MS,
      );
    } catch {
      return undefined;
    }
    return latest;
  }

  private noMeasurementRefusal(after: string): string {
    const env = this.resources.environment;
    return `no queue measurement arrived within ${QUEUE_MEASUREMENT_WAIT_MS / 60_000} min ${after} (is the queue-depth publisher running?); ${env} is left paused. Run again, or with --drop-queued-jobs to go ahead`;
  }

  private queuedJobsRefusal(count: number, paused: boolean): string {
    const env = this.resources.environment;
    const where = this.resources.services.some((s) => s.role === 'cache')
      ? `${env}'s cache task, whose data (on EFS) the minimal deploy deletes`
      : `${env}'s cache, which minimal deletes`;
    return `${count} Dramatiq message${count === 1 ? ' is' : 's are'} queued (ready, delayed or in progress) in ${where}${paused ? `; ${env} is left paused` : ''}. Resume and let the workers finish them, or run again with --drop-queued-jobs to lose them`;
  }

  /**
   * The newest measurement of queued jobs (the queue-depth Lambda's QueuedJobs metric: every
   * message of every queue not yet acked, whether ready, delayed or held by a worker) taken at or
   * after `since`, or undefined if there is none.
   */
  async queuedJobsSince(since: number): Promise<number | undefined> {
    const end = this.context.now() + 60_000;
    const answer = await this.context.clients.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Math.min(since, end - 60_000)),
        EndTime: new Date(end),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'queued',
            MetricStat: {
              Metric: {
                Namespace: this.resources.metricNamespace,
                MetricName: QUEUE_BACKLOG_METRIC.queuedJobs,
                Dimensions: [{ Name: QUEUE_BACKLOG_METRIC.dimension, Value: this.resources.environment }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    const result = answer.MetricDataResults?.[0];
    const points = (result?.Timestamps ?? [])
      .map((time, index) => ({ time: new Date(time).getTime(), value: result?.Values?.[index] ?? 0 }))
      .filter((point) => point.time >= since - 60_000)
      .sort((a, b) => b.time - a.time);
    return points[0]?.value;
  }

  private snapshotStep(cacheId: string): Step {
    const name = `${cacheId}-minimal-${this.isoNow().replace(/[:.]/g, '-').toLowerCase()}`;
    return {
      kind: 'snapshot',
      description: `snapshot the cache ${cacheId} as ${name} (kept until deleted by hand)`,
      run: async () => {
        await this.context.clients.elasticache.send(
          new CreateSnapshotCommand({ ReplicationGroupId: cacheId, SnapshotName: name }),
        );
        await this.waitFor(`snapshot ${name}`, async () => {
          const answer = await this.context.clients.elasticache.send(
            new DescribeSnapshotsCommand({ SnapshotName: name }),
          );
          const status = answer.Snapshots?.[0]?.SnapshotStatus;
          if (status === 'failed') throw new Error(`the cache snapshot ${name} failed`);
          return status === 'available';
        });
      },
    };
  }

  private async servicesStable(): Promise<boolean> {
    return (await this.observeServices()).every((s) => s.running === s.desired && s.pending === 0);
  }

  private async targetsHealthy(): Promise<boolean> {
    const arn = this.resources.targetGroupArn;
    let answer;
    try {
      answer = await this.context.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    } catch (error) {
      // ELB says only "One or more target groups not found": say which, and why it may be gone.
      if (error instanceof Error && error.name === 'TargetGroupNotFoundException') {
        throw new Error(this.missingTargetGroupMessage(arn));
      }
      throw error;
    }
    const states = (answer.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State);
    return states.length > 0 && states.every((state) => state === 'healthy');
  }

  /** Runs a plan's steps in order, reporting each with the elapsed time. */
  async execute(plan: Plan): Promise<void> {
    const started = this.context.now();
    this.executionStartedAt = started;
    for (const [index, step] of plan.steps.entries()) {
      const elapsed = Math.round((this.context.now() - started) / 1000);
      this.context.report(`[${index + 1}/${plan.steps.length}] ${step.description} (${elapsed} s)`);
      await this.heartbeat();
      await step.run();
    }
  }

  /**
   * Runs one transition under the environment's lock: takes the lock (or fails naming its
   * holder), plans from a fresh observation, journals the start and the outcome, executes and
   * releases the lock whatever happens. `beforeExecute` sees the plan made under the lock.
   */
  async transition(
    operation: Operation,
    planner: (observed: Observation) => Promise<Plan>,
    options: { breakLock?: boolean; beforeExecute?: (plan: Plan) => Promise<void> | void } = {},
  ): Promise<Plan> {
    const token = this.newId();
    await this.store.acquireLock(
      { holder: this.actor, operation, token, now: this.context.now() },
      Boolean(options.breakLock),
    );
    this.lockToken = token;
    try {
      const plan = await planner(await this.observe());
      const journal = (outcome: string) =>
        this.store.appendJournal(
          { at: this.isoNow(), who: this.actor, operation, from: plan.from, to: plan.to, outcome },
          this.newId(),
        );
      if (plan.nothingToDo) {
        for (const step of plan.upkeep ?? []) {
          this.context.report(`${step.description} (upkeep)`);
          await step.run();
        }
        await journal('nothing to do');
        return plan;
      }
      await options.beforeExecute?.(plan);
      await journal('started');
      try {
        await this.execute(plan);
      } catch (error) {
        await journal(`failed: ${error instanceof Error ? error.message : String(error)}`).catch(() => undefined);
        throw error;
      }
      await journal('succeeded');
      return plan;
    } finally {
      this.lockToken = undefined;
      await this.store.releaseLock(token).catch(() => undefined);
    }
  }
}

/** What the guard did on one run. */
export interface GuardResult {
  readonly outcome: 'not-paused' | 'transition-in-progress' | 'stopped' | 'already-stopped' | 'waiting';
  /** The environment is recorded paused or minimal and its database is not stopped. */
  readonly databaseNotStopped: boolean;
  readonly detail: string;
}

/**
 * The guard: AWS starts a stopped database after seven days, and an RDS event or a stop can be
 * missed while the instance is busy. Run on every RDS start event and every few minutes, it
 * converges: while the record says paused or minimal and no transition holds the lock, an
 * available database is stopped, and a busy one is left for the next run. Never throws for a
 * busy database: the next run retries, and the metric it reports raises the alarm after an hour.
 * A database that does not exist (the minimal deploy deleted it, whileMinimal 'snapshot') counts
 * as stopped: it bills nothing.
 */
export async function reconcileDatabase(ops: EnvironmentOperations, now: number): Promise<GuardResult> {
  const [record, lock, status] = await Promise.all([
    ops.store.readRecord(),
    ops.store.readLock(),
    ops.databaseStatus(),
  ]);
  const id = ops.resources.databaseId;
  if (!record || !DATABASE_STOPPED_STATES.has(record.state)) {
    return { outcome: 'not-paused', databaseNotStopped: false, detail: `recorded ${record?.state ?? 'nothing'}` };
  }
  const notStopped = status !== 'stopped' && status !== 'stopping';
  if (lock && now - Date.parse(lock.heartbeatAt) <= LOCK_STALE_MS) {
    return {
      outcome: 'transition-in-progress',
      databaseNotStopped: false,
      detail: `"${lock.operation}" by ${lock.holder} holds the lock`,
    };
  }
  if (status === DATABASE_MISSING) {
    // Deleted by the minimal deploy (whileMinimal 'snapshot'): nothing bills, nothing to stop.
    const kept = record.databaseSnapshot?.identifier;
    const keptText = kept ? `the database is kept as the snapshot ${kept}` : 'no snapshot of it is recorded';
    return {
      outcome: 'already-stopped',
      databaseNotStopped: false,
      detail:
        record.state === 'minimal'
          ? `${id} does not exist while minimal: ${keptText}`
          : `${id} does not exist although recorded ${record.state}, not minimal (only the minimal deploy deletes it; see "npx booking-infra status ${ops.resources.environment}"): ${keptText}`,
    };
  }
  if (!notStopped) return { outcome: 'already-stopped', databaseNotStopped: false, detail: `${id} is ${status}` };
  if (status !== 'available') {
    return { outcome: 'waiting', databaseNotStopped: true, detail: `${id} is ${status}; stopping it on a later run` };
  }
  try {
    await ops.stopDatabase();
  } catch (error) {
    // Between the describe and the stop the instance can turn busy (a backup window opens).
    if (error instanceof Error && /InvalidDBInstanceState/.test(error.name)) {
      return { outcome: 'waiting', databaseNotStopped: true, detail: `${id} refused the stop: ${error.message}` };
    }
    throw error;
  }
  return { outcome: 'stopped', databaseNotStopped: true, detail: `${id} was available while recorded ${record.state}` };
}
