import { randomUUID } from 'node:crypto';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeLogGroupsCommand,
  type LogGroup,
  ListTagsForResourceCommand as ListLogTagsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeAddressesCommand, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { BatchDeleteImageCommand, DescribeImagesCommand, type ImageDetail } from '@aws-sdk/client-ecr';
import { DeleteSnapshotCommand, DescribeSnapshotsCommand, type Snapshot } from '@aws-sdk/client-elasticache';
import { DescribeLoadBalancersCommand, type LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type DBInstance,
  DeleteDBSnapshotCommand,
  type DBSnapshot,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { imageRepositoryName } from '../config';
import type { EnvironmentConfig, PlatformConfig } from '../config/types';
import { HOURS_PER_MONTH, isPriced, type PriceTable, priceKey } from '../cost/price-table';
import { priceTableFor } from '../cost/prices';
import { errorSummary } from './aws-errors';
import type { OpsClients } from './clients';
import { environmentName, releaseImageParameter, releaseTagPrefix } from './contracts';
import type { EnvironmentResources } from './resources';
import {
  DATABASE_STOPPED_STATES,
  LOCK_STALE_MS,
  type LockHeldError,
  type LockRecord,
  type StateStore,
} from './state-store';

/**
 * `booking-infra cleanup <env>`: what costs money and serves nothing, each with its monthly price
 * and the one action that ends it. Finding reads only; `applyCleanup` acts, finding by finding,
 * under the environment's transition lock, and treats a resource already gone as done, so a run
 * that failed half way is finished by running it again. Two cleanups at once: the second waits for
 * the first's lock, then finds what the first did already gone (see `takeCleanupLock`).
 *
 * Never proposed, whatever their age:
 * - a DB snapshot tagged `keep=true`, or named by any environment's `database.restoreFromSnapshot`
 *   (CloudFormation reads that property again whenever it replaces the instance);
 * - the DB snapshot the environment's state record names: with `whileMinimal: 'snapshot'` it holds
 *   the data while the minimal deploy has deleted the instance;
 * - the environment's `database.restoredFromMinimalSnapshot`, unless the record names another
 *   snapshot (a later minimal cycle's, which holds newer data: the gate restores only that one);
 * - the newest cache snapshot of the environment: a cache rebuilt after `minimal` may need it;
 * - an image any configured environment references: the one its release parameter names (by tag
 *   or digest), one tagged with its release prefix (the repository's lifecycle keeps those), its
 *   configured first-deploy tag; and no image at all when one of those cannot be read;
 * - an image pulled within the retention;
 * - an Elastic IP not tagged as this environment's (or the app's without an environment).
 */

export type FindingKind =
  'db-snapshot' | 'cache-snapshot' | 'image' | 'elastic-ip' | 'log-group' | 'database' | 'load-balancer';

/** What `--apply` does about a finding; `none`: report only, for the reason given. */
export type CleanupAction =
  | { readonly type: 'delete-db-snapshot'; readonly snapshotId: string }
  | { readonly type: 'delete-cache-snapshot'; readonly snapshotName: string }
  | {
      readonly type: 'delete-image';
      readonly repositoryName: string;
      readonly registryId: string;
      readonly imageDigest: string;
    }
  | { readonly type: 'release-address'; readonly allocationId: string }
  | { readonly type: 'set-log-retention'; readonly logGroupName: string; readonly days: number }
  | { readonly type: 'stop-database'; readonly instanceId: string }
  | { readonly type: 'none'; readonly reason: string };

export interface Finding {
  readonly kind: FindingKind;
  /** The resource's id: snapshot name, image digest, allocation id, log group, instance, load balancer. */
  readonly resource: string;
  /** Days since it was made (snapshot, image, log group, load balancer) or recorded (database). */
  readonly ageDays?: number;
  /** Why it is waste, in one phrase. */
  readonly why: string;
  /** What was read that shows it, and how the price was reached. */
  readonly evidence: string;
  /** What it costs a month; null when the price tables have no price for it (see `unpriced`). */
  readonly monthlyUsd: number | null;
  readonly unpriced?: string;
  readonly action: CleanupAction;
  /** The action in words, e.g. "delete (DeleteDBSnapshot)". */
  readonly actionText: string;
  /** Account-wide state (the image repository): reported under every environment sharing it. */
  readonly shared?: boolean;
}

export interface CleanupReport {
  readonly environment: string;
  readonly region: string;
  readonly olderThanDays: number;
  readonly findings: readonly Finding[];
  /** What was left out and why (too young to judge, not readable, ...). */
  readonly notes: readonly string[];
  /** Checks that failed: the report is incomplete. */
  readonly errors: readonly string[];
  /**
   * The transition lock, when a pause, resume or rotation holds it: `--apply` refuses then.
   * Another cleanup's lock is not one: `--apply` waits for it (a note says so).
   */
  readonly lock?: LockRecord;
  readonly totals: {
    /** What `--apply` saves a month (priced findings it acts on). */
    readonly applyUsd: number;
    /** What the report-only findings cost a month. */
    readonly reportOnlyUsd: number;
    /** Findings without a price. */
    readonly unpriced: number;
  };
}

/** How one environment uses the image repository; read in its own account and region. */
export interface EnvironmentImageUse {
  readonly environment: string;
  /** The tag its first deploy runs (`compute.imageTag`). */
  readonly configuredTag: string;
  /** The image URI its release parameter holds (tag or digest); undefined when it has none yet. */
  readonly readReleaseImage: () => Promise<string | undefined>;
  /**
   * The image URIs its web, worker and migrate task definitions run now: a release whose record
   * step failed runs an image no parameter or tag names, and deleting it would fail the next task
   * start. Absent: not checked.
   */
  readonly readImagesInUse?: () => Promise<readonly string[]>;
}

/** What the cleanup looks at: one environment, and what every environment shares with it. */
export interface CleanupTarget {
  readonly appName: string;
  readonly environment: string;
  readonly region: string;
  readonly databaseId: string;
  readonly cacheId?: string;
  readonly loadBalancerDnsName?: string;
  /** Days after which a snapshot or an image counts as beyond retention. */
  readonly olderThanDays: number;
  /** The retention `--apply` gives a log group without one (`logRetentionDays`). */
  readonly logRetentionDays: number;
  /** Every configured environment's name: a log group belongs to the one whose prefix matches longest. */
  readonly environments: readonly string[];
  /** DB snapshots no cleanup deletes: every environment's `database.restoreFromSnapshot`. */
  readonly protectedDbSnapshots: readonly string[];
  /**
   * This environment's `database.restoredFromMinimalSnapshot`: kept unless the state record names
   * another snapshot (a later minimal cycle's data).
   */
  readonly restoredFromMinimalSnapshot?: string;
  readonly imageRepository: { readonly name: string; readonly registryId: string; readonly region: string };
  readonly imageUses: readonly EnvironmentImageUse[];
}

export interface CleanupContext {
  readonly clients: Pick<
    OpsClients,
    'rds' | 'elasticache' | 'ecr' | 'ec2' | 'logs' | 'elbv2' | 'cloudwatch' | 'dynamodb'
  >;
  readonly store: StateStore;
  readonly now: () => number;
  /** Waits between looks at another cleanup's lock. */
  readonly sleep: (ms: number) => Promise<void>;
}

const DAY_MS = 24 * 3600_000;
const GIB = 1024 ** 3;
/** The tag that keeps a DB snapshot out of every cleanup. */
export const KEEP_TAG = { key: 'keep', value: 'true' } as const;
/** A load balancer without a request for this long is idle (and one younger is not judged). */
export const IDLE_LOAD_BALANCER_DAYS = 7;
/** The lock's operation while a cleanup applies. */
export const CLEANUP_OPERATION = 'cleanup';
/** How often a cleanup waiting for another cleanup's lock looks again. */
export const LOCK_WAIT_POLL_MS = 5_000;

/** The release parameter of an environment, read with `ssm`: undefined when none is recorded. */
export function releaseImageReader(ssm: SSMClient, parameterName: string): () => Promise<string | undefined> {
  return async () => {
    try {
      const answer = await ssm.send(new GetParameterCommand({ Name: parameterName }));
      return answer.Parameter?.Value || undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'ParameterNotFound') return undefined;
      throw error;
    }
  };
}

/**
 * The images an environment's tasks run now: the task definitions of its web and worker services
 * and the latest of its migrate family. A service or family that does not exist (minimal, not yet
 * deployed) runs nothing; any other error is thrown, so no image is proposed on a partial answer.
 */
export async function imagesInUse(ecs: ECSClient, name: string): Promise<string[]> {
  const definitions: string[] = [`${name}-migrate`];
  try {
    const answer = await ecs.send(
      new DescribeServicesCommand({ cluster: name, services: [`${name}-web`, `${name}-worker`] }),
    );
    for (const service of answer?.services ?? []) {
      if (service.taskDefinition) definitions.push(service.taskDefinition);
      for (const deployment of service.deployments ?? []) {
        if (deployment.taskDefinition) definitions.push(deployment.taskDefinition);
      }
    }
  } catch (error) {
    if ((error as { name?: string }).name !== 'ClusterNotFoundException') throw error;
  }
  const images: string[] = [];
  for (const definition of new Set(definitions)) {
    try {
      const answer = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: definition }));
      for (const container of answer?.taskDefinition?.containerDefinitions ?? []) {
        if (container.image) images.push(container.image);
      }
    } catch (error) {
      // A family never registered (the migrate task of an environment not deployed yet).
      if ((error as { name?: string }).name === 'ClientException') continue;
      throw error;
    }
  }
  return images;
}

/** The cleanup of `env` as the config and its stacks describe it. */
export function cleanupTarget(
  config: PlatformConfig,
  env: EnvironmentConfig,
  resources: EnvironmentResources,
  olderThanDays: number,
  imageUses: readonly EnvironmentImageUse[],
): CleanupTarget {
  return {
    appName: config.shared.appName,
    environment: env.name,
    region: env.region,
    databaseId: resources.databaseId,
    cacheId: resources.cacheId,
    loadBalancerDnsName: resources.loadBalancerDnsName,
    olderThanDays,
    logRetentionDays: env.logRetentionDays,
    environments: config.environments.map((e) => e.name),
    protectedDbSnapshots: config.environments.flatMap((e) =>
      e.database.restoreFromSnapshot ? [e.database.restoreFromSnapshot.snapshotIdentifier] : [],
    ),
    restoredFromMinimalSnapshot: env.database.restoredFromMinimalSnapshot,
    imageRepository: {
      name: imageRepositoryName(config.shared),
      registryId: config.shared.account,
      region: config.shared.region,
    },
    imageUses,
  };
}

/** The image URI's tag or digest (`repo:tag`, `repo@sha256:...`; no tag means `latest`). */
export function parseImageReference(uri: string): { readonly tag?: string; readonly digest?: string } {
  const at = uri.indexOf('@');
  if (at >= 0) return { digest: uri.slice(at + 1) };
  const colon = uri.lastIndexOf(':');
  return colon > uri.lastIndexOf('/') ? { tag: uri.slice(colon + 1) } : { tag: 'latest' };
}

type Cost =
  | { readonly monthlyUsd: number; readonly unpriced?: undefined }
  | { readonly monthlyUsd: null; readonly unpriced: string };

/** `quantity` units of a price-table entry, or unpriced with the table's reason. */
function priced(table: PriceTable, key: string, quantity: number): Cost {
  const entry = table.prices[key];
  if (isPriced(entry)) return { monthlyUsd: entry.usd * quantity };
  return { monthlyUsd: null, unpriced: entry?.reason ?? `no ${key} price for ${table.region}` };
}

const ageDays = (now: number, since: Date | number | undefined): number | undefined =>
  since === undefined ? undefined : Math.floor((now - new Date(since).getTime()) / DAY_MS);
const day = (time: Date | number | undefined) =>
  time === undefined ? 'unknown' : new Date(time).toISOString().slice(0, 10);
const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;
const tagValue = (tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined, key: string) =>
  tags?.find((tag) => tag.Key === key)?.Value;

interface Found {
  readonly findings: Finding[];
  readonly notes: string[];
}
const found = (findings: Finding[] = [], notes: string[] = []): Found => ({ findings, notes });

/**
 * Manual snapshots of the environment's database older than the retention. The state record is
 * read first: when it cannot be, no snapshot is proposed (the one it names may hold the data).
 */
async function findDbSnapshots(ctx: CleanupContext, target: CleanupTarget, table: PriceTable): Promise<Found> {
  const recorded = (await ctx.store.readRecord())?.databaseSnapshot?.identifier;
  const snapshots: DBSnapshot[] = [];
  let marker: string | undefined;
  do {
    // SnapshotType manual: automated snapshots expire with the backup retention, and AWS Backup's
    // recovery points (type awsbackup) expire with its plan; neither is ours to delete.
    const page = await ctx.clients.rds.send(
      new DescribeDBSnapshotsCommand({
        DBInstanceIdentifier: target.databaseId,
        SnapshotType: 'manual',
        Marker: marker,
      }),
    );
    snapshots.push(...(page.DBSnapshots ?? []));
    marker = page.Marker;
  } while (marker);
  const now = ctx.now();
  const result = found();
  for (const snapshot of snapshots) {
    const id = snapshot.DBSnapshotIdentifier ?? '';
    const age = ageDays(now, snapshot.SnapshotCreateTime);
    if (snapshot.SnapshotType !== 'manual' || snapshot.Status !== 'available') continue;
    if (age === undefined || age < target.olderThanDays) continue;
    if (tagValue(snapshot.TagList, KEEP_TAG.key) === KEEP_TAG.value) {
      result.notes.push(`DB snapshot ${id} is ${age} days old but tagged ${KEEP_TAG.key}=${KEEP_TAG.value}: kept`);
      continue;
    }
    if (id === recorded) {
      result.notes.push(
        `DB snapshot ${id} is the one the state record names (taken by minimal, it holds the data while the database is deleted): kept`,
      );
      continue;
    }
    if (target.protectedDbSnapshots.some((keep) => keep === id || keep === snapshot.DBSnapshotArn)) {
      result.notes.push(`DB snapshot ${id} is a database.restoreFromSnapshot of the config: kept`);
      continue;
    }
    if (id === target.restoredFromMinimalSnapshot) {
      if (!recorded) {
        result.notes.push(
          `DB snapshot ${id} is the config's database.restoredFromMinimalSnapshot (the instance was restored from it): kept`,
        );
        continue;
      }
      // The record names a later cycle's snapshot: this one holds older data no deploy may restore.
      result.notes.push(
        `DB snapshot ${id} is the config's database.restoredFromMinimalSnapshot, but the state record names ${recorded}, which holds the newer data: proposed`,
      );
    }
    const size = snapshot.AllocatedStorage ?? 0;
    result.findings.push({
      kind: 'db-snapshot',
      resource: id,
      ageDays: age,
      why: `manual snapshot older than ${target.olderThanDays} days`,
      evidence: `taken ${day(snapshot.SnapshotCreateTime)} of ${target.databaseId}; priced at its ${size} GiB allocated, an upper bound: snapshots are incremental, and backup storage up to the database's size is free`,
      ...priced(table, priceKey.rdsBackupGbMonth, size),
      action: { type: 'delete-db-snapshot', snapshotId: id },
      actionText: 'delete (DeleteDBSnapshot)',
    });
  }
  return result;
}

/** When ElastiCache took a snapshot: the earliest of its nodes' times. */
function cacheSnapshotTime(snapshot: Snapshot): number | undefined {
  const times = (snapshot.NodeSnapshots ?? [])
    .map((node) => node.SnapshotCreateTime?.getTime())
    .filter((time): time is number => time !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/**
 * Manual cache snapshots of the environment (the `minimal` snapshots and the final snapshots a
 * deleted cache leaves) older than the retention, except the newest one.
 */
async function findCacheSnapshots(ctx: CleanupContext, target: CleanupTarget, table: PriceTable): Promise<Found> {
  const stage = environmentName(target.appName, target.environment);
  // The replication group is `<stage>-acl` (src/modules/cache/cache.ts cacheReplicationGroupId),
  // `<stage>` before issue 14; after `minimal` no stack output names it any more.
  const groups = new Set([`${stage}-acl`, stage, ...(target.cacheId ? [target.cacheId] : [])]);
  const snapshots: Snapshot[] = [];
  let marker: string | undefined;
  do {
    const page = await ctx.clients.elasticache.send(
      new DescribeSnapshotsCommand({ SnapshotSource: 'user', Marker: marker }),
    );
    snapshots.push(...(page.Snapshots ?? []));
    marker = page.Marker;
  } while (marker);
  const ours = snapshots.filter((snapshot) => {
    const group = snapshot.ReplicationGroupId;
    const cluster = snapshot.CacheClusterId ?? '';
    return (group && groups.has(group)) || [...groups].some((g) => new RegExp(`^${g}-\\d{3}$`).test(cluster));
  });
  const result = found();
  // The newest usable one: a snapshot still being taken may yet fail.
  const usable = ours.filter((s) => cacheSnapshotTime(s) !== undefined && s.SnapshotStatus === 'available');
  const newest = usable.sort((a, b) => cacheSnapshotTime(b)! - cacheSnapshotTime(a)!)[0];
  if (newest) result.notes.push(`cache snapshot ${newest.SnapshotName} is the environment's newest: kept`);
  const now = ctx.now();
  for (const snapshot of ours) {
    const name = snapshot.SnapshotName ?? '';
    const time = cacheSnapshotTime(snapshot);
    if (time === undefined) {
      result.notes.push(`cache snapshot ${name} has no creation time: kept (its age cannot be judged)`);
      continue;
    }
    const age = ageDays(now, time)!;
    if (snapshot === newest || age < target.olderThanDays || snapshot.SnapshotStatus !== 'available') continue;
    result.findings.push({
      kind: 'cache-snapshot',
      resource: name,
      ageDays: age,
      why: `cache snapshot older than ${target.olderThanDays} days, and a newer one is kept`,
      evidence: `taken ${day(time)} of ${snapshot.ReplicationGroupId ?? snapshot.CacheClusterId} (${snapshot.CacheNodeType ?? 'node type unknown'})`,
      monthlyUsd: null,
      unpriced: `no ElastiCache snapshot storage price in the ${table.region} price table`,
      action: { type: 'delete-cache-snapshot', snapshotName: name },
      actionText: 'delete (DeleteSnapshot)',
    });
  }
  return result;
}

/** What every configured environment references in the image repository; throws when one cannot be read. */
async function referencedImages(target: CleanupTarget): Promise<{ tags: Set<string>; digests: Set<string> }> {
  const tags = new Set<string>();
  const digests = new Set<string>();
  await Promise.all(
    target.imageUses.map(async (use) => {
      tags.add(use.configuredTag);
      let uri: string | undefined;
      try {
        uri = await use.readReleaseImage();
      } catch (error) {
        throw new Error(
          `cannot read ${use.environment}'s release parameter ${releaseImageParameter(target.appName, use.environment)} (${errorSummary(error)}), so no image can be shown unreferenced: none is proposed`,
        );
      }
      let inUse: readonly string[] = [];
      try {
        inUse = (await use.readImagesInUse?.()) ?? [];
      } catch (error) {
        throw new Error(
          `cannot read the images ${use.environment}'s tasks run (${errorSummary(error)}), so no image can be shown unreferenced: none is proposed`,
        );
      }
      for (const image of [...(uri ? [uri] : []), ...inUse]) {
        const reference = parseImageReference(image);
        if (reference.digest) digests.add(reference.digest);
        if (reference.tag) tags.add(reference.tag);
      }
    }),
  );
  return { tags, digests };
}

/** Images of the application repository no environment references, older than the retention. */
async function findImages(ctx: CleanupContext, target: CleanupTarget): Promise<Found> {
  const repository = target.imageRepository;
  const images: ImageDetail[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await ctx.clients.ecr.send(
        new DescribeImagesCommand({ repositoryName: repository.name, registryId: repository.registryId, nextToken }),
      );
      images.push(...(page.imageDetails ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if ((error as { name?: string }).name === 'RepositoryNotFoundException')
      return found(
        [],
        [`image repository ${repository.name} does not exist in ${repository.registryId}: no image to check`],
      );
    throw error;
  }
  let references: { tags: Set<string>; digests: Set<string> };
  try {
    references = await referencedImages(target);
  } catch (error) {
    return found([], [error instanceof Error ? error.message : String(error)]);
  }
  const releasePrefixes = target.environments.map(releaseTagPrefix);
  const table = priceTableFor(repository.region);
  const now = ctx.now();
  const result = found();
  for (const image of images) {
    const digest = image.imageDigest ?? '';
    const tags = image.imageTags ?? [];
    const age = ageDays(now, image.imagePushedAt);
    if (!digest || age === undefined || age < target.olderThanDays) continue;
    if (references.digests.has(digest) || tags.some((tag) => references.tags.has(tag))) continue;
    if (tags.some((tag) => releasePrefixes.some((prefix) => tag.startsWith(prefix)))) continue;
    const pulled = image.lastRecordedPullTime;
    if (pulled && (ageDays(now, pulled) ?? 0) < target.olderThanDays) continue;
    const bytes = image.imageSizeInBytes ?? 0;
    result.findings.push({
      kind: 'image',
      resource: digest,
      ageDays: age,
      why: `image no environment references, older than ${target.olderThanDays} days`,
      evidence: `${repository.name}@${digest} (${tags.length > 0 ? `tags ${tags.join(', ')}` : 'untagged'}), pushed ${day(image.imagePushedAt)}, last pulled ${pulled ? day(pulled) : 'never (as recorded)'}; no release parameter or release tag of ${target.environments.join(', ')} names it; ${gib(bytes)} (an upper bound: layers shared with kept images stay stored)`,
      ...priced(table, priceKey.ecrGbMonth, bytes / GIB),
      action: {
        type: 'delete-image',
        repositoryName: repository.name,
        registryId: repository.registryId,
        imageDigest: digest,
      },
      actionText: 'delete (BatchDeleteImage)',
      shared: true,
    });
  }
  return result;
}

/** Elastic IPs of the region that are associated with nothing. */
async function findAddresses(ctx: CleanupContext, target: CleanupTarget, table: PriceTable): Promise<Found> {
  const answer = await ctx.clients.ec2.send(new DescribeAddressesCommand({}));
  const result = found();
  for (const address of answer.Addresses ?? []) {
    if (address.AssociationId) continue;
    const id = address.AllocationId ?? address.PublicIp ?? 'unknown';
    const environment = tagValue(address.Tags, 'environment');
    const app = tagValue(address.Tags, 'app');
    const tags = (address.Tags ?? []).map((tag) => `${tag.Key}=${tag.Value}`).join(', ') || 'no tags';
    let action: CleanupAction;
    let why: string;
    const appMatches = app === undefined || app === target.appName;
    if (environment === target.environment && appMatches) {
      why = `Elastic IP of ${target.environment}, associated with nothing`;
      action = { type: 'release-address', allocationId: id };
    } else if (app === target.appName && environment === undefined) {
      why = `Elastic IP of ${target.appName} (no environment), associated with nothing`;
      action = { type: 'release-address', allocationId: id };
    } else if (app === target.appName && environment) {
      why = `Elastic IP of ${environment}, associated with nothing`;
      action = { type: 'none', reason: `another environment's: run npx booking-infra cleanup ${environment}` };
    } else {
      why = "Elastic IP associated with nothing, not tagged as this platform's";
      action = { type: 'none', reason: 'not ours: report only' };
    }
    result.findings.push({
      kind: 'elastic-ip',
      resource: id,
      why,
      evidence: `${address.PublicIp ?? 'no address'} (${tags}); public IPv4 is billed by the hour, attached or not`,
      ...priced(table, priceKey.publicIpv4Hour, HOURS_PER_MONTH),
      action,
      actionText: action.type === 'none' ? action.reason : 'release (ReleaseAddress)',
    });
  }
  return result;
}

/** The log group prefixes of an environment (the app's, its stage's, RDS's and Lambda's). */
export function logGroupPrefixes(appName: string, environment: string): string[] {
  const stage = environmentName(appName, environment);
  return [`/${appName}/${environment}/`, `/${stage}/`, `/aws/rds/instance/${stage}`, `/aws/lambda/${stage}`];
}

/** The environment a log group's name belongs to: the one whose prefix matches longest. */
function logGroupOwner(name: string, appName: string, environments: readonly string[]): string | undefined {
  let owner: { env: string; length: number } | undefined;
  for (const env of environments) {
    for (const prefix of logGroupPrefixes(appName, env)) {
      if (name.startsWith(prefix) && prefix.length > (owner?.length ?? 0)) owner = { env, length: prefix.length };
    }
  }
  return owner?.env;
}

/** The environment's log groups that keep their events for ever. */
async function findLogGroups(ctx: CleanupContext, target: CleanupTarget, table: PriceTable): Promise<Found> {
  const groups: LogGroup[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.clients.logs.send(new DescribeLogGroupsCommand({ nextToken }));
    groups.push(...(page.logGroups ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const now = ctx.now();
  const result = found();
  for (const group of groups) {
    const name = group.logGroupName ?? '';
    if (group.retentionInDays !== undefined) continue;
    const owner = logGroupOwner(name, target.appName, target.environments);
    let byTag = false;
    if (owner === undefined) {
      // Only a group no prefix places is asked for its tags: one call each.
      const arn = group.logGroupArn ?? group.arn?.replace(/:\*$/, '');
      const tags = (await ctx.clients.logs.send(new ListLogTagsCommand({ resourceArn: arn }))).tags ?? {};
      byTag = tags.environment === target.environment && (tags.app === undefined || tags.app === target.appName);
    }
    if (owner !== target.environment && !byTag) continue;
    const bytes = group.storedBytes ?? 0;
    result.findings.push({
      kind: 'log-group',
      resource: name,
      ageDays: ageDays(now, group.creationTime),
      why: 'log group without retention: its events are kept for ever',
      evidence: `${byTag ? `tagged environment=${target.environment}` : 'named after the environment'}, created ${day(group.creationTime)}, ${gib(bytes)} stored; a retention of ${target.logRetentionDays} days expires only the events older than that, so the saving is at most this`,
      ...priced(table, priceKey.logsStorageGbMonth, bytes / GIB),
      action: { type: 'set-log-retention', logGroupName: name, days: target.logRetentionDays },
      actionText: `retention ${target.logRetentionDays} days, not deleted (PutRetentionPolicy)`,
    });
  }
  return result;
}

/** The database, when the record says paused or minimal and RDS says it runs. */
async function findRunningDatabase(
  ctx: CleanupContext,
  target: CleanupTarget,
  table: PriceTable,
  lock: LockRecord | undefined,
): Promise<Found> {
  const record = await ctx.store.readRecord();
  if (!record || !DATABASE_STOPPED_STATES.has(record.state)) return found();
  let instance: DBInstance | undefined;
  try {
    const answer = await ctx.clients.rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: target.databaseId }),
    );
    instance = answer.DBInstances?.[0];
  } catch (error) {
    if (!/DBInstanceNotFound/.test((error as { name?: string }).name ?? '')) throw error;
    // The minimal deploy deletes it (whileMinimal 'snapshot'): nothing bills, nothing to stop.
    if (record.state === 'minimal') return found();
    return found(
      [],
      [
        `database ${target.databaseId} does not exist although recorded ${record.state}, not minimal: not judged (npx booking-infra status ${target.environment})`,
      ],
    );
  }
  if (instance?.DBInstanceStatus !== 'available') return found();
  const instanceClass = instance.DBInstanceClass ?? 'unknown';
  const multiAz = Boolean(instance.MultiAZ);
  const action: CleanupAction = lock
    ? {
        type: 'none',
        reason: `not stopped now: ${lock.holder} holds the lock for "${lock.operation}" since ${lock.startedAt} (a resume may be starting it)`,
      }
    : { type: 'stop-database', instanceId: target.databaseId };
  return found([
    {
      kind: 'database',
      resource: target.databaseId,
      ageDays: ageDays(ctx.now(), Date.parse(record.changedAt)),
      why: `recorded ${record.state}, but the database is available`,
      evidence: `recorded ${record.state} at ${record.changedAt} by ${record.changedBy}; RDS shows ${instanceClass}, ${multiAz ? 'Multi-AZ' : 'Single-AZ'}, available; instance hours only (storage is billed either way)`,
      ...priced(table, priceKey.rdsInstanceHour(instanceClass, multiAz), HOURS_PER_MONTH),
      action,
      actionText: action.type === 'none' ? action.reason : 'stop (StopDBInstance)',
    },
  ]);
}

/** The environment's load balancer, when it served no request for a week. */
async function findIdleLoadBalancer(ctx: CleanupContext, target: CleanupTarget, table: PriceTable): Promise<Found> {
  if (!target.loadBalancerDnsName) return found();
  let balancer: LoadBalancer | undefined;
  let marker: string | undefined;
  do {
    const page = await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ Marker: marker }));
    balancer = page.LoadBalancers?.find(
      (lb) => lb.DNSName?.toLowerCase() === target.loadBalancerDnsName?.toLowerCase(),
    );
    marker = balancer ? undefined : page.NextMarker;
  } while (marker);
  if (!balancer?.LoadBalancerArn)
    return found([], [`load balancer ${target.loadBalancerDnsName} not found: not judged`]);
  const name = balancer.LoadBalancerName ?? balancer.LoadBalancerArn;
  const now = ctx.now();
  const age = ageDays(now, balancer.CreatedTime);
  if (age === undefined || age < IDLE_LOAD_BALANCER_DAYS)
    return found([], [`load balancer ${name} is younger than ${IDLE_LOAD_BALANCER_DAYS} days: not judged`]);
  // The metric's dimension is the ARN's end: app/<name>/<id>.
  const dimension = balancer.LoadBalancerArn.split(':loadbalancer/')[1] ?? name;
  const stats = await ctx.clients.cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'RequestCount',
      Dimensions: [{ Name: 'LoadBalancer', Value: dimension }],
      StartTime: new Date(now - IDLE_LOAD_BALANCER_DAYS * DAY_MS),
      EndTime: new Date(now),
      Period: 24 * 3600,
      Statistics: ['Sum'],
    }),
  );
  const requests = (stats.Datapoints ?? []).reduce((sum, point) => sum + (point.Sum ?? 0), 0);
  if (requests > 0) return found();
  const addresses = Math.max(balancer.AvailabilityZones?.length ?? 0, 2);
  const hours = priced(table, priceKey.albHour, HOURS_PER_MONTH);
  const ips = priced(table, priceKey.publicIpv4Hour, addresses * HOURS_PER_MONTH);
  const cost: Cost =
    hours.monthlyUsd !== null && ips.monthlyUsd !== null
      ? { monthlyUsd: hours.monthlyUsd + ips.monthlyUsd }
      : { monthlyUsd: null, unpriced: hours.unpriced ?? ips.unpriced ?? '' };
  const reason = `report only: deleting a CloudFormation-managed load balancer would drift the stack; run npx booking-infra minimal ${target.environment}, then deploy with state minimal`;
  return found([
    {
      kind: 'load-balancer',
      resource: name,
      ageDays: age,
      why: `no request in ${IDLE_LOAD_BALANCER_DAYS} days`,
      evidence: `AWS/ApplicationELB RequestCount (Sum, LoadBalancer=${dimension}) is 0 over the last ${IDLE_LOAD_BALANCER_DAYS} days; the load balancer hours plus ${addresses} public IPv4 addresses (one per AZ); LCUs not counted`,
      ...cost,
      action: { type: 'none', reason },
      actionText: reason,
    },
  ]);
}

/**
 * Everything that costs money and serves nothing in the environment. Reads only. A check that
 * fails is named in `errors` and the others still report.
 */
export async function findWaste(ctx: CleanupContext, target: CleanupTarget): Promise<CleanupReport> {
  const table = priceTableFor(target.region);
  const held = await ctx.store.readLock();
  // Another cleanup's lock is no transition's: --apply waits for it (it takes the same, idempotent actions).
  const lock = held?.operation === CLEANUP_OPERATION ? undefined : held;
  const checks: Array<[string, () => Promise<Found>]> = [
    ['database snapshots', () => findDbSnapshots(ctx, target, table)],
    ['cache snapshots', () => findCacheSnapshots(ctx, target, table)],
    ['images', () => findImages(ctx, target)],
    ['Elastic IPs', () => findAddresses(ctx, target, table)],
    ['log groups', () => findLogGroups(ctx, target, table)],
    ['database state', () => findRunningDatabase(ctx, target, table, lock)],
    ['load balancer', () => findIdleLoadBalancer(ctx, target, table)],
  ];
  const settled = await Promise.allSettled(checks.map(([, check]) => check()));
  const findings: Finding[] = [];
  const notes: string[] = [];
  const errors: string[] = [];
  settled.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') {
      findings.push(...outcome.value.findings);
      notes.push(...outcome.value.notes);
    } else errors.push(`${checks[index][0]} not checked: ${errorSummary(outcome.reason)}`);
  });
  if (lock)
    notes.push(
      `${lock.holder} is running "${lock.operation}" since ${lock.startedAt}: --apply refuses until it has finished`,
    );
  else if (held)
    notes.push(
      `${held.holder} is running another cleanup since ${held.startedAt}: --apply waits for it, then finds what it did already gone`,
    );
  const sum = (list: readonly Finding[]) => list.reduce((total, f) => total + (f.monthlyUsd ?? 0), 0);
  return {
    environment: target.environment,
    region: target.region,
    olderThanDays: target.olderThanDays,
    findings,
    notes,
    errors,
    lock,
    totals: {
      applyUsd: sum(findings.filter((f) => f.action.type !== 'none')),
      reportOnlyUsd: sum(findings.filter((f) => f.action.type === 'none')),
      unpriced: findings.filter((f) => f.monthlyUsd === null).length,
    },
  };
}

export type CleanupOutcome = 'done' | 'already gone' | 'skipped' | 'failed';

export interface CleanupResult {
  readonly finding: Finding;
  readonly outcome: CleanupOutcome;
  readonly detail: string;
}

const isGone = (error: unknown) =>
  /NotFound/i.test(`${(error as { name?: string }).name} ${(error as { Code?: string }).Code}`);

/** Carries out one finding's action; a resource already gone counts as done. */
async function act(ctx: CleanupContext, finding: Finding): Promise<CleanupResult> {
  const action = finding.action;
  const result = (outcome: CleanupOutcome, detail: string): CleanupResult => ({ finding, outcome, detail });
  try {
    switch (action.type) {
      case 'none':
        return result('skipped', action.reason);
      case 'delete-db-snapshot':
        await ctx.clients.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: action.snapshotId }));
        return result('done', 'deleted');
      case 'delete-cache-snapshot':
        await ctx.clients.elasticache.send(new DeleteSnapshotCommand({ SnapshotName: action.snapshotName }));
        return result('done', 'deletion started');
      case 'delete-image': {
        const answer = await ctx.clients.ecr.send(
          new BatchDeleteImageCommand({
            repositoryName: action.repositoryName,
            registryId: action.registryId,
            imageIds: [{ imageDigest: action.imageDigest }],
          }),
        );
        // BatchDeleteImage answers per image, not with an error.
        const failure = answer.failures?.[0];
        if (!failure) return result('done', 'deleted');
        if (failure.failureCode === 'ImageNotFound') return result('already gone', 'no such image any more');
        // A platform image of a multi-architecture index: it goes with the index, not alone.
        if (failure.failureCode === 'ImageReferencedByManifestList')
          return result('skipped', 'part of a multi-architecture image index; delete the index instead');
        return result('failed', `${failure.failureCode}: ${failure.failureReason}`);
      }
      case 'release-address':
        await ctx.clients.ec2.send(new ReleaseAddressCommand({ AllocationId: action.allocationId }));
        return result('done', 'released');
      case 'set-log-retention': {
        // Read again: another cleanup, or a person, may have set a retention since the report; theirs stays.
        const answer = await ctx.clients.logs.send(
          new DescribeLogGroupsCommand({ logGroupNamePrefix: action.logGroupName }),
        );
        const group = answer.logGroups?.find((g) => g.logGroupName === action.logGroupName);
        if (!group) return result('already gone', 'no such log group any more');
        if (group.retentionInDays !== undefined)
          return result('already gone', `retention already ${group.retentionInDays} days: left as it is`);
        await ctx.clients.logs.send(
          new PutRetentionPolicyCommand({ logGroupName: action.logGroupName, retentionInDays: action.days }),
        );
        return result('done', `retention ${action.days} days`);
      }
      case 'stop-database': {
        // Read again under the lock: a resume may have changed the record since the report.
        const record = await ctx.store.readRecord();
        if (!record || !DATABASE_STOPPED_STATES.has(record.state))
          return result('skipped', `recorded ${record?.state ?? 'nothing'} now: left running`);
        const answer = await ctx.clients.rds.send(
          new DescribeDBInstancesCommand({ DBInstanceIdentifier: action.instanceId }),
        );
        const status = answer.DBInstances?.[0]?.DBInstanceStatus;
        if (status === 'stopped' || status === 'stopping') return result('already gone', `already ${status}`);
        await ctx.clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: action.instanceId }));
        return result('done', 'stopping');
      }
    }
  } catch (error) {
    if (isGone(error)) return result('already gone', 'no such resource any more');
    // Snapshots are deleted, and databases stopped, asynchronously: AWS refuses to delete a snapshot
    // another run is already deleting (InvalidDBSnapshotState, InvalidSnapshotState) or to stop a
    // database the guard is already stopping (InvalidDBInstanceState). Read it again; report what it is.
    const status = await statusNow(ctx, action);
    if (status === 'gone') return result('already gone', 'no such resource any more');
    if (status === 'deleting' || status === 'stopping' || status === 'stopped')
      return result('already gone', `already ${status}`);
    return result('failed', `${errorSummary(error)}${status ? ` (it is ${status})` : ''}`);
  }
}

/**
 * The status of a failed action's resource, read again: 'gone' when AWS no longer has it;
 * undefined when it cannot be read or has no status (images, addresses, log groups).
 */
async function statusNow(ctx: CleanupContext, action: CleanupAction): Promise<string | undefined> {
  try {
    switch (action.type) {
      case 'delete-db-snapshot': {
        const answer = await ctx.clients.rds.send(
          new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: action.snapshotId }),
        );
        return answer.DBSnapshots?.[0]?.Status ?? 'gone';
      }
      case 'delete-cache-snapshot': {
        const answer = await ctx.clients.elasticache.send(
          new DescribeSnapshotsCommand({ SnapshotName: action.snapshotName }),
        );
        return answer.Snapshots?.[0]?.SnapshotStatus ?? 'gone';
      }
      case 'stop-database': {
        const answer = await ctx.clients.rds.send(
          new DescribeDBInstancesCommand({ DBInstanceIdentifier: action.instanceId }),
        );
        return answer.DBInstances?.[0]?.DBInstanceStatus ?? 'gone';
      }
      default:
        return undefined;
    }
  } catch (error) {
    return isGone(error) ? 'gone' : undefined;
  }
}

/**
 * Takes the transition lock for a cleanup. A pause's, resume's or rotation's lock refuses at once
 * (LockHeldError, naming the holder). Another cleanup's is waited for, up to LOCK_STALE_MS: it acts
 * on the same findings, so this run then finds them already gone. A cleanup's lock whose holder
 * has shown no sign of life for LOCK_STALE_MS is taken over: that run crashed (its actions are
 * idempotent, and cleanup has no --break-lock to clear it by hand).
 */
async function takeCleanupLock(
  ctx: CleanupContext,
  holder: string,
  token: string,
  waiting?: (lock: LockRecord) => void,
): Promise<void> {
  let breakStale = false;
  let told = false;
  for (let waited = 0; ; waited += LOCK_WAIT_POLL_MS) {
    try {
      await ctx.store.acquireLock({ holder, operation: CLEANUP_OPERATION, token, now: ctx.now() }, breakStale);
      return;
    } catch (error) {
      const held = (error as Partial<LockHeldError>).lock;
      if ((error as Error).name !== 'LockHeldError' || held?.operation !== CLEANUP_OPERATION) throw error;
      if (waited >= LOCK_STALE_MS) throw error;
      breakStale = ctx.now() - Date.parse(held.heartbeatAt) > LOCK_STALE_MS;
      if (breakStale) continue;
      if (!told) waiting?.(held);
      told = true;
      await ctx.sleep(LOCK_WAIT_POLL_MS);
    }
  }
}

/**
 * Acts on every finding under the environment's transition lock (refused, naming the holder,
 * while a pause, resume or rotation holds it; waited for while another cleanup does, `waiting`
 * told once); a failure is recorded and the rest go on.
 */
export async function applyCleanup(
  ctx: CleanupContext,
  findings: readonly Finding[],
  context: {
    readonly actor: string;
    readonly report?: (result: CleanupResult) => void;
    readonly waiting?: (lock: LockRecord) => void;
  },
): Promise<CleanupResult[]> {
  const token = randomUUID();
  await takeCleanupLock(ctx, context.actor, token, context.waiting);
  const results: CleanupResult[] = [];
  try {
    for (const finding of findings) {
      const outcome = await act(ctx, finding);
      results.push(outcome);
      context.report?.(outcome);
      await ctx.store.heartbeat(token, ctx.now());
    }
  } finally {
    await ctx.store.releaseLock(token).catch(() => undefined);
  }
  return results;
}
