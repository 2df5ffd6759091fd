import { randomBytes } from 'node:crypto';
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import {
  type DBInstance,
  type DBSnapshot,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { HOURS_PER_MONTH, isPriced, priceKey } from '../cost/price-table';
import { priceTableFor } from '../cost/prices';
import type { OpsClients } from './clients';
import { environmentName, RESTORE_DRILL, RESTORE_DRILL_VARIABLES, STACK_OUTPUTS, stackName } from './contracts';

/**
 * The restore drill: proves that the newest recovery point of an environment's database (an RDS
 * automated snapshot, a manual one, or an AWS Backup recovery point, which for RDS is a snapshot of
 * type `awsbackup`) restores, measures how long that takes (RTO) and how old it was (RPO), and
 * deletes everything it made.
 *
 * A resumable step machine, so the same code serves the CLI (which loops with a sleep) and the
 * scheduled drill (Step Functions calls a Lambda with a one-minute timeout every minute, passing
 * the state between calls): `startDrill` issues the restore, each `advanceDrill` does at most one
 * quick, non-blocking step and returns the next `DrillState` (plain JSON, no secret in it),
 * `cleanUpDrill` deletes what one drill made and `sweepDrills` what killed drills left behind.
 */

/** Where a drill runs and what it restores: from the stacks' outputs (CLI) or the Lambda's variables. */
export interface DrillTarget {
  readonly appName: string;
  readonly environment: string;
  readonly region: string;
  /** The environment's database, whose recovery points are restored. */
  readonly sourceInstanceId: string;
  /** The temporary instance's class (`backup.drill.instanceClass`). */
  readonly instanceClass: string;
  readonly clusterName: string;
  /** The verification task's family (`<app>-<env>-restore-drill`). */
  readonly taskFamily: string;
  readonly subnetIds: readonly string[];
  /** The verification task's security group: the only one the restored database admits. */
  readonly taskSecurityGroupId: string;
  /** The restored database's security group. */
  readonly databaseSecurityGroupId: string;
  readonly assignPublicIp: 'ENABLED' | 'DISABLED';
  /** The secret the task definition reads PGPASSWORD from. */
  readonly passwordSecretName: string;
}

export type DrillPhase = 'restoring' | 'resetting-password' | 'verifying' | 'passed' | 'failed';

/** An RDS snapshot a drill restores. */
export interface RecoveryPoint {
  readonly id: string;
  readonly arn?: string;
  /** `automated`, `manual` or `awsbackup` (AWS Backup's recovery point). */
  readonly type: string;
  /** ISO time the snapshot was taken: the data is as of then. */
  readonly createdAt: string;
  readonly storageGiB?: number;
  readonly storageType?: string;
}

/** What the drill takes from the environment's database. */
export interface SourceDatabase {
  readonly instanceId: string;
  readonly instanceClass?: string;
  readonly subnetGroup?: string;
  readonly parameterGroup?: string;
  /** The database the verification looks into (the source's DBName). */
  readonly databaseName: string;
  readonly masterUsername: string;
}

/** The verification task's definition, as far as the drill needs it. */
export interface VerificationTask {
  readonly taskDefinitionArn: string;
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly logGroup?: string;
  readonly logStreamPrefix?: string;
}

/** An instance a drill restored (by its identifier prefix and tag). */
export interface DrillInstance {
  readonly instanceId: string;
  readonly status: string;
  /** ISO start of that drill (from the identifier's timestamp), if known. */
  readonly startedAt?: string;
  readonly ageMs?: number;
}

export interface DrillCostItem {
  readonly label: string;
  /** null: the price table has no price for it. */
  readonly usd: number | null;
}

export interface DrillCost {
  /** Sum of the priced items. */
  readonly totalUsd: number;
  readonly items: readonly DrillCostItem[];
  /** Labels of the items without a price. */
  readonly unpriced: readonly string[];
}

export interface DrillPlan {
  readonly target: DrillTarget;
  readonly source: SourceDatabase;
  readonly recoveryPoint: RecoveryPoint;
  /** `<app>-<env>-drill-<UTC yyyymmddhhmmss>`. */
  readonly instanceId: string;
  readonly task: VerificationTask;
  /** Drill instances younger than LIVE_DRILL_MS: another drill is running, this one must not start. */
  readonly live: readonly DrillInstance[];
  /** Older drill instances (killed runs), deleted before the restore. */
  readonly leftovers: readonly DrillInstance[];
  readonly steps: readonly string[];
  readonly cost: DrillCost;
  readonly plannedAt: string;
}

/** The drill between steps: plain JSON (Step Functions passes it from one Lambda call to the next). */
export interface DrillState {
  readonly version: 1;
  readonly target: DrillTarget;
  readonly instanceId: string;
  readonly recoveryPoint: RecoveryPoint;
  readonly source: SourceDatabase;
  readonly task: VerificationTask;
  readonly phase: DrillPhase;
  /** ISO times. */
  readonly startedAt: string;
  readonly restoreRequestedAt: string;
  readonly availableAt?: string;
  readonly passwordResetAt?: string;
  readonly taskStartedAt?: string;
  readonly taskStoppedAt?: string;
  /** When the verdict (passed or failed) was reached, before the cleanup. */
  readonly finishedAt?: string;
  readonly endpoint?: { readonly address: string; readonly port: number };
  readonly taskArn?: string;
  /** The last status seen of what the phase waits on (instance or task). */
  readonly lastStatus?: string;
  readonly exitCode?: number;
  /** Why the drill failed. */
  readonly failure?: string;
}

/** What `cleanUpDrill` needs: a DrillState, or what a plan knew before the restore answered. */
export interface DrillResources {
  readonly target: DrillTarget;
  readonly instanceId: string;
  readonly taskArn?: string;
}

export type CleanupOutcome = 'removed' | 'absent' | 'pending' | 'failed';

export interface CleanupEntry {
  readonly resource: 'instance' | 'secret' | 'task';
  readonly id: string;
  /** removed: deleted (or deletion started) now; absent: nothing to do; pending: AWS refuses for now, try again; failed: an error. */
  readonly outcome: CleanupOutcome;
  readonly detail: string;
}

export interface CleanupReport {
  readonly entries: readonly CleanupEntry[];
  /** Every resource is gone or going. */
  readonly complete: boolean;
  /** Not complete, but only because AWS refused for now (an instance still being created): try again. */
  readonly retryable: boolean;
}

/** What the drill needs from outside; tests inject the clock and the password. */
export interface DrillContext {
  readonly clients: Pick<OpsClients, 'rds' | 'ecs' | 'secretsmanager'>;
  readonly now: () => number;
  /** Progress that is not part of a returned value (the sweep before a restore). */
  readonly log?: (line: string) => void;
  /** @default 32 random URL-safe characters */
  readonly newPassword?: () => string;
}

/** A drill refused before it created anything (another drill is running, no recovery point...). */
export class DrillRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillRefusedError';
  }
}

// The waits' limits add up to less than LIVE_DRILL_MS, so an instance older than that belongs to a
// drill that was killed: later drills may delete it without asking.
export const RESTORE_TIMEOUT_MS = 2 * 60 * 60_000;
export const PASSWORD_TIMEOUT_MS = 20 * 60_000;
export const TASK_TIMEOUT_MS = 20 * 60_000;
export const LIVE_DRILL_MS = 3 * 60 * 60_000;
/**
 * RDS may still show the instance available, without the pending password, for a moment after
 * ModifyDBInstance: the task starts no earlier than this after the reset.
 */
export const PASSWORD_SETTLE_MS = 30_000;
/** `startedBy` of the verification task, so a sweep finds it. */
export const DRILL_STARTED_BY = 'restore-drill';
/** RDS snapshot types a recovery point can have; the AWS Backup one is refused by some APIs (and emulators). */
const SNAPSHOT_TYPES = ['automated', 'manual', 'awsbackup'] as const;
/** RDS statuses a restore does not come back from. */
const FAILED_STATUSES = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'restore-error',
  'storage-full',
  'deleting',
]);
/** For the cost: RDS bills by the second (10 min minimum); a small drill takes well under this. */
const DRILL_INSTANCE_HOURS = 1;
const DRILL_TASK_MINUTES = 10;

const errorName = (error: unknown) => (error as { name?: string })?.name ?? '';
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const iso = (ms: number) => new Date(ms).toISOString();

/** `20261127120500`: the UTC time in an instance identifier. */
function compactTime(ms: number): string {
  return iso(ms).replace(/[-:T]/g, '').slice(0, 14);
}

function parseCompactTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

/** `3 h 2 min`, `12 min 5 s`, `40 s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${seconds % 60} s`;
  return `${seconds} s`;
}

// ---------------------------------------------------------------------------------------------
// Target

async function stackOutputs(cloudformation: CloudFormationClient, name: string): Promise<Record<string, string>> {
  try {
    const answer = await cloudformation.send(new DescribeStacksCommand({ StackName: name }));
    const stack = answer.Stacks?.[0];
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return {};
    return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    if (/does not exist/.test(messageOf(error))) return {};
    throw error;
  }
}

function assignPublicIp(value: string | undefined, where: string): 'ENABLED' | 'DISABLED' {
  if (value === 'ENABLED' || value === 'DISABLED') return value;
  throw new Error(`${where} is "${value ?? ''}", not ENABLED or DISABLED`);
}

/** The drill's target from the config and the stacks' outputs (the CLI). */
export async function drillTargetFromStacks(
  cloudformation: CloudFormationClient,
  shared: SharedConfig,
  env: EnvironmentConfig,
): Promise<DrillTarget> {
  const stage = environmentName(shared.appName, env.name);
  const deploy = `set backup.enabled (and backup.drill) for ${env.name} in src/config/${env.name}.ts and deploy: npx cdk deploy '${stage}/*'`;
  if (!env.backup?.enabled || !env.backup.drill) throw new Error(`${env.name} has no restore drill: ${deploy}`);
  const dataStack = stackName(shared.appName, env.name, 'data');
  const appStack = stackName(shared.appName, env.name, 'app');
  const [data, app] = await Promise.all([
    stackOutputs(cloudformation, dataStack),
    stackOutputs(cloudformation, appStack),
  ]);
  const sourceInstanceId = data[STACK_OUTPUTS.data.databaseInstanceId];
  if (!sourceInstanceId) throw new Error(`stack ${dataStack} is not deployed in ${env.region} (${deploy})`);
  const keys = STACK_OUTPUTS.app;
  const wanted = [
    keys.clusterName,
    keys.restoreDrillTaskFamily,
    keys.restoreDrillSubnetIds,
    keys.restoreDrillTaskSecurityGroupId,
    keys.restoreDrillDatabaseSecurityGroupId,
    keys.restoreDrillAssignPublicIp,
  ];
  const missing = wanted.filter((key) => !app[key]);
  if (missing.length > 0)
    throw new Error(
      `stack ${appStack} has no output ${missing.join(', ')}: the restore drill is not deployed (${deploy})`,
    );
  return {
    appName: shared.appName,
    environment: env.name,
    region: env.region,
    sourceInstanceId,
    instanceClass: env.backup.drill.instanceClass,
    clusterName: app[keys.clusterName],
    taskFamily: app[keys.restoreDrillTaskFamily],
    subnetIds: app[keys.restoreDrillSubnetIds].split(',').filter(Boolean),
    taskSecurityGroupId: app[keys.restoreDrillTaskSecurityGroupId],
    databaseSecurityGroupId: app[keys.restoreDrillDatabaseSecurityGroupId],
    assignPublicIp: assignPublicIp(app[keys.restoreDrillAssignPublicIp], `output ${keys.restoreDrillAssignPublicIp}`),
    passwordSecretName: RESTORE_DRILL.passwordSecretName(shared.appName, env.name),
  };
}

/** The drill's target from the Lambda's environment variables (RESTORE_DRILL_VARIABLES, AWS_REGION). */
export function drillTargetFromVariables(variables: Readonly<Record<string, string | undefined>>): DrillTarget {
  const required = (name: string) => {
    const value = variables[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  const V = RESTORE_DRILL_VARIABLES;
  const appName = required(V.appName);
  const environment = required(V.environment);
  return {
    appName,
    environment,
    region: required('AWS_REGION'),
    sourceInstanceId: required(V.sourceInstanceId),
    instanceClass: required(V.instanceClass),
    clusterName: required(V.cluster),
    taskFamily: required(V.taskFamily),
    subnetIds: required(V.subnetIds).split(',').filter(Boolean),
    taskSecurityGroupId: required(V.taskSecurityGroupId),
    databaseSecurityGroupId: required(V.databaseSecurityGroupId),
    assignPublicIp: assignPublicIp(variables[V.assignPublicIp], V.assignPublicIp),
    // Derived, not passed: a variable naming a secret reads like one holding it.
    passwordSecretName: RESTORE_DRILL.passwordSecretName(appName, environment),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading

async function describeInstance(ctx: DrillContext, instanceId: string): Promise<DBInstance | undefined> {
  try {
    const answer = await ctx.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
    return answer.DBInstances?.[0];
  } catch (error) {
    if (/DBInstanceNotFound/.test(errorName(error))) return undefined;
    throw error;
  }
}

/** Every instance an earlier drill of this environment restored: identifier prefix and tag both match. */
export async function findDrillInstances(ctx: DrillContext, target: DrillTarget): Promise<DrillInstance[]> {
  const prefix = RESTORE_DRILL.instancePrefix(target.appName, target.environment);
  const found: DrillInstance[] = [];
  let marker: string | undefined;
  do {
    // DescribeDBInstances has no tag filter: list and match (TagList is part of each answer).
    const page = await ctx.clients.rds.send(new DescribeDBInstancesCommand({ Marker: marker }));
    for (const instance of page.DBInstances ?? []) {
      const id = instance.DBInstanceIdentifier ?? '';
      const tagged = (instance.TagList ?? []).some(
        (tag) => tag.Key === RESTORE_DRILL.tagKey && tag.Value === target.environment,
      );
      if (!id.startsWith(prefix) || !tagged || id === target.sourceInstanceId) continue;
      const started = parseCompactTime(id.slice(prefix.length)) ?? instance.InstanceCreateTime?.getTime();
      found.push({
        instanceId: id,
        status: instance.DBInstanceStatus ?? 'unknown',
        startedAt: started === undefined ? undefined : iso(started),
        ageMs: started === undefined ? undefined : ctx.now() - started,
      });
    }
    marker = page.Marker;
  } while (marker);
  return found;
}

/** A drill younger than LIVE_DRILL_MS (or of unknown age) may still be running. */
const isLive = (drill: DrillInstance) => drill.ageMs === undefined || drill.ageMs < LIVE_DRILL_MS;

function recoveryPointOf(snapshot: DBSnapshot): RecoveryPoint {
  return {
    id: snapshot.DBSnapshotIdentifier ?? '',
    arn: snapshot.DBSnapshotArn,
    type: snapshot.SnapshotType ?? 'unknown',
    createdAt: (snapshot.SnapshotCreateTime ?? new Date(0)).toISOString(),
    storageGiB: snapshot.AllocatedStorage,
    storageType: snapshot.StorageType,
  };
}

async function snapshotsOfType(ctx: DrillContext, instanceId: string, type: string): Promise<DBSnapshot[]> {
  const found: DBSnapshot[] = [];
  let marker: string | undefined;
  do {
    const page = await ctx.clients.rds.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: instanceId, SnapshotType: type, Marker: marker }),
    );
    found.push(...(page.DBSnapshots ?? []));
    marker = page.Marker;
  } while (marker);
  return found;
}

/** The newest available snapshot of the instance, of any type: automated, manual or AWS Backup's. */
export async function newestRecoveryPoint(ctx: DrillContext, instanceId: string): Promise<RecoveryPoint | undefined> {
  const all: DBSnapshot[] = [];
  for (const type of SNAPSHOT_TYPES) {
    try {
      all.push(...(await snapshotsOfType(ctx, instanceId, type)));
    } catch (error) {
      // An API (or emulator) that does not know the type answers InvalidParameterValue: none of that type.
      if (!/InvalidParameter/.test(errorName(error))) throw error;
      ctx.log?.(`snapshot type ${type} not listed: ${messageOf(error)}`);
    }
  }
  const newest = all
    .filter((s) => s.Status === 'available' && s.SnapshotCreateTime)
    .sort((a, b) => b.SnapshotCreateTime!.getTime() - a.SnapshotCreateTime!.getTime())[0];
  return newest && recoveryPointOf(newest);
}

/** A snapshot named by identifier or ARN; it must be an available snapshot of the source. */
async function namedRecoveryPoint(ctx: DrillContext, target: DrillTarget, name: string): Promise<RecoveryPoint> {
  let id = name;
  if (name.startsWith('arn:')) {
    // arn:aws:rds:<region>:<account>:snapshot:<id>; AWS Backup's ids contain a colon (awsbackup:job-...).
    const parts = name.split(':');
    if (parts[2] !== 'rds' || parts[5] !== 'snapshot' || parts.length < 7)
      throw new DrillRefusedError(
        `${name} is not the ARN of an RDS DB snapshot (arn:aws:rds:<region>:<account>:snapshot:<id>)`,
      );
    if (parts[3] !== target.region)
      throw new DrillRefusedError(
        `${name} is in ${parts[3]}; the drill restores in ${target.region} (copy it there first)`,
      );
    id = parts.slice(6).join(':');
  }
  // An automated or AWS Backup snapshot is only found when its type is given.
  for (const type of [undefined, 'automated', 'awsbackup']) {
    let answer;
    try {
      answer = await ctx.clients.rds.send(
        new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id, SnapshotType: type }),
      );
    } catch (error) {
      if (/DBSnapshotNotFound|InvalidParameter/.test(errorName(error))) continue;
      throw error;
    }
    const snapshot = answer.DBSnapshots?.[0];
    if (!snapshot) continue;
    if (snapshot.DBInstanceIdentifier !== target.sourceInstanceId)
      throw new DrillRefusedError(
        `snapshot ${id} is of ${snapshot.DBInstanceIdentifier}, not of ${target.environment}'s database ${target.sourceInstanceId}`,
      );
    if (snapshot.Status !== 'available')
      throw new DrillRefusedError(`snapshot ${id} is ${snapshot.Status}, not available: wait for it or name another`);
    return recoveryPointOf(snapshot);
  }
  throw new DrillRefusedError(`snapshot ${name} does not exist in ${target.region}`);
}

async function sourceDatabase(ctx: DrillContext, target: DrillTarget): Promise<SourceDatabase> {
  const source = await describeInstance(ctx, target.sourceInstanceId);
  if (!source)
    throw new DrillRefusedError(
      `${target.environment}'s database ${target.sourceInstanceId} does not exist in ${target.region}`,
    );
  if (!source.DBName || !source.MasterUsername)
    throw new DrillRefusedError(
      `${target.sourceInstanceId} reports no database name or master user: the verification would not know where to look`,
    );
  return {
    instanceId: target.sourceInstanceId,
    instanceClass: source.DBInstanceClass,
    subnetGroup: source.DBSubnetGroup?.DBSubnetGroupName,
    parameterGroup: source.DBParameterGroups?.[0]?.DBParameterGroupName,
    databaseName: source.DBName,
    masterUsername: source.MasterUsername,
  };
}

async function verificationTask(ctx: DrillContext, target: DrillTarget): Promise<VerificationTask> {
  let definition;
  try {
    definition = (await ctx.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: target.taskFamily })))
      .taskDefinition;
  } catch (error) {
    if (/ClientException|InvalidParameter/.test(errorName(error)))
      throw new DrillRefusedError(`the verification task ${target.taskFamily} is not registered: ${messageOf(error)}`);
    throw error;
  }
  const container = definition?.containerDefinitions?.find((c) => c.name === RESTORE_DRILL.containerName);
  if (!definition || !container)
    throw new DrillRefusedError(
      `the task definition ${target.taskFamily} has no container named ${RESTORE_DRILL.containerName}`,
    );
  const options = container.logConfiguration?.options ?? {};
  return {
    taskDefinitionArn: definition.taskDefinitionArn ?? target.taskFamily,
    vcpu: Number(definition.cpu ?? 256) / 1024,
    memoryGiB: Number(definition.memory ?? 512) / 1024,
    architecture: definition.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'arm64' : 'x86_64',
    logGroup: options['awslogs-group'],
    logStreamPrefix: options['awslogs-stream-prefix'],
  };
}

// ---------------------------------------------------------------------------------------------
// Cost

/**
 * One drill: about an hour of the drill class (Single-AZ) and of the restored storage, plus the
 * verification task's few minutes, from the region's price table. The secret (0.40 USD a month,
 * prorated by the hour) and the API calls are below a cent.
 */
export function drillCostUsd(
  region: string,
  sizing: {
    readonly instanceClass: string;
    readonly storageGiB: number;
    readonly storageType: string;
    readonly task: Pick<VerificationTask, 'vcpu' | 'memoryGiB' | 'architecture'>;
  },
): DrillCost {
  const prices = priceTableFor(region).prices;
  const price = (key: string) => {
    const entry = prices[key];
    return isPriced(entry) ? entry.usd : null;
  };
  const times = (value: number | null, ...factors: number[]) =>
    value === null ? null : factors.reduce((product, factor) => product * factor, value);
  const { task } = sizing;
  const vcpu = price(priceKey.fargateVcpuHour(task.architecture));
  const gb = price(priceKey.fargateGbHour(task.architecture));
  const taskHourly = vcpu === null || gb === null ? null : task.vcpu * vcpu + task.memoryGiB * gb;
  const items: DrillCostItem[] = [
    {
      label: `${sizing.instanceClass} Single-AZ, ${DRILL_INSTANCE_HOURS} h`,
      usd: times(price(priceKey.rdsInstanceHour(sizing.instanceClass, false)), DRILL_INSTANCE_HOURS),
    },
    {
      label: `${sizing.storageGiB} GiB ${sizing.storageType}, ${DRILL_INSTANCE_HOURS} h`,
      usd: times(
        price(priceKey.rdsStorageGbMonth(sizing.storageType, false)),
        sizing.storageGiB,
        DRILL_INSTANCE_HOURS / HOURS_PER_MONTH,
      ),
    },
    {
      label: `verification task ${task.vcpu} vCPU ${task.memoryGiB} GB, ${DRILL_TASK_MINUTES} min`,
      usd: times(taskHourly, DRILL_TASK_MINUTES / 60),
    },
  ];
  return {
    totalUsd: items.reduce((sum, item) => sum + (item.usd ?? 0), 0),
    items,
    unpriced: items.filter((item) => item.usd === null).map((item) => item.label),
  };
}

/** `about 0.03 USD (db.t4g.micro Single-AZ, 1 h: 0.019; ...)`, naming what has no price. */
export function describeDrillCost(cost: DrillCost, region: string): string {
  const parts = cost.items.map((item) => `${item.label}: ${item.usd === null ? 'unpriced' : item.usd.toFixed(3)}`);
  const unpriced =
    cost.unpriced.length > 0 ? `; not priced (no price in the ${region} table): ${cost.unpriced.join(', ')}` : '';
  return `about ${cost.totalUsd.toFixed(2)} USD (${parts.join('; ')})${unpriced}`;
}

// ---------------------------------------------------------------------------------------------
// Plan and start

/**
 * What a drill will do, from what AWS shows: the source, the recovery point (`snapshot`, an id or
 * ARN, else the newest), the drill instance's name, other drills' instances, the steps and the
 * cost. Reads only.
 */
export async function planDrill(
  ctx: DrillContext,
  target: DrillTarget,
  options: { readonly snapshot?: string } = {},
): Promise<DrillPlan> {
  const source = await sourceDatabase(ctx, target);
  const recoveryPoint = options.snapshot
    ? await namedRecoveryPoint(ctx, target, options.snapshot)
    : await newestRecoveryPoint(ctx, target.sourceInstanceId);
  if (!recoveryPoint)
    throw new DrillRefusedError(
      `${target.sourceInstanceId} has no available snapshot (automated, manual or AWS Backup) to restore`,
    );
  const task = await verificationTask(ctx, target);
  const drills = await findDrillInstances(ctx, target);
  const now = ctx.now();
  const instanceId = `${RESTORE_DRILL.instancePrefix(target.appName, target.environment)}${compactTime(now)}`;
  const cost = drillCostUsd(target.region, {
    instanceClass: target.instanceClass,
    storageGiB: recoveryPoint.storageGiB ?? 20,
    storageType: recoveryPoint.storageType ?? 'gp3',
    task,
  });
  const leftovers = drills.filter((drill) => !isLive(drill));
  const steps = [
    ...(leftovers.length > 0
      ? [`delete what killed drills left behind: ${leftovers.map((d) => d.instanceId).join(', ')}`]
      : []),
    `restore ${recoveryPoint.id} as ${instanceId} (${target.instanceClass}, Single-AZ, not public, no deletion protection, no backups, security group ${target.databaseSecurityGroupId} only${source.subnetGroup ? `, subnet group ${source.subnetGroup}` : ''}${source.parameterGroup ? `, parameter group ${source.parameterGroup}` : ''}), tagged ${RESTORE_DRILL.tagKey}=${target.environment}`,
    'wait until it is available: the restore time (RTO)',
    `set a new random master password for ${source.masterUsername}, kept in the secret ${target.passwordSecretName} while the check runs`,
    `run the task ${target.taskFamily} in ${target.clusterName}: psql over TLS (verify-full) into ${source.databaseName}, which must hold applied Django migrations`,
    'delete the instance (no final snapshot, no automated backups kept), the secret and the task: also when a step fails or the run is interrupted',
  ];
  return {
    target,
    source,
    recoveryPoint,
    instanceId,
    task,
    live: drills.filter(isLive),
    leftovers,
    steps,
    cost,
    plannedAt: iso(now),
  };
}

function refuseLive(target: DrillTarget, live: readonly DrillInstance[]): void {
  if (live.length === 0) return;
  const which = live
    .map(
      (d) => `${d.instanceId} (${d.status}${d.ageMs === undefined ? '' : `, started ${formatDuration(d.ageMs)} ago`})`,
    )
    .join(', ');
  throw new DrillRefusedError(
    `another restore drill of ${target.environment} is running: ${which}. Wait for it to finish (a drill ends within ${LIVE_DRILL_MS / 3_600_000} h), or delete it with: npx booking-infra restore-drill ${target.environment} --cleanup`,
  );
}

/**
 * Refuses while another drill of the environment runs, deletes what killed drills left behind,
 * then asks RDS for the restore. The instance is the plan's: the caller can clean up by that id
 * even when this throws after the request went out.
 */
export async function startDrill(ctx: DrillContext, plan: DrillPlan): Promise<DrillState> {
  const { target } = plan;
  refuseLive(target, (await findDrillInstances(ctx, target)).filter(isLive));
  const swept = await sweepDrills(ctx, target, { olderThanMs: LIVE_DRILL_MS });
  for (const entry of swept.entries.filter((e) => e.outcome !== 'absent')) ctx.log?.(describeCleanupEntry(entry));
  const startedAt = iso(ctx.now());
  const state: DrillState = {
    version: 1,
    target,
    instanceId: plan.instanceId,
    recoveryPoint: plan.recoveryPoint,
    source: plan.source,
    task: plan.task,
    phase: 'restoring',
    startedAt,
    restoreRequestedAt: startedAt,
  };
  try {
    await requestRestore(ctx, plan);
  } catch (error) {
    // The request may have gone out (a timeout after RDS accepted it): a failed drill whose
    // cleanup deletes the instance by its id, if it exists, instead of an error that leaves it.
    return {
      ...state,
      phase: 'failed',
      finishedAt: iso(ctx.now()),
      failure: `the restore request failed: ${errorName(error)}: ${messageOf(error)}`,
    };
  }
  return state;
}

async function requestRestore(ctx: DrillContext, plan: DrillPlan): Promise<void> {
  const { target } = plan;
  await ctx.clients.rds.send(
    new RestoreDBInstanceFromDBSnapshotCommand({
      DBInstanceIdentifier: plan.instanceId,
      // The ARN where known: AWS Backup's recovery points are restored by it.
      DBSnapshotIdentifier: plan.recoveryPoint.arn ?? plan.recoveryPoint.id,
      DBInstanceClass: target.instanceClass,
      MultiAZ: false,
      PubliclyAccessible: false,
      DeletionProtection: false,
      VpcSecurityGroupIds: [target.databaseSecurityGroupId],
      DBSubnetGroupName: plan.source.subnetGroup,
      DBParameterGroupName: plan.source.parameterGroup,
      // No automated backups: none are wanted, and the first one would delay `available`.
      BackupRetentionPeriod: 0,
      CopyTagsToSnapshot: false,
      AutoMinorVersionUpgrade: false,
      Tags: [
        { Key: RESTORE_DRILL.tagKey, Value: target.environment },
        { Key: 'Name', Value: plan.instanceId },
      ],
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Steps

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** 32 URL-safe characters: RDS refuses /, ", @ and spaces in a master password. */
function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Stores the password where the task definition reads it: a new secret, or a leftover one
 * (overwritten, restored first if it was scheduled for deletion).
 */
async function writePassword(ctx: DrillContext, target: DrillTarget, password: string): Promise<void> {
  const sm = ctx.clients.secretsmanager;
  const scheduledForDeletion = (error: unknown) =>
    errorName(error) === 'InvalidRequestException' && /deletion|deleted/i.test(messageOf(error));
  try {
    await sm.send(
      new CreateSecretCommand({
        Name: target.passwordSecretName,
        SecretString: password,
        Description: `Master password of ${target.environment}'s restore drill instance while it is verified; deleted by the drill`,
        Tags: [{ Key: RESTORE_DRILL.tagKey, Value: target.environment }],
      }),
    );
    return;
  } catch (error) {
    if (errorName(error) !== 'ResourceExistsException' && !scheduledForDeletion(error)) throw error;
  }
  try {
    await sm.send(new PutSecretValueCommand({ SecretId: target.passwordSecretName, SecretString: password }));
  } catch (error) {
    if (!scheduledForDeletion(error)) throw error;
    await sm.send(new RestoreSecretCommand({ SecretId: target.passwordSecretName }));
    await sm.send(new PutSecretValueCommand({ SecretId: target.passwordSecretName, SecretString: password }));
  }
}

function failed(ctx: DrillContext, next: Mutable<DrillState>, failure: string): DrillState {
  return { ...next, phase: 'failed', failure, finishedAt: iso(ctx.now()) };
}

const elapsed = (ctx: DrillContext, since: string | undefined) => ctx.now() - Date.parse(since ?? '');

async function checkRestore(ctx: DrillContext, next: Mutable<DrillState>): Promise<DrillState> {
  const instance = await describeInstance(ctx, next.instanceId);
  if (!instance) return failed(ctx, next, `the restored instance ${next.instanceId} no longer exists`);
  const status = instance.DBInstanceStatus ?? 'unknown';
  next.lastStatus = status;
  if (FAILED_STATUSES.has(status))
    return failed(
      ctx,
      next,
      `the restore of ${next.recoveryPoint.id} ended ${status}: see the RDS events of ${next.instanceId} (aws rds describe-events --source-type db-instance --source-identifier ${next.instanceId} --duration 1440)`,
    );
  if (status !== 'available') {
    if (elapsed(ctx, next.restoreRequestedAt) > RESTORE_TIMEOUT_MS)
      return failed(
        ctx,
        next,
        `${next.instanceId} was still ${status} ${formatDuration(RESTORE_TIMEOUT_MS)} after the restore began`,
      );
    return next;
  }
  // The RTO ends the first time the instance is seen available.
  next.availableAt ??= iso(ctx.now());
  next.endpoint = { address: instance.Endpoint?.Address ?? '', port: instance.Endpoint?.Port ?? 5432 };
  if (!next.endpoint.address) return failed(ctx, next, `${next.instanceId} is available but has no endpoint`);
  // The password never enters the state: it goes from here to the secret and to RDS.
  const password = (ctx.newPassword ?? randomPassword)();
  await writePassword(ctx, next.target, password);
  try {
    await ctx.clients.rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: next.instanceId,
        MasterUserPassword: password,
        ApplyImmediately: true,
      }),
    );
  } catch (error) {
    // Available for a moment, then busy again (e.g. a storage optimisation): try at the next step.
    if (errorName(error) === 'InvalidDBInstanceState') {
      next.lastStatus = `available, but RDS refuses the password reset for now (${messageOf(error)})`;
      return next;
    }
    throw error;
  }
  next.passwordResetAt = iso(ctx.now());
  next.phase = 'resetting-password';
  next.lastStatus = 'resetting-master-credentials';
  return next;
}

async function checkPassword(ctx: DrillContext, next: Mutable<DrillState>): Promise<DrillState> {
  const instance = await describeInstance(ctx, next.instanceId);
  if (!instance) return failed(ctx, next, `the restored instance ${next.instanceId} no longer exists`);
  const status = instance.DBInstanceStatus ?? 'unknown';
  next.lastStatus = status;
  if (FAILED_STATUSES.has(status))
    return failed(ctx, next, `${next.instanceId} became ${status} during the password reset`);
  const applied =
    status === 'available' &&
    !instance.PendingModifiedValues?.MasterUserPassword &&
    elapsed(ctx, next.passwordResetAt) >= PASSWORD_SETTLE_MS;
  if (!applied) {
    if (elapsed(ctx, next.passwordResetAt) > PASSWORD_TIMEOUT_MS)
      return failed(
        ctx,
        next,
        `the new master password of ${next.instanceId} was not applied within ${formatDuration(PASSWORD_TIMEOUT_MS)} (status ${status})`,
      );
    return next;
  }
  const { target } = next;
  const started = await ctx.clients.ecs.send(
    new RunTaskCommand({
      cluster: target.clusterName,
      taskDefinition: target.taskFamily,
      launchType: 'FARGATE',
      count: 1,
      startedBy: DRILL_STARTED_BY,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...target.subnetIds],
          securityGroups: [target.taskSecurityGroupId],
          assignPublicIp: target.assignPublicIp,
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: RESTORE_DRILL.containerName,
            environment: [
              { name: 'PGHOST', value: next.endpoint!.address },
              { name: 'PGPORT', value: String(next.endpoint!.port) },
              { name: 'PGUSER', value: next.source.masterUsername },
              { name: 'PGDATABASE', value: next.source.databaseName },
            ],
          },
        ],
      },
    }),
  );
  const taskArn = started.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const why = (started.failures ?? []).map((f) => `${f.reason ?? ''} ${f.detail ?? ''}`.trim()).join('; ');
    return failed(ctx, next, `ECS did not start the verification task: ${why || 'no task and no failure reported'}`);
  }
  next.taskArn = taskArn;
  next.taskStartedAt = iso(ctx.now());
  next.phase = 'verifying';
  next.lastStatus = started.tasks?.[0]?.lastStatus ?? 'PROVISIONING';
  return next;
}

/** Where the verification task's output is, from its task definition's awslogs options. */
function logsOf(state: DrillState): string {
  const taskId = state.taskArn?.split('/').pop() ?? '';
  if (!state.task.logGroup) return 'its task definition sends its output nowhere (no awslogs configuration)';
  const stream = state.task.logStreamPrefix
    ? `${state.task.logStreamPrefix}/${RESTORE_DRILL.containerName}/${taskId}`
    : taskId;
  return `logs: log group ${state.task.logGroup}, stream ${stream}`;
}

async function checkVerification(ctx: DrillContext, next: Mutable<DrillState>): Promise<DrillState> {
  const described = await ctx.clients.ecs.send(
    new DescribeTasksCommand({ cluster: next.target.clusterName, tasks: [next.taskArn!] }),
  );
  const task = described.tasks?.[0];
  if (!task) return failed(ctx, next, `ECS no longer knows the verification task ${next.taskArn}`);
  next.lastStatus = task.lastStatus ?? 'unknown';
  if (task.lastStatus !== 'STOPPED') {
    if (elapsed(ctx, next.taskStartedAt) > TASK_TIMEOUT_MS)
      return failed(
        ctx,
        next,
        `the verification task was still ${task.lastStatus} after ${formatDuration(TASK_TIMEOUT_MS)}; ${logsOf(next)}`,
      );
    return next;
  }
  next.taskStoppedAt = iso(ctx.now());
  const container = task.containers?.find((c) => c.name === RESTORE_DRILL.containerName);
  next.exitCode = container?.exitCode;
  if (container?.exitCode === 0) {
    return { ...next, phase: 'passed', finishedAt: iso(ctx.now()) };
  }
  const taskId = next.taskArn!.split('/').pop();
  const reasons = [task.stopCode, task.stoppedReason, container?.reason].filter(Boolean).join('; ');
  return failed(
    ctx,
    next,
    `verification failed: the ${RESTORE_DRILL.containerName} container of task ${taskId} ${container?.exitCode === undefined ? 'did not run to an exit code' : `exited with code ${container.exitCode}`}${reasons ? ` (${reasons})` : ''}; ${logsOf(next)}`,
  );
}

const ACTIVITY: Record<DrillPhase, string> = {
  restoring: 'while waiting for the restore',
  'resetting-password': 'while resetting the master password',
  verifying: 'while verifying',
  passed: '',
  failed: '',
};

/**
 * One step: looks at what the phase waits on and moves on when it is there. Quick and
 * non-blocking (a few API calls), so a Lambda with a one-minute timeout can run it. An AWS error
 * fails the drill (the SDK has already retried it); it never throws once the drill has started.
 */
export async function advanceDrill(ctx: DrillContext, state: DrillState): Promise<DrillState> {
  if (state.phase === 'passed' || state.phase === 'failed') return state;
  const next: Mutable<DrillState> = { ...state };
  try {
    if (state.phase === 'restoring') return await checkRestore(ctx, next);
    if (state.phase === 'resetting-password') return await checkPassword(ctx, next);
    return await checkVerification(ctx, next);
  } catch (error) {
    return failed(ctx, next, `${ACTIVITY[state.phase]}: ${errorName(error) || 'Error'}: ${messageOf(error)}`);
  }
}

/** The drill's measurements, in milliseconds; undefined where the drill did not get that far. */
export function drillMeasurements(state: DrillState): {
  readonly rtoMs?: number;
  readonly verificationMs?: number;
  readonly totalMs?: number;
  readonly rpoMs: number;
} {
  const t = (value: string | undefined) => (value === undefined ? undefined : Date.parse(value));
  const span = (from?: number, to?: number) => (from === undefined || to === undefined ? undefined : to - from);
  return {
    rtoMs: span(t(state.restoreRequestedAt), t(state.availableAt)),
    verificationMs: span(t(state.availableAt), t(state.taskStoppedAt)),
    totalMs: span(t(state.startedAt), t(state.finishedAt)),
    rpoMs: Date.parse(state.startedAt) - Date.parse(state.recoveryPoint.createdAt),
  };
}

// ---------------------------------------------------------------------------------------------
// Cleanup

function entry(resource: CleanupEntry['resource'], id: string, outcome: CleanupOutcome, detail: string): CleanupEntry {
  return { resource, id, outcome, detail };
}

async function deleteInstance(ctx: DrillContext, target: DrillTarget, instanceId: string): Promise<CleanupEntry> {
  // Never the environment's database, whatever a state says.
  if (
    instanceId === target.sourceInstanceId ||
    !instanceId.startsWith(RESTORE_DRILL.instancePrefix(target.appName, target.environment))
  )
    return entry('instance', instanceId, 'failed', 'not a drill instance: left alone');
  try {
    const instance = await describeInstance(ctx, instanceId);
    if (!instance) return entry('instance', instanceId, 'absent', 'does not exist (never created, or already deleted)');
    if (instance.DBInstanceStatus === 'deleting') return entry('instance', instanceId, 'removed', 'being deleted');
    await ctx.clients.rds.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier: instanceId,
        SkipFinalSnapshot: true,
        DeleteAutomatedBackups: true,
      }),
    );
    return entry(
      'instance',
      instanceId,
      'removed',
      `deletion started; was ${instance.DBInstanceStatus}, no final snapshot, automated backups deleted`,
    );
  } catch (error) {
    if (/DBInstanceNotFound/.test(errorName(error))) return entry('instance', instanceId, 'absent', 'already deleted');
    // RDS refuses to delete an instance in some transitions (still being created or modified).
    if (errorName(error) === 'InvalidDBInstanceState')
      return entry('instance', instanceId, 'pending', `RDS cannot delete it yet: ${messageOf(error)}`);
    return entry('instance', instanceId, 'failed', `${errorName(error)}: ${messageOf(error)}`);
  }
}

async function deleteSecret(ctx: DrillContext, target: DrillTarget): Promise<CleanupEntry> {
  const name = target.passwordSecretName;
  try {
    await ctx.clients.secretsmanager.send(
      new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }),
    );
    return entry('secret', name, 'removed', 'deleted without a recovery window');
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return entry('secret', name, 'absent', 'does not exist');
    return entry('secret', name, 'failed', `${errorName(error)}: ${messageOf(error)}`);
  }
}

async function stopTask(
  ctx: DrillContext,
  target: DrillTarget,
  taskArn: string,
  knownRunning = false,
): Promise<CleanupEntry> {
  const id = taskArn.split('/').pop() ?? taskArn;
  try {
    if (!knownRunning) {
      const task = (
        await ctx.clients.ecs.send(new DescribeTasksCommand({ cluster: target.clusterName, tasks: [taskArn] }))
      ).tasks?.[0];
      if (!task) return entry('task', id, 'absent', 'ECS no longer knows it');
      if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED')
        return entry('task', id, 'absent', `already ${task.lastStatus === 'STOPPED' ? 'stopped' : 'stopping'}`);
    }
    await ctx.clients.ecs.send(
      new StopTaskCommand({ cluster: target.clusterName, task: taskArn, reason: 'restore drill cleanup' }),
    );
    return entry('task', id, 'removed', 'stopped');
  } catch (error) {
    return entry('task', id, 'failed', `${errorName(error)}: ${messageOf(error)}`);
  }
}

function report(entries: CleanupEntry[]): CleanupReport {
  const open = entries.filter((e) => e.outcome === 'pending' || e.outcome === 'failed');
  return {
    entries,
    complete: open.length === 0,
    retryable: open.length > 0 && open.every((e) => e.outcome === 'pending'),
  };
}

/**
 * Deletes what one drill made: stops its task, deletes its instance (no final snapshot, automated
 * backups deleted) and the password secret. Idempotent: what is already gone is reported absent,
 * so it can run again on the same state (after a pending instance, or a second interruption).
 */
export async function cleanUpDrill(ctx: DrillContext, drill: DrillResources): Promise<CleanupReport> {
  const entries: CleanupEntry[] = [];
  if (drill.taskArn) entries.push(await stopTask(ctx, drill.target, drill.taskArn));
  entries.push(await deleteInstance(ctx, drill.target, drill.instanceId));
  entries.push(await deleteSecret(ctx, drill.target));
  return report(entries);
}

/**
 * Deletes drill instances of the environment older than `olderThanMs` (0: all of them, as
 * `--cleanup` asks), found by identifier prefix and tag; once no drill instance is left, also any
 * verification task still running and the password secret, which then belong to no live drill.
 */
export async function sweepDrills(
  ctx: DrillContext,
  target: DrillTarget,
  options: { readonly olderThanMs: number },
): Promise<CleanupReport> {
  const drills = await findDrillInstances(ctx, target);
  const doomed = drills.filter(
    (d) => options.olderThanMs === 0 || (d.ageMs !== undefined && d.ageMs >= options.olderThanMs),
  );
  const entries: CleanupEntry[] = [];
  for (const drill of doomed) entries.push(await deleteInstance(ctx, target, drill.instanceId));
  if (doomed.length < drills.length) return report(entries);
  let running: string[] = [];
  try {
    running =
      (
        await ctx.clients.ecs.send(
          new ListTasksCommand({ cluster: target.clusterName, startedBy: DRILL_STARTED_BY, desiredStatus: 'RUNNING' }),
        )
      ).taskArns ?? [];
  } catch (error) {
    if (errorName(error) !== 'ClusterNotFoundException')
      entries.push(
        entry('task', target.clusterName, 'failed', `could not list the drill's tasks: ${messageOf(error)}`),
      );
  }
  for (const taskArn of running) entries.push(await stopTask(ctx, target, taskArn, true));
  entries.push(await deleteSecret(ctx, target));
  return report(entries);
}

const OUTCOME_WORDS: Record<CleanupOutcome, string> = {
  removed: 'gone',
  absent: 'nothing to delete',
  pending: 'NOT YET DELETED',
  failed: 'NOT DELETED',
};

/** `instance booking-dev-drill-...: gone (deletion started ...)`. */
export function describeCleanupEntry(e: CleanupEntry): string {
  return `${e.resource} ${e.id}: ${OUTCOME_WORDS[e.outcome]} (${e.detail})`;
}
