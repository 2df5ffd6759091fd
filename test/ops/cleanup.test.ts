import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeAddressesCommand, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { BatchDeleteImageCommand, DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { DeleteSnapshotCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-elasticache';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { runCleanup } from '../../src/cli/commands/cleanup';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { run } from '../../src/cli/main';
import { environmentNamed, platformConfig } from '../../src/config';
import type { PlatformConfig } from '../../src/config/types';
import {
  applyCleanup,
  type CleanupContext,
  cleanupTarget,
  type CleanupTarget,
  type Finding,
  findWaste,
  LOCK_WAIT_POLL_MS,
  parseImageReference,
  releaseImageReader,
} from '../../src/ops/cleanup';
import { discoverResources } from '../../src/ops/resources';
import { LOCK_STALE_MS, StateStore } from '../../src/ops/state-store';
import { FakeAws } from './fake-aws';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const DAY = 24 * 3600_000;
const daysAgo = (days: number) => new Date(NOW - days * DAY);
const GIB = 1024 ** 3;
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const REPO_URI = '111111111111.dkr.ecr.eu-west-2.amazonaws.com/booking';
const LB_ARN = 'arn:aws:elasticloadbalancing:eu-west-2:111111111111:loadbalancer/app/booking-dev/50dc6c495c0c9188';

interface DbSnapshot {
  id: string;
  instance: string;
  type: string;
  status: string;
  created: Date;
  storage: number;
  tags?: Record<string, string>;
}
interface CacheSnapshot {
  name: string;
  group: string;
  created?: Date;
  status?: string;
}
interface Image {
  digest: string;
  tags: string[];
  pushed: Date;
  bytes: number;
  pulled?: Date;
}
interface Address {
  id: string;
  associated?: boolean;
  tags?: Record<string, string>;
}
interface Group {
  name: string;
  retention?: number;
  bytes: number;
  tags?: Record<string, string>;
}

const awsError = (name: string) => Object.assign(new Error(name), { name });
const tagList = (tags: Record<string, string> = {}) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/**
 * The resources the cleanup looks at, in memory behind aws-sdk-client-mock (FakeAws supplies the
 * stacks' outputs, the database and the state table); deletions remove them, so a second run sees
 * what AWS would. `failOnce` makes the next call of one action fail.
 */
class CleanupFake {
  readonly aws = new FakeAws('dev');
  dbSnapshots: DbSnapshot[] = [];
  cacheSnapshots: CacheSnapshot[] = [];
  images: Image[] = [];
  addresses: Address[] = [];
  groups: Group[] = [];
  /** RequestCount datapoints of the load balancer (Sum per day). */
  requests: number[] = [];
  balancerCreated = daysAgo(200);
  failOnce = new Set<string>();
  /** What the cleanup slept, in ms: it sleeps only while waiting for another cleanup's lock. */
  slept: number[] = [];

  constructor() {
    const stubs = this.aws.stubs;
    const maybeFail = (action: string) => {
      if (this.failOnce.delete(action)) throw awsError('InternalFailure');
    };
    stubs.rds.on(DescribeDBInstancesCommand).callsFake(() => {
      // The minimal deploy deletes it with whileMinimal 'snapshot'.
      if (this.aws.database === 'missing') throw awsError('DBInstanceNotFoundFault');
      return {
        DBInstances: [
          {
            DBInstanceIdentifier: 'booking-dev',
            DBInstanceStatus: this.aws.database,
            DBInstanceClass: 'db.t4g.micro',
            MultiAZ: false,
          },
        ],
      };
    });
    stubs.rds
      .on(DescribeDBSnapshotsCommand)
      .callsFake((input: { DBInstanceIdentifier?: string; SnapshotType?: string; DBSnapshotIdentifier?: string }) => {
        // One snapshot by its id, as after a failed deletion; AWS answers a missing one with an error.
        const one = input.DBSnapshotIdentifier;
        if (one && !this.dbSnapshots.some((s) => s.id === one)) throw awsError('DBSnapshotNotFoundFault');
        return {
          DBSnapshots: this.dbSnapshots
            .filter((s) =>
              one ? s.id === one : s.instance === input.DBInstanceIdentifier && s.type === input.SnapshotType,
            )
            .map((s) => ({
              DBSnapshotIdentifier: s.id,
              DBInstanceIdentifier: s.instance,
              SnapshotType: s.type,
              Status: s.status,
              SnapshotCreateTime: s.created,
              AllocatedStorage: s.storage,
              TagList: tagList(s.tags),
            })),
        };
      });
    stubs.rds.on(DeleteDBSnapshotCommand).callsFake((input: { DBSnapshotIdentifier: string }) => {
      maybeFail('DeleteDBSnapshot');
      if (!this.dbSnapshots.some((s) => s.id === input.DBSnapshotIdentifier)) throw awsError('DBSnapshotNotFoundFault');
      this.dbSnapshots = this.dbSnapshots.filter((s) => s.id !== input.DBSnapshotIdentifier);
      return {};
    });
    stubs.elasticache.on(DescribeSnapshotsCommand).callsFake((input: { SnapshotName?: string }) => {
      const one = input.SnapshotName;
      if (one && !this.cacheSnapshots.some((s) => s.name === one)) throw awsError('SnapshotNotFoundFault');
      return {
        Snapshots: this.cacheSnapshots
          .filter((s) => !one || s.name === one)
          .map((s) => ({
            SnapshotName: s.name,
            ReplicationGroupId: s.group,
            SnapshotStatus: s.status ?? 'available',
            SnapshotSource: 'manual',
            CacheNodeType: 'cache.t4g.micro',
            NodeSnapshots: s.created ? [{ SnapshotCreateTime: s.created }] : [],
          })),
      };
    });
    stubs.elasticache.on(DeleteSnapshotCommand).callsFake((input: { SnapshotName: string }) => {
      maybeFail('DeleteSnapshot');
      if (!this.cacheSnapshots.some((s) => s.name === input.SnapshotName)) throw awsError('SnapshotNotFoundFault');
      this.cacheSnapshots = this.cacheSnapshots.filter((s) => s.name !== input.SnapshotName);
      return {};
    });
    stubs.ecr.on(DescribeImagesCommand).callsFake(() => ({
      imageDetails: this.images.map((i) => ({
        imageDigest: i.digest,
        imageTags: i.tags.length > 0 ? i.tags : undefined,
        imagePushedAt: i.pushed,
        imageSizeInBytes: i.bytes,
        lastRecordedPullTime: i.pulled,
      })),
    }));
    stubs.ecr.on(BatchDeleteImageCommand).callsFake((input: { imageIds: Array<{ imageDigest: string }> }) => {
      maybeFail('BatchDeleteImage');
      const wanted = input.imageIds[0].imageDigest;
      if (!this.images.some((i) => i.digest === wanted))
        return { imageIds: [], failures: [{ imageId: { imageDigest: wanted }, failureCode: 'ImageNotFound' }] };
      this.images = this.images.filter((i) => i.digest !== wanted);
      return { imageIds: [{ imageDigest: wanted }], failures: [] };
    });
    stubs.ec2.on(DescribeAddressesCommand).callsFake(() => ({
      Addresses: this.addresses.map((a) => ({
        AllocationId: a.id,
        PublicIp: '203.0.113.10',
        AssociationId: a.associated ? `eipassoc-${a.id}` : undefined,
        Tags: tagList(a.tags),
      })),
    }));
    stubs.ec2.on(ReleaseAddressCommand).callsFake((input: { AllocationId: string }) => {
      maybeFail('ReleaseAddress');
      if (!this.addresses.some((a) => a.id === input.AllocationId)) throw awsError('InvalidAllocationID.NotFound');
      this.addresses = this.addresses.filter((a) => a.id !== input.AllocationId);
      return {};
    });
    stubs.logs.on(DescribeLogGroupsCommand).callsFake((input: { logGroupNamePrefix?: string }) => ({
      logGroups: this.groups
        .filter((g) => g.name.startsWith(input.logGroupNamePrefix ?? ''))
        .map((g) => ({
          logGroupName: g.name,
          logGroupArn: `arn:aws:logs:eu-west-2:111111111111:log-group:${g.name}`,
          retentionInDays: g.retention,
          storedBytes: g.bytes,
          creationTime: daysAgo(100).getTime(),
        })),
    }));
    stubs.logs.on(ListTagsForResourceCommand).callsFake((input: { resourceArn: string }) => ({
      tags: this.groups.find((g) => input.resourceArn.endsWith(`:log-group:${g.name}`))?.tags ?? {},
    }));
    stubs.logs.on(PutRetentionPolicyCommand).callsFake((input: { logGroupName: string; retentionInDays: number }) => {
      maybeFail('PutRetentionPolicy');
      const group = this.groups.find((g) => g.name === input.logGroupName);
      if (!group) throw awsError('ResourceNotFoundException');
      group.retention = input.retentionInDays;
      return {};
    });
    stubs.elbv2.on(DescribeLoadBalancersCommand).callsFake(() => ({
      LoadBalancers: [
        {
          LoadBalancerArn: LB_ARN,
          LoadBalancerName: 'booking-dev',
          DNSName: 'lb.eu-west-2.elb.amazonaws.com',
          CreatedTime: this.balancerCreated,
          AvailabilityZones: [{ ZoneName: 'eu-west-2a' }, { ZoneName: 'eu-west-2b' }],
        },
      ],
    }));
    stubs.cloudwatch.on(GetMetricStatisticsCommand).callsFake(() => ({
      Datapoints: this.requests.map((Sum, index) => ({ Sum, Timestamp: daysAgo(index + 1) })),
    }));
  }

  context(): CleanupContext {
    return {
      clients: this.aws.clients,
      store: new StateStore(this.aws.clients.dynamodb, 'booking-dev-ops-state'),
      now: () => NOW,
      sleep: async (ms) => {
        this.slept.push(ms);
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
  }

  calls(command: { name: string }): number {
    return Object.values(this.aws.stubs)
      .flatMap((stub) => stub.calls())
      .filter((call) => call.args[0].constructor.name === command.name).length;
  }
}

function target(overrides: Partial<CleanupTarget> = {}): CleanupTarget {
  return {
    appName: 'booking',
    environment: 'dev',
    region: 'eu-west-2',
    databaseId: 'booking-dev',
    cacheId: 'booking-dev-acl',
    loadBalancerDnsName: 'lb.eu-west-2.elb.amazonaws.com',
    olderThanDays: 30,
    logRetentionDays: 14,
    environments: ['dev', 'prod'],
    protectedDbSnapshots: [],
    imageRepository: { name: 'booking', registryId: '111111111111', region: 'eu-west-2' },
    imageUses: [
      { environment: 'dev', configuredTag: 'latest-release', readReleaseImage: async () => undefined },
      { environment: 'prod', configuredTag: 'latest-release', readReleaseImage: async () => undefined },
    ],
    ...overrides,
  };
}

const ofKind = (findings: readonly Finding[], kind: Finding['kind']) => findings.filter((f) => f.kind === kind);
const ids = (findings: readonly Finding[], kind: Finding['kind']) => ofKind(findings, kind).map((f) => f.resource);

describe('cleanup finds', () => {
  test('manual DB snapshots beyond the retention, never one tagged keep=true or restored from, priced per allocated GiB as an upper bound', async () => {
    const fake = new CleanupFake();
    const snapshot = (id: string, days: number, extra: Partial<DbSnapshot> = {}): DbSnapshot => ({
      id,
      instance: 'booking-dev',
      type: 'manual',
      status: 'available',
      created: daysAgo(days),
      storage: 20,
      ...extra,
    });
    fake.dbSnapshots = [
      snapshot('old', 45),
      snapshot('young', 10),
      snapshot('kept', 90, { tags: { keep: 'true' } }),
      snapshot('restored-from', 90),
      snapshot('still-creating', 90, { status: 'creating' }),
      snapshot('other-database', 90, { instance: 'booking-prod' }),
      snapshot('automated', 90, { type: 'automated' }),
    ];
    const report = await findWaste(fake.context(), target({ protectedDbSnapshots: ['restored-from'] }));
    const found = ofKind(report.findings, 'db-snapshot');
    assert.deepEqual(
      found.map((f) => f.resource),
      ['old'],
    );
    assert.equal(found[0].ageDays, 45);
    assert.equal(found[0].monthlyUsd!.toFixed(2), '2.00'); // 20 GiB x 0.10 (eu-west-2)
    assert.match(found[0].evidence, /upper bound: snapshots are incremental/);
    assert.deepEqual(found[0].action, { type: 'delete-db-snapshot', snapshotId: 'old' });
    assert.ok(report.notes.some((n) => /kept.*keep=true|keep=true: kept/.test(n)));
    assert.ok(report.notes.some((n) => /restored-from is a database.restoreFromSnapshot/.test(n)));
  });

  test("the snapshot the state record names and every config's restoredFromMinimalSnapshot are kept, however old", async () => {
    const fake = new CleanupFake();
    const snapshot = (id: string): DbSnapshot => ({
      id,
      instance: 'booking-dev',
      type: 'manual',
      status: 'available',
      created: daysAgo(200),
      storage: 20,
    });
    fake.dbSnapshots = [
      snapshot('booking-dev-minimal-20260501t013000z'), // the record names it: the data while minimal
      snapshot('booking-dev-minimal-20260101t013000z'), // the config restored the instance from it
      snapshot('booking-dev-minimal-20250601t013000z'), // an older cycle's: waste
    ];
    fake.aws.database = 'missing';
    fake.aws.setStateRecord({
      state: 'minimal',
      changedAt: daysAgo(150).toISOString(),
      services: {},
      databaseSnapshot: { identifier: 'booking-dev-minimal-20260501t013000z', masterUsername: 'booking' },
    });
    const report = await findWaste(
      fake.context(),
      target({ restoredFromMinimalSnapshot: 'booking-dev-minimal-20260101t013000z' }),
    );
    assert.deepEqual(report.errors, []);
    // The config's snapshot is the previous cycle's while the record names this cycle's: older data
    // no deploy may restore (the gate restores the recorded one only), so it is waste too.
    assert.deepEqual(ids(report.findings, 'db-snapshot').sort(), [
      'booking-dev-minimal-20250601t013000z',
      'booking-dev-minimal-20260101t013000z',
    ]);
    assert.ok(
      report.notes.includes(
        'DB snapshot booking-dev-minimal-20260501t013000z is the one the state record names (taken by minimal, it holds the data while the database is deleted): kept',
      ),
      report.notes.join('\n'),
    );
    assert.ok(
      report.notes.includes(
        "DB snapshot booking-dev-minimal-20260101t013000z is the config's database.restoredFromMinimalSnapshot, but the state record names booking-dev-minimal-20260501t013000z, which holds the newer data: proposed",
      ),
      report.notes.join('\n'),
    );

    // Once restored (the record names no snapshot any more), the config's snapshot is kept.
    fake.aws.database = 'available';
    fake.aws.setStateRecord({ state: 'running', changedAt: daysAgo(1).toISOString(), services: {} });
    const restored = await findWaste(
      fake.context(),
      target({ restoredFromMinimalSnapshot: 'booking-dev-minimal-20260101t013000z' }),
    );
    assert.ok(!ids(restored.findings, 'db-snapshot').includes('booking-dev-minimal-20260101t013000z'));

    // The config's protection: every environment's restoreFromSnapshot, this one's minimal snapshot.
    const dev = environmentNamed(platformConfig, 'dev');
    const config: PlatformConfig = {
      ...platformConfig,
      environments: platformConfig.environments.map((env) =>
        env.name === 'dev'
          ? { ...env, database: { ...env.database, restoredFromMinimalSnapshot: 'booking-dev-minimal-x' } }
          : env,
      ),
    };
    const resources = await discoverResources(fake.aws.clients.cloudformation, config.shared, dev);
    assert.equal(
      cleanupTarget(config, environmentNamed(config, 'dev'), resources, 30, []).restoredFromMinimalSnapshot,
      'booking-dev-minimal-x',
    );

    // A record that cannot be read proposes no snapshot at all.
    fake.aws.setStateRecord('{not json');
    const unreadable = await findWaste(fake.context(), target());
    assert.deepEqual(ids(unreadable.findings, 'db-snapshot'), []);
    assert.ok(
      unreadable.errors.some((e) => /^database snapshots not checked: .*is not JSON/.test(e)),
      unreadable.errors.join('\n'),
    );
  });

  test('cache snapshots beyond the retention, but never the newest one, and none whose age is unknown; unpriced', async () => {
    const fake = new CleanupFake();
    fake.cacheSnapshots = [
      { name: 'booking-dev-acl-minimal-1', group: 'booking-dev-acl', created: daysAgo(120) },
      { name: 'booking-dev-acl-minimal-2', group: 'booking-dev-acl', created: daysAgo(90) },
      { name: 'booking-dev-final', group: 'booking-dev', created: daysAgo(60) },
      { name: 'booking-dev-undated', group: 'booking-dev-acl' },
      { name: 'booking-prod-acl-old', group: 'booking-prod-acl', created: daysAgo(300) },
    ];
    const report = await findWaste(fake.context(), target());
    assert.deepEqual(ids(report.findings, 'cache-snapshot'), [
      'booking-dev-acl-minimal-1',
      'booking-dev-acl-minimal-2',
    ]);
    const one = ofKind(report.findings, 'cache-snapshot')[0];
    assert.equal(one.monthlyUsd, null);
    assert.match(one.unpriced!, /no ElastiCache snapshot storage price/);
    assert.ok(report.notes.some((n) => /booking-dev-final is the environment's newest: kept/.test(n)));

    // Even when every snapshot is beyond the retention, the newest stays; one still being taken
    // (it may fail) does not count as the newest.
    fake.cacheSnapshots = [
      { name: 'only', group: 'booking-dev-acl', created: daysAgo(400) },
      { name: 'being-taken', group: 'booking-dev-acl', created: daysAgo(0), status: 'creating' },
    ];
    assert.deepEqual(ids((await findWaste(fake.context(), target())).findings, 'cache-snapshot'), []);
  });

  test('with a cache task (no replication group): the snapshots the ElastiCache days left are still found, and none is no failure', async () => {
    const fake = new CleanupFake();
    const taskCache = target({ cacheId: undefined });
    assert.deepEqual(ids((await findWaste(fake.context(), taskCache)).findings, 'cache-snapshot'), []);
    fake.cacheSnapshots = [
      { name: 'booking-dev-acl-minimal-1', group: 'booking-dev-acl', created: daysAgo(120) },
      { name: 'booking-dev-acl-final', group: 'booking-dev-acl', created: daysAgo(60) },
    ];
    const report = await findWaste(fake.context(), taskCache);
    assert.deepEqual(ids(report.findings, 'cache-snapshot'), ['booking-dev-acl-minimal-1']);
    assert.ok(report.notes.some((n) => /booking-dev-acl-final is the environment's newest: kept/.test(n)));
  });

  test("images no environment references: never the release parameter's (by digest or tag), a release-tagged, the configured or a recently pulled one", async () => {
    const fake = new CleanupFake();
    fake.images = [
      { digest: digest(1), tags: ['abc123'], pushed: daysAgo(60), bytes: 2 * GIB },
      { digest: digest(2), tags: [], pushed: daysAgo(60), bytes: GIB },
      { digest: digest(3), tags: ['def456'], pushed: daysAgo(60), bytes: GIB }, // dev's release, by digest
      { digest: digest(4), tags: ['prodtag'], pushed: daysAgo(60), bytes: GIB }, // prod's release, by tag
      { digest: digest(5), tags: ['release-prod-20260101T000000Z'], pushed: daysAgo(300), bytes: GIB },
      { digest: digest(6), tags: ['latest-release'], pushed: daysAgo(300), bytes: GIB },
      { digest: digest(7), tags: ['young'], pushed: daysAgo(3), bytes: GIB },
      { digest: digest(8), tags: ['pulled'], pushed: daysAgo(90), pulled: daysAgo(2), bytes: GIB },
    ];
    const report = await findWaste(
      fake.context(),
      target({
        imageUses: [
          {
            environment: 'dev',
            configuredTag: 'latest-release',
            readReleaseImage: async () => `${REPO_URI}@${digest(3)}`,
          },
          { environment: 'prod', configuredTag: 'latest-release', readReleaseImage: async () => `${REPO_URI}:prodtag` },
        ],
      }),
    );
    const images = ofKind(report.findings, 'image');
    assert.deepEqual(
      images.map((f) => f.resource),
      [digest(1), digest(2)],
    );
    assert.equal(images[0].monthlyUsd!.toFixed(2), '0.20'); // 2 GiB x 0.10
    assert.equal(images[0].shared, true);
    assert.match(images[1].evidence, /\(untagged\)/);
    assert.match(images[0].evidence, /layers shared with kept images stay stored/);
  });

  test('an image a running task definition uses is never proposed, even untagged and unrecorded (a release whose record step failed)', async () => {
    const fake = new CleanupFake();
    fake.images = [
      { digest: digest(1), tags: [], pushed: daysAgo(60), bytes: GIB }, // what dev's services run
      { digest: digest(2), tags: [], pushed: daysAgo(60), bytes: GIB },
    ];
    const report = await findWaste(
      fake.context(),
      target({
        imageUses: [
          {
            environment: 'dev',
            configuredTag: 'latest-release',
            readReleaseImage: async () => undefined,
            readImagesInUse: async () => [`${REPO_URI}@${digest(1)}`],
          },
          { environment: 'prod', configuredTag: 'latest-release', readReleaseImage: async () => undefined },
        ],
      }),
    );
    assert.deepEqual(ids(report.findings, 'image'), [digest(2)]);
    const unreadable = await findWaste(
      fake.context(),
      target({
        imageUses: [
          {
            environment: 'dev',
            configuredTag: 'latest-release',
            readReleaseImage: async () => undefined,
            readImagesInUse: async () => {
              throw awsError('AccessDeniedException');
            },
          },
        ],
      }),
    );
    assert.deepEqual(ids(unreadable.findings, 'image'), []);
    assert.ok(unreadable.notes.some((n) => /cannot read the images dev's tasks run.*none is proposed/.test(n)));
  });

  test("no image is proposed when one environment's release parameter cannot be read", async () => {
    const fake = new CleanupFake();
    fake.images = [{ digest: digest(1), tags: ['abc123'], pushed: daysAgo(60), bytes: GIB }];
    const report = await findWaste(
      fake.context(),
      target({
        imageUses: [
          { environment: 'dev', configuredTag: 'latest-release', readReleaseImage: async () => undefined },
          {
            environment: 'prod',
            configuredTag: 'latest-release',
            readReleaseImage: async () => {
              throw awsError('AccessDeniedException');
            },
          },
        ],
      }),
    );
    assert.deepEqual(ids(report.findings, 'image'), []);
    assert.ok(
      report.notes.some((n) =>
        /cannot read prod's release parameter \/booking\/prod\/release\/image.*none is proposed/.test(n),
      ),
    );
  });

  test("unattached Elastic IPs: this environment's (or the app's) released, another environment's or app's reported only", async () => {
    const fake = new CleanupFake();
    fake.addresses = [
      { id: 'eipalloc-dev', tags: { environment: 'dev', app: 'booking' } },
      { id: 'eipalloc-app', tags: { app: 'booking' } },
      { id: 'eipalloc-prod', tags: { environment: 'prod', app: 'booking' } },
      { id: 'eipalloc-other-app', tags: { environment: 'dev', app: 'shop' } },
      { id: 'eipalloc-untagged' },
      { id: 'eipalloc-attached', associated: true, tags: { environment: 'dev' } },
    ];
    fake.requests = [5]; // a busy load balancer: only the addresses are reported
    const report = await findWaste(fake.context(), target());
    const addresses = ofKind(report.findings, 'elastic-ip');
    const byId = Object.fromEntries(addresses.map((f) => [f.resource, f]));
    assert.deepEqual(Object.keys(byId).sort(), [
      'eipalloc-app',
      'eipalloc-dev',
      'eipalloc-other-app',
      'eipalloc-prod',
      'eipalloc-untagged',
    ]);
    assert.equal(byId['eipalloc-dev'].action.type, 'release-address');
    assert.equal(byId['eipalloc-app'].action.type, 'release-address');
    assert.match(byId['eipalloc-prod'].actionText, /another environment's: run npx booking-infra cleanup prod/);
    assert.equal(byId['eipalloc-other-app'].actionText, 'not ours: report only');
    assert.equal(byId['eipalloc-untagged'].actionText, 'not ours: report only');
    assert.equal(byId['eipalloc-dev'].monthlyUsd!.toFixed(2), '3.65'); // 730 h x 0.005
    assert.equal(report.totals.applyUsd.toFixed(2), '7.30');
    assert.equal(report.totals.reportOnlyUsd.toFixed(2), '10.95');
  });

  test("log groups of the environment without retention get the configured retention (not deleted); other environments' are left", async () => {
    const fake = new CleanupFake();
    fake.groups = [
      { name: '/booking/dev/web', bytes: 4 * GIB },
      { name: '/booking/dev/worker', retention: 14, bytes: GIB },
      { name: '/aws/rds/instance/booking-dev/postgresql', bytes: 0 },
      { name: '/aws/lambda/booking-dev-app-QueueMetrics', bytes: 0 },
      { name: '/aws/lambda/booking-prod-app-QueueMetrics', bytes: 0, tags: { environment: 'prod' } },
      { name: '/booking/prod/web', bytes: GIB },
      { name: 'aws-waf-logs-booking-dev', bytes: 0, tags: { environment: 'dev', app: 'booking' } },
      { name: '/somebody/else', bytes: GIB },
    ];
    const report = await findWaste(fake.context(), target());
    const groups = ofKind(report.findings, 'log-group');
    assert.deepEqual(
      groups.map((f) => f.resource),
      [
        '/booking/dev/web',
        '/aws/rds/instance/booking-dev/postgresql',
        '/aws/lambda/booking-dev-app-QueueMetrics',
        'aws-waf-logs-booking-dev',
      ],
    );
    assert.deepEqual(groups[0].action, { type: 'set-log-retention', logGroupName: '/booking/dev/web', days: 14 });
    assert.match(groups[0].actionText, /not deleted/);
    assert.equal(groups[0].monthlyUsd!.toFixed(4), '0.1260'); // 4 GiB x 0.0315
    // Tags are asked only of groups no prefix places.
    assert.equal(fake.calls(ListTagsForResourceCommand), 2);
  });

  test("a log group goes to the environment whose prefix matches longest (dev does not take dev-eu's)", async () => {
    const fake = new CleanupFake();
    fake.groups = [
      { name: '/aws/lambda/booking-dev-eu-app-Fn', bytes: 0 },
      { name: '/aws/lambda/booking-dev-app-Fn', bytes: 0 },
    ];
    const report = await findWaste(fake.context(), target({ environments: ['dev', 'dev-eu', 'prod'] }));
    assert.deepEqual(ids(report.findings, 'log-group'), ['/aws/lambda/booking-dev-app-Fn']);
  });

  test('a database recorded paused that runs is stopped, priced by instance hours; not while a transition holds the lock', async () => {
    const fake = new CleanupFake();
    fake.aws.setStateRecord({
      state: 'paused',
      changedAt: daysAgo(3).toISOString(),
      changedBy: 'schedule',
      services: {},
    });
    let report = await findWaste(fake.context(), target());
    const [database] = ofKind(report.findings, 'database');
    assert.deepEqual(database.action, { type: 'stop-database', instanceId: 'booking-dev' });
    assert.equal(database.monthlyUsd!.toFixed(2), '13.14'); // 730 h x 0.018
    assert.match(database.why, /recorded paused, but the database is available/);

    fake.aws.setLock({ holder: 'schedule:resume', operation: 'resume', startedAt: new Date(NOW).toISOString() });
    report = await findWaste(fake.context(), target());
    const [locked] = ofKind(report.findings, 'database');
    assert.equal(locked.action.type, 'none');
    assert.match(locked.actionText, /schedule:resume holds the lock for "resume".*a resume may be starting it/);
    assert.equal(report.lock?.holder, 'schedule:resume');

    fake.aws.setStateRecord({
      state: 'running',
      changedAt: daysAgo(3).toISOString(),
      changedBy: 'x',
      services: {},
      version: 2,
    });
    assert.deepEqual(ids((await findWaste(fake.context(), target())).findings, 'database'), []);
  });

  test('a database the minimal deploy deleted is no finding while recorded minimal; recorded paused, a note says it is odd', async () => {
    const fake = new CleanupFake();
    fake.aws.database = 'missing';
    fake.aws.setStateRecord({ state: 'minimal', changedAt: daysAgo(3).toISOString(), services: {} });
    let report = await findWaste(fake.context(), target());
    assert.deepEqual(ids(report.findings, 'database'), []);
    assert.deepEqual(report.errors, []);
    assert.ok(!report.notes.some((n) => /database booking-dev/.test(n)), report.notes.join('\n'));

    fake.aws.setStateRecord({ state: 'paused', changedAt: daysAgo(3).toISOString(), services: {}, version: 2 });
    report = await findWaste(fake.context(), target());
    assert.deepEqual(ids(report.findings, 'database'), []);
    assert.deepEqual(report.errors, []);
    assert.ok(
      report.notes.includes(
        'database booking-dev does not exist although recorded paused, not minimal: not judged (npx booking-infra status dev)',
      ),
      report.notes.join('\n'),
    );
  });

  test('an idle load balancer is reported with its hours and public IPv4 price, never deleted; a busy or young one is not', async () => {
    const fake = new CleanupFake();
    let report = await findWaste(fake.context(), target());
    const [balancer] = ofKind(report.findings, 'load-balancer');
    assert.equal(balancer.resource, 'booking-dev');
    assert.equal(balancer.action.type, 'none');
    assert.match(balancer.actionText, /would drift the stack; run npx booking-infra minimal dev/);
    assert.equal(balancer.monthlyUsd!.toFixed(2), (730 * 0.02646 + 2 * 730 * 0.005).toFixed(2));
    const input = fake.aws.stubs.cloudwatch.commandCalls(GetMetricStatisticsCommand)[0].args[0].input;
    assert.deepEqual(input.Dimensions, [{ Name: 'LoadBalancer', Value: 'app/booking-dev/50dc6c495c0c9188' }]);
    assert.equal(input.StartTime!.getTime(), NOW - 7 * DAY);

    fake.requests = [0, 0, 3];
    assert.deepEqual(ids((await findWaste(fake.context(), target())).findings, 'load-balancer'), []);
    fake.requests = [];
    fake.balancerCreated = daysAgo(2);
    report = await findWaste(fake.context(), target());
    assert.deepEqual(ids(report.findings, 'load-balancer'), []);
    assert.ok(report.notes.some((n) => /younger than 7 days: not judged/.test(n)));
  });

  test('a check that fails is named and the others still report', async () => {
    const fake = new CleanupFake();
    fake.addresses = [{ id: 'eipalloc-dev', tags: { environment: 'dev' } }];
    fake.aws.stubs.ecr.on(DescribeImagesCommand).rejects(awsError('AccessDeniedException'));
    const report = await findWaste(fake.context(), target());
    assert.deepEqual(ids(report.findings, 'elastic-ip'), ['eipalloc-dev']);
    assert.equal(report.errors.length, 1);
    assert.match(report.errors[0], /^images not checked: /);
  });

  test('image references: tag, digest, and no tag meaning latest', () => {
    assert.deepEqual(parseImageReference(`${REPO_URI}:abc`), { tag: 'abc' });
    assert.deepEqual(parseImageReference(`${REPO_URI}@${digest(1)}`), { digest: digest(1) });
    assert.deepEqual(parseImageReference('localhost:5000/booking'), { tag: 'latest' });
  });

  test('a missing release parameter means no release recorded, not an error', async () => {
    const fake = new CleanupFake();
    assert.equal(await releaseImageReader(fake.aws.clients.ssm, '/booking/dev/release/image')(), undefined);
    fake.aws.parameters['/booking/dev/release/image'] = `${REPO_URI}:abc`;
    assert.equal(await releaseImageReader(fake.aws.clients.ssm, '/booking/dev/release/image')(), `${REPO_URI}:abc`);
  });
});

/** One finding of each acting kind. */
function seedEverything(fake: CleanupFake): void {
  fake.dbSnapshots = [
    { id: 'old-1', instance: 'booking-dev', type: 'manual', status: 'available', created: daysAgo(60), storage: 20 },
    { id: 'old-2', instance: 'booking-dev', type: 'manual', status: 'available', created: daysAgo(60), storage: 20 },
  ];
  fake.cacheSnapshots = [
    { name: 'cache-old', group: 'booking-dev-acl', created: daysAgo(90) },
    { name: 'cache-newest', group: 'booking-dev-acl', created: daysAgo(40) },
  ];
  fake.images = [{ digest: digest(1), tags: ['abc'], pushed: daysAgo(60), bytes: GIB }];
  fake.addresses = [{ id: 'eipalloc-dev', tags: { environment: 'dev' } }];
  fake.groups = [{ name: '/booking/dev/web', bytes: GIB }];
  fake.requests = [5];
}

describe('cleanup applies', () => {
  test('every action is carried out; a second run finds nothing; resources already gone count as done', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    const report = await findWaste(fake.context(), target());
    const acting = report.findings.filter((f) => f.action.type !== 'none');
    assert.equal(acting.length, 6);
    const results = await applyCleanup(fake.context(), acting, { actor: 'cli:alice@laptop' });
    assert.deepEqual(
      results.map((r) => r.outcome),
      Array(6).fill('done'),
    );
    assert.deepEqual(
      fake.dbSnapshots.map((s) => s.id),
      [],
    );
    assert.deepEqual(
      fake.cacheSnapshots.map((s) => s.name),
      ['cache-newest'],
    );
    assert.deepEqual(fake.images, []);
    assert.deepEqual(fake.addresses, []);
    assert.equal(fake.groups[0].retention, 14);
    assert.equal(fake.aws.lock(), undefined, 'the lock is released');
    assert.equal((await findWaste(fake.context(), target())).findings.length, 0);

    // Applying the same plan again (another run got there first): nothing fails, nothing is redone,
    // and the log group's retention is read again rather than set again.
    const again = await applyCleanup(fake.context(), acting, { actor: 'cli:alice@laptop' });
    assert.deepEqual(
      again.map((r) => r.outcome),
      Array(6).fill('already gone'),
    );
    assert.equal(again[5].detail, 'retention already 14 days: left as it is');
    assert.equal(fake.calls(PutRetentionPolicyCommand), 1);
  });

  test('a failed action leaves the others done, and a rerun finishes the job', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    fake.failOnce.add('DeleteDBSnapshot');
    const first = await findWaste(fake.context(), target());
    const results = await applyCleanup(
      fake.context(),
      first.findings.filter((f) => f.action.type !== 'none'),
      { actor: 'cli:alice@laptop' },
    );
    const failed = results.filter((r) => r.outcome === 'failed');
    assert.deepEqual(
      failed.map((r) => r.finding.resource),
      ['old-1'],
    );
    // Read again after the failure: it is still there, and the report says so.
    assert.equal(failed[0].detail, 'InternalFailure (it is available)');
    assert.deepEqual(
      fake.dbSnapshots.map((s) => s.id),
      ['old-1'],
    );
    assert.deepEqual(fake.addresses, []);
    const second = await findWaste(fake.context(), target());
    assert.deepEqual(
      second.findings.map((f) => f.resource),
      ['old-1'],
    );
    const rerun = await applyCleanup(fake.context(), second.findings, { actor: 'cli:alice@laptop' });
    assert.deepEqual(
      rerun.map((r) => r.outcome),
      ['done'],
    );
    assert.deepEqual(fake.dbSnapshots, []);
  });

  test('the database is stopped only if it is still recorded paused when the lock is held', async () => {
    const fake = new CleanupFake();
    fake.aws.setStateRecord({ state: 'minimal', changedAt: daysAgo(3).toISOString(), changedBy: 'x', services: {} });
    const [database] = ofKind((await findWaste(fake.context(), target())).findings, 'database');
    fake.aws.setStateRecord({
      state: 'running',
      changedAt: new Date(NOW).toISOString(),
      changedBy: 'resume',
      services: {},
      version: 2,
    });
    const [skipped] = await applyCleanup(fake.context(), [database], { actor: 'a' });
    assert.equal(skipped.outcome, 'skipped');
    assert.equal(fake.calls(StopDBInstanceCommand), 0);

    fake.aws.setStateRecord({
      state: 'minimal',
      changedAt: new Date(NOW).toISOString(),
      changedBy: 'x',
      services: {},
      version: 3,
    });
    const [stopped] = await applyCleanup(fake.context(), [database], { actor: 'a' });
    assert.equal(stopped.outcome, 'done');
    assert.equal(fake.aws.database, 'stopping');
    const [again] = await applyCleanup(fake.context(), [database], { actor: 'a' });
    assert.equal(again.outcome, 'already gone');
  });

  test('nothing is done while another run holds the lock', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    const findings = (await findWaste(fake.context(), target())).findings;
    fake.aws.setLock({ holder: 'cli:bob@desk', operation: 'pause', startedAt: new Date(NOW).toISOString() });
    await assert.rejects(applyCleanup(fake.context(), findings, { actor: 'a' }), /cli:bob@desk is running "pause"/);
    // Not even a crashed pause's: its lock tells `status` and `pause --break-lock` what it left half done.
    const silent = new Date(NOW - LOCK_STALE_MS - 60_000).toISOString();
    fake.aws.setLock({ holder: 'cli:bob@desk', operation: 'pause', startedAt: silent, heartbeatAt: silent });
    await assert.rejects(applyCleanup(fake.context(), findings, { actor: 'a' }), /cli:bob@desk is running "pause"/);
    assert.equal(fake.dbSnapshots.length, 2);
    assert.equal(fake.calls(ReleaseAddressCommand), 0);
    assert.deepEqual(fake.slept, [], 'a transition is not waited for');
  });
});

describe('cleanup runs at once', () => {
  const recordedPaused = (fake: CleanupFake) =>
    fake.aws.setStateRecord({
      state: 'paused',
      changedAt: daysAgo(3).toISOString(),
      changedBy: 'schedule:pause',
      services: {},
    });
  const acting = (findings: readonly Finding[]) => findings.filter((f) => f.action.type !== 'none');

  test('two cleanups applying the same findings at once: one acts, the other waits for its lock and finds each finding already gone', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    recordedPaused(fake);
    const [plan, samePlan] = await Promise.all([
      findWaste(fake.context(), target()),
      findWaste(fake.context(), target()),
    ]);
    const findings = acting(plan.findings);
    assert.deepEqual(
      findings.map((f) => f.kind),
      ['db-snapshot', 'db-snapshot', 'cache-snapshot', 'image', 'elastic-ip', 'log-group', 'database'],
    );
    assert.deepEqual(acting(samePlan.findings), findings);

    const waited: string[] = [];
    const [alice, bob] = await Promise.all(
      ['cli:alice@laptop', 'cli:bob@desk'].map((actor) =>
        applyCleanup(fake.context(), findings, {
          actor,
          waiting: (lock) => waited.push(`${actor} waits for ${lock.holder}'s ${lock.operation}`),
        }),
      ),
    );
    const [first, second] = alice[0].outcome === 'done' ? [alice, bob] : [bob, alice];
    assert.deepEqual(
      first.map((r) => r.outcome),
      Array(7).fill('done'),
    );
    assert.deepEqual(
      second.map((r) => `${r.outcome}: ${r.detail}`),
      [
        'already gone: no such resource any more',
        'already gone: no such resource any more',
        'already gone: no such resource any more',
        'already gone: no such image any more',
        'already gone: no such resource any more',
        'already gone: retention already 14 days: left as it is',
        'already gone: already stopping',
      ],
    );
    assert.equal(waited.length, 1);
    assert.match(waited[0], /waits for cli:(alice@laptop|bob@desk)'s cleanup/);
    assert.ok(fake.slept.length > 0 && fake.slept.every((ms) => ms === LOCK_WAIT_POLL_MS));
    // Each change made once; the lock released.
    assert.equal(fake.calls(PutRetentionPolicyCommand), 1);
    assert.equal(fake.calls(StopDBInstanceCommand), 1);
    assert.equal(fake.aws.lock(), undefined);
    assert.deepEqual(fake.dbSnapshots, []);
    assert.deepEqual(fake.addresses, []);
  });

  // moto deletes a snapshot and stops an instance at once: it never shows one "deleting" or "stopping".
  test('a snapshot another run is still deleting, and a database the guard began stopping, count as already gone, not failed', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    recordedPaused(fake);
    const findings = acting((await findWaste(fake.context(), target())).findings);
    // Another run's deletions are under way: AWS keeps the snapshots, "deleting", and refuses a
    // deletion of a snapshot that is not available.
    for (const snapshot of [...fake.dbSnapshots, fake.cacheSnapshots[0]]) snapshot.status = 'deleting';
    fake.aws.stubs.rds.on(DeleteDBSnapshotCommand).rejects(awsError('InvalidDBSnapshotStateFault'));
    fake.aws.stubs.elasticache.on(DeleteSnapshotCommand).rejects(awsError('InvalidSnapshotStateFault'));
    // The guard stops the database between the cleanup's look at it and its StopDBInstance.
    fake.aws.stubs.rds.on(StopDBInstanceCommand).callsFake(() => {
      fake.aws.database = 'stopping';
      throw awsError('InvalidDBInstanceStateFault');
    });
    const results = await applyCleanup(fake.context(), findings, { actor: 'cli:alice@laptop' });
    assert.deepEqual(
      results.map((r) => `${r.finding.kind} ${r.outcome}: ${r.detail}`),
      [
        'db-snapshot already gone: already deleting',
        'db-snapshot already gone: already deleting',
        'cache-snapshot already gone: already deleting',
        'image done: deleted',
        'elastic-ip done: released',
        'log-group done: retention 14 days',
        'database already gone: already stopping',
      ],
    );
  });

  test("a live cleanup's lock is waited for at most 15 minutes; a crashed one's (no sign of life for 15) is taken over", async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    recordedPaused(fake);
    fake.aws.setLock({ holder: 'cli:bob@desk', operation: 'cleanup', startedAt: new Date(NOW - 60_000).toISOString() });
    // Another cleanup is no transition: the report does not refuse, and plans to stop the database.
    const report = await findWaste(fake.context(), target());
    assert.equal(report.lock, undefined);
    assert.equal(ofKind(report.findings, 'database')[0].action.type, 'stop-database');
    assert.ok(report.notes.some((n) => /cli:bob@desk is running another cleanup since .*--apply waits for it/.test(n)));
    const findings = acting(report.findings);

    // Bob's lock stays fresh (the clock stands still): waited for, then refused naming him.
    await assert.rejects(
      applyCleanup(fake.context(), findings, { actor: 'cli:alice@laptop' }),
      /cli:bob@desk is running "cleanup"/,
    );
    assert.equal(
      fake.slept.reduce((total, ms) => total + ms, 0),
      LOCK_STALE_MS,
    );
    assert.equal(fake.aws.mutatingCalls().length, 0);

    // Bob's run crashed: its heartbeat is 16 minutes old. Taken over at once, and the job done.
    fake.slept = [];
    const silent = new Date(NOW - LOCK_STALE_MS - 60_000).toISOString();
    fake.aws.setLock({ holder: 'cli:bob@desk', operation: 'cleanup', startedAt: silent, heartbeatAt: silent });
    const results = await applyCleanup(fake.context(), findings, { actor: 'cli:alice@laptop' });
    assert.deepEqual(
      results.map((r) => r.outcome),
      Array(7).fill('done'),
    );
    assert.deepEqual(fake.slept, []);
    assert.equal(fake.aws.lock(), undefined, "alice's lock, released");
  });
});

describe('booking-infra cleanup', () => {
  function cli(fake: CleanupFake, args: string[], overrides: Partial<OpsDependencies> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const asked: string[] = [];
    const deps: OpsDependencies = {
      clients: () => fake.aws.clients,
      sleep: async () => undefined,
      now: () => NOW,
      interactive: false,
      ask: async (question) => {
        asked.push(question);
        return '';
      },
      resolveNs: async () => [],
      monthlyCost: () => 1,
      actor: 'cli:alice@laptop',
      ...overrides,
    };
    return run(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, {}, deps).then((code) => ({
      code,
      out: out.join('\n'),
      err: err.join('\n'),
      asked,
    }));
  }

  test('read-only by default: a table with the monthly cost of each finding and the total, nothing changed', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    const result = await cli(fake, ['cleanup', 'dev']);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /Cleanup of dev \(eu-west-2\), retention 30 days: 6 finding\(s\)/);
    assert.match(result.out, /KIND\s+RESOURCE\s+AGE\s+USD\/MONTH\s+ACTION\s+WHY/);
    assert.match(result.out, /db-snapshot\s+old-1\s+60d\s+2\.00\s+delete \(DeleteDBSnapshot\)/);
    assert.match(result.out, /cache-snapshot\s+cache-old\s+90d\s+unpriced/);
    assert.match(
      result.out,
      /Saving with --apply: 7\.78 USD\/month; report only: 0\.00 USD\/month; 1 finding\(s\) unpriced/,
    );
    assert.equal(fake.aws.mutatingCalls().length, 0);
    assert.equal(fake.calls(DeleteDBSnapshotCommand) + fake.calls(ReleaseAddressCommand), 0);
  });

  test('--format json is one JSON document', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    const result = await cli(fake, ['cleanup', 'dev', '--format', 'json', '--older-than', '50']);
    assert.equal(result.code, 0, result.err);
    const report = JSON.parse(result.out);
    assert.equal(report.olderThanDays, 50);
    assert.deepEqual(
      report.findings.map((f: Finding) => f.kind),
      ['db-snapshot', 'db-snapshot', 'cache-snapshot', 'image', 'elastic-ip', 'log-group'],
    );
    assert.equal(report.totals.unpriced, 1);
  });

  test('--apply without --yes and without a terminal changes nothing', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    const result = await cli(fake, ['cleanup', 'dev', '--apply']);
    assert.equal(result.code, 1);
    assert.match(result.err, /refusing to clean up dev without --yes: there is no terminal/);
    assert.equal(fake.dbSnapshots.length, 2);
  });

  test("--apply asks for the environment's name at a terminal; a wrong answer changes nothing", async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    const wrong = await cli(fake, ['cleanup', 'dev', '--apply'], { interactive: true, ask: async () => 'prod' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /not confirmed/);
    assert.equal(fake.dbSnapshots.length, 2);
    const right = await cli(fake, ['cleanup', 'dev', '--apply'], { interactive: true, ask: async () => 'dev' });
    assert.equal(right.code, 0, right.err);
    assert.match(right.out, /Plan \(6 action\(s\)\):/);
    assert.match(right.out, /DONE\s+elastic-ip eipalloc-dev: released/);
    assert.match(right.out, /Cleanup of dev: 6 done, 0 already gone, 0 skipped, 0 failed/);
    assert.equal(fake.dbSnapshots.length, 0);
  });

  test('production is never cleaned up without --yes, not even at a terminal', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    // FakeAws serves dev's stacks: dev stands in for a production environment here.
    const config: PlatformConfig = {
      ...platformConfig,
      environments: platformConfig.environments.map((e) => (e.name === 'dev' ? { ...e, production: true } : e)),
    };
    const printed: string[] = [];
    let asked = 0;
    const deps: OpsDependencies = {
      clients: () => fake.aws.clients,
      sleep: async () => undefined,
      now: () => NOW,
      interactive: true,
      ask: async () => {
        asked++;
        return 'dev';
      },
      resolveNs: async () => [],
      monthlyCost: () => 1,
    };
    await assert.rejects(
      runCleanup(config, 'dev', { olderThan: 30, apply: true, format: 'table' }, deps, (t) => printed.push(t)),
      /refusing to clean up dev without --yes: it is a production environment/,
    );
    assert.equal(asked, 0);
    assert.equal(fake.dbSnapshots.length, 2);
    assert.match(printed.join('\n'), /Plan \(6 action\(s\)\):/);
    await runCleanup(config, 'dev', { olderThan: 30, apply: true, yes: true, format: 'table' }, deps, () => undefined);
    assert.equal(fake.dbSnapshots.length, 0);
  });

  test('--apply --yes acts; a failure is reported per resource, exits non-zero, and a rerun finishes', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    fake.failOnce.add('ReleaseAddress');
    const first = await cli(fake, ['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(first.code, 1);
    assert.match(first.out, /FAILED\s+elastic-ip eipalloc-dev: /);
    assert.match(
      first.err,
      /1 action\(s\) failed \(eipalloc-dev\); run "npx booking-infra cleanup dev --apply" again to finish/,
    );
    assert.equal(fake.dbSnapshots.length, 0);
    assert.equal(fake.addresses.length, 1);
    const second = await cli(fake, ['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /Cleanup of dev: 1 done/);
    assert.equal(fake.addresses.length, 0);
  });

  test('--apply refuses while a transition holds the lock, naming the holder', async () => {
    const fake = new CleanupFake();
    seedEverything(fake);
    fake.aws.setLock({ holder: 'cli:bob@desk', operation: 'resume', startedAt: new Date(NOW).toISOString() });
    const result = await cli(fake, ['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(result.code, 1);
    assert.match(result.err, /cli:bob@desk is running "resume" since .*nothing was changed/);
    assert.equal(fake.dbSnapshots.length, 2);
  });

  test('--older-than takes whole days from 1', async () => {
    const fake = new CleanupFake();
    const result = await cli(fake, ['cleanup', 'dev', '--older-than', '0']);
    assert.equal(result.code, 1);
    assert.match(result.err, /--older-than "0" is not a whole number of days from 1 to 3650/);
  });
});
