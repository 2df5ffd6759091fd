/**
 * `booking-infra cleanup` against moto, the AWS API emulator: the snapshots, images, addresses,
 * log groups, database and load balancer are moto's, and after each run the test asks moto (not
 * the CLI's words) what is gone and what remains.
 *
 * The command runs on a clock 60 days ahead, so what the test makes now is 60 days old to it.
 * moto records no ElastiCache snapshot time (the proxy's setCacheSnapshotTime supplies it) and no
 * image pull time; its CloudWatch has no load-balancer metric unless the test puts one.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  DescribeAddressesCommand,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { CreateSnapshotCommand, DeleteSnapshotCommand } from '@aws-sdk/client-elasticache';
import {
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
} from '@aws-sdk/client-rds';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { platformConfig } from '../../src/config';
import type { PlatformConfig } from '../../src/config/types';
import { releaseImageParameter, STATE_TABLE_KEYS } from '../../src/ops/contracts';
import { StateStore } from '../../src/ops/state-store';
import {
  cliDependencies,
  holdPauseLock,
  motoSuite,
  readEnvironment,
  runCli,
  seedEnvironment,
  type SeededEnvironment,
} from './environment';
import { resetMoto } from './moto';
import { runWithConfig } from '../ops/ops-cli';

const DAY = 24 * 3600_000;
/** How far ahead of the emulator the command's clock runs. */
const AHEAD = 60 * DAY;
const MIB = 1024 ** 2;

/** A Docker image manifest moto accepts; the image's digest follows from its one layer, its size is `bytes`. */
function manifest(layer: string, bytes: number): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: bytes,
      digest: `sha256:${createHash('sha256').update(`config-${layer}`).digest('hex')}`,
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: bytes,
        digest: `sha256:${createHash('sha256').update(layer).digest('hex')}`,
      },
    ],
  });
}

/** What the test reads back from moto after a run. */
interface Remaining {
  dbSnapshots: string[];
  cacheSnapshots: string[];
  imageTags: string[];
  addresses: string[];
  retention: Record<string, number | null>;
  database: string | undefined;
}

describe('cleanup against moto', () => {
  let seeded: SeededEnvironment;
  let addresses: { dev: string; attached: string; foreign: string };
  /** The digest of the image no environment references. */
  let unreferencedImage: string;

  const suite = motoSuite();
  const clients = () => suite.clients();
  const cli = (args: string[], overrides: Partial<OpsDependencies> = {}) =>
    runCli(args, cliDependencies(clients, { now: () => Date.now() + AHEAD, ...overrides }));

  async function remaining(): Promise<Remaining> {
    const snapshots = await suite.harness.rds.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: seeded.databaseId, SnapshotType: 'manual' }),
    );
    const images = await suite.harness.ecr.send(new DescribeImagesCommand({ repositoryName: 'booking' }));
    const eips = await suite.harness.ec2.send(new DescribeAddressesCommand({}));
    const groups = await suite.harness.logs.send(new DescribeLogGroupsCommand({}));
    const environment = await readEnvironment(suite.moto.endpoint);
    return {
      dbSnapshots: (snapshots.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier!).sort(),
      cacheSnapshots: [...environment.cacheSnapshots].sort(),
      imageTags: (images.imageDetails ?? []).flatMap((i) => i.imageTags ?? []).sort(),
      addresses: (eips.Addresses ?? []).map((a) => a.AllocationId!).sort(),
      retention: Object.fromEntries((groups.logGroups ?? []).map((g) => [g.logGroupName!, g.retentionInDays ?? null])),
      database: environment.database,
    };
  }

  beforeEach(async () => {
    await resetMoto(suite.moto.endpoint);
    suite.proxy.reset();
    seeded = await seedEnvironment(suite.moto.endpoint, { env: 'dev', loadBalancer: true });

    // Database snapshots: two to delete, one kept by its tag.
    for (const id of ['booking-dev-before-upgrade', 'booking-dev-by-hand'])
      await suite.harness.rds.send(
        new CreateDBSnapshotCommand({ DBInstanceIdentifier: seeded.databaseId, DBSnapshotIdentifier: id }),
      );
    await suite.harness.rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: seeded.databaseId,
        DBSnapshotIdentifier: 'booking-dev-keep',
        Tags: [{ Key: 'keep', Value: 'true' }],
      }),
    );

    // Cache snapshots left by `minimal`: the older goes, the newest stays.
    for (const [name, daysOld] of [
      ['booking-dev-minimal-1', 90],
      ['booking-dev-minimal-2', 40],
    ] as const) {
      await suite.harness.elasticache.send(
        new CreateSnapshotCommand({ ReplicationGroupId: seeded.cacheId, SnapshotName: name }),
      );
      suite.proxy.setCacheSnapshotTime(name, new Date(Date.now() + AHEAD - daysOld * DAY));
    }

    // Images: one nobody references; dev's release (by digest); a prod release tag; the configured tag.
    await suite.harness.ecr.send(new CreateRepositoryCommand({ repositoryName: 'booking' }));
    const push = async (tag: string, layer: string) =>
      (
        await suite.harness.ecr.send(
          new PutImageCommand({ repositoryName: 'booking', imageTag: tag, imageManifest: manifest(layer, 512 * MIB) }),
        )
      ).image!.imageId!.imageDigest!;
    unreferencedImage = await push('abc123', 'unreferenced');
    const released = await push('def456', 'released');
    await push('release-prod-20260901T000000Z', 'prod-release');
    await push('latest-release', 'first-deploy');
    await suite.harness.ssm.send(
      new PutParameterCommand({
        Name: releaseImageParameter('booking', 'dev'),
        Type: 'String',
        Value: `111111111111.dkr.ecr.eu-west-2.amazonaws.com/booking@${released}`,
      }),
    );

    // Elastic IPs: dev's unattached (released), dev's attached and another app's (both stay).
    const allocate = async (tags: Record<string, string>) =>
      (
        await suite.harness.ec2.send(
          new AllocateAddressCommand({
            Domain: 'vpc',
            TagSpecifications: [
              { ResourceType: 'elastic-ip', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
            ],
          }),
        )
      ).AllocationId!;
    addresses = {
      dev: await allocate({ app: 'booking', environment: 'dev' }),
      attached: await allocate({ app: 'booking', environment: 'dev' }),
      foreign: await allocate({ app: 'shop' }),
    };
    const eni = await suite.harness.ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: seeded.network.subnetIds[0] }),
    );
    await suite.harness.ec2.send(
      new AssociateAddressCommand({
        AllocationId: addresses.attached,
        NetworkInterfaceId: eni.NetworkInterface!.NetworkInterfaceId,
      }),
    );

    // Log groups: two of dev's without retention, one with; prod's without.
    await suite.harness.logs.send(new CreateLogGroupCommand({ logGroupName: '/booking/dev/web' }));
    await suite.harness.logs.send(new CreateLogGroupCommand({ logGroupName: '/booking/dev/worker' }));
    await suite.harness.logs.send(
      new PutRetentionPolicyCommand({ logGroupName: '/booking/dev/worker', retentionInDays: 14 }),
    );
    await suite.harness.logs.send(
      new CreateLogGroupCommand({
        logGroupName: 'aws-waf-logs-booking-dev',
        tags: { environment: 'dev', app: 'booking' },
      }),
    );
    await suite.harness.logs.send(new CreateLogGroupCommand({ logGroupName: '/booking/prod/web' }));

    // The record says paused; the database is available.
    await new StateStore(suite.harness.dynamodb, seeded.stateTable).writeRecord(
      { state: 'paused', changedAt: new Date().toISOString(), changedBy: 'schedule:pause', services: {} },
      undefined,
    );
  });

  const seededState: Remaining = {
    dbSnapshots: ['booking-dev-before-upgrade', 'booking-dev-by-hand', 'booking-dev-keep'],
    cacheSnapshots: ['booking-dev-minimal-1', 'booking-dev-minimal-2'],
    imageTags: ['abc123', 'def456', 'latest-release', 'release-prod-20260901T000000Z'],
    addresses: [],
    retention: {
      '/booking/dev/web': null,
      '/booking/dev/worker': 14,
      'aws-waf-logs-booking-dev': null,
      '/booking/prod/web': null,
    },
    database: 'available',
  };
  const withAddresses = (state: Remaining, ids: string[]): Remaining => ({ ...state, addresses: [...ids].sort() });

  /** What `--apply --yes` leaves in AWS, whoever did it. */
  async function assertCleanedUp(): Promise<void> {
    const now = await remaining();
    assert.deepEqual(now.dbSnapshots, ['booking-dev-keep']);
    assert.deepEqual(now.cacheSnapshots, ['booking-dev-minimal-2']);
    assert.deepEqual(now.imageTags, ['def456', 'latest-release', 'release-prod-20260901T000000Z']);
    assert.deepEqual(now.addresses, [addresses.attached, addresses.foreign].sort());
    assert.deepEqual(now.retention, {
      '/booking/dev/web': 14,
      '/booking/dev/worker': 14,
      'aws-waf-logs-booking-dev': 14,
      '/booking/prod/web': null,
    });
    assert.equal(now.database, 'stopped');
  }

  /** The findings `--apply --yes` acts on, as its DONE / ALREADY GONE lines name them. */
  const actedOn = () =>
    [
      'db-snapshot booking-dev-before-upgrade',
      'db-snapshot booking-dev-by-hand',
      'cache-snapshot booking-dev-minimal-1',
      `image ${unreferencedImage}`,
      `elastic-ip ${addresses.dev}`,
      'log-group /booking/dev/web',
      'log-group aws-waf-logs-booking-dev',
      'database booking-dev',
    ].sort();
  /** The resources a run's output reports with `outcome` (DONE, ALREADY GONE, FAILED). */
  const reported = (out: string, outcome: string) =>
    [...out.matchAll(new RegExp(`^ {2}${outcome} +(\\S+ \\S+):`, 'gm'))].map((match) => match[1]).sort();

  /** `operation` by cli:bob@desk in progress: the lock item as his run holds it, last alive at `heartbeatAt`. */
  async function holdLock(operation: string, heartbeatAt: Date): Promise<void> {
    await suite.harness.dynamodb.send(
      new PutItemCommand({
        TableName: seeded.stateTable,
        Item: {
          pk: { S: STATE_TABLE_KEYS.lock.pk },
          sk: { S: STATE_TABLE_KEYS.lock.sk },
          holder: { S: 'cli:bob@desk' },
          operation: { S: operation },
          startedAt: { S: heartbeatAt.toISOString() },
          heartbeatAt: { S: heartbeatAt.toISOString() },
          token: { S: 'bob' },
        },
      }),
    );
  }
  const lockItem = async () =>
    (
      await suite.harness.dynamodb.send(
        new GetItemCommand({
          TableName: seeded.stateTable,
          Key: { pk: { S: STATE_TABLE_KEYS.lock.pk }, sk: { S: STATE_TABLE_KEYS.lock.sk } },
        }),
      )
    ).Item;

  test('read-only: every finding with its monthly cost, and nothing changes in AWS', async () => {
    const result = await cli(['cleanup', 'dev']);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /Cleanup of dev \(eu-west-2\), retention 30 days: 10 finding\(s\)/);
    for (const line of [
      /db-snapshot\s+booking-dev-before-upgrade\s+60d\s+2\.00\s+delete \(DeleteDBSnapshot\)/,
      /cache-snapshot\s+booking-dev-minimal-1\s+90d\s+unpriced/,
      /image\s+sha256:\w{12}…\s+60d\s+0\.05\s+delete \(BatchDeleteImage\)/,
      new RegExp(`elastic-ip\\s+${addresses.dev}\\s+-\\s+3\\.65\\s+release \\(ReleaseAddress\\)`),
      new RegExp(`elastic-ip\\s+${addresses.foreign}\\s+-\\s+3\\.65\\s+report only`),
      /log-group\s+\/booking\/dev\/web\s+\d+d\s+0\.00\s+retention 14 days, not deleted/,
      /log-group\s+aws-waf-logs-booking-dev/,
      /database\s+booking-dev\s+60d\s+13\.14\s+stop \(StopDBInstance\)/,
      /load-balancer\s+booking-dev\s+60d\s+26\.62\s+report only/,
    ])
      assert.match(result.out, line);
    // Kept, or not dev's: no row, at most a note.
    assert.doesNotMatch(
      result.out,
      /^ +(db-snapshot|cache-snapshot|log-group) +(booking-dev-keep|booking-dev-minimal-2|\/booking\/prod\/web|\/booking\/dev\/worker) /m,
    );
    assert.match(result.out, /note: DB snapshot booking-dev-keep is 60 days old but tagged keep=true: kept/);
    assert.match(result.out, /note: cache snapshot booking-dev-minimal-2 is the environment's newest: kept/);
    assert.match(
      result.out,
      /Saving with --apply: 20\.84 USD\/month; report only: 30\.27 USD\/month; 1 finding\(s\) unpriced/,
    );
    assert.deepEqual(await remaining(), withAddresses(seededState, Object.values(addresses)));
    const mutating = suite.proxy.operations().filter((op) => /:(Delete|BatchDelete|Release|Put|Stop)/.test(op));
    assert.deepEqual(mutating, []);
  });

  test('--apply --yes deletes, releases, sets retention and stops; what is kept or not ours stays', async () => {
    const result = await cli(['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /Cleanup of dev: 8 done, 0 already gone, 0 skipped, 0 failed/);
    await assertCleanedUp();
    // The lock was taken and released.
    assert.equal(suite.proxy.count('dynamodb:DeleteItem'), 1);

    const again = await cli(['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /Nothing to apply\./);
  });

  test('a deletion that fails leaves the others done and exits non-zero; a rerun finishes the job', async () => {
    suite.proxy.failNext('rds:DeleteDBSnapshot', { status: 400, code: 'InvalidDBSnapshotState' });
    const broken = await cli(['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(broken.code, 1);
    // Read again after the failure: the report says what the snapshot is now.
    assert.match(broken.out, /FAILED\s+db-snapshot booking-dev-before-upgrade: .*\(it is available\)$/m);
    assert.match(broken.out, /Cleanup of dev: 7 done, 0 already gone, 0 skipped, 1 failed/);
    assert.match(
      broken.err,
      /1 action\(s\) failed \(booking-dev-before-upgrade\); run "npx booking-infra cleanup dev --apply" again/,
    );
    let now = await remaining();
    assert.deepEqual(now.dbSnapshots, ['booking-dev-before-upgrade', 'booking-dev-keep']);
    assert.deepEqual(now.cacheSnapshots, ['booking-dev-minimal-2']);
    assert.deepEqual(now.addresses, [addresses.attached, addresses.foreign].sort());
    assert.equal(now.database, 'stopped');

    const rerun = await cli(['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(rerun.code, 0, rerun.err);
    assert.match(rerun.out, /Cleanup of dev: 1 done, 0 already gone, 0 skipped, 0 failed/);
    now = await remaining();
    assert.deepEqual(now.dbSnapshots, ['booking-dev-keep']);
  });

  test('two --apply runs at once: both exit 0, each finding is done exactly once, nothing is reported failed', async () => {
    const [alice, bob] = await Promise.all([
      cli(['cleanup', 'dev', '--apply', '--yes'], { actor: 'cli:alice@laptop' }),
      cli(['cleanup', 'dev', '--apply', '--yes'], { actor: 'cli:bob@desk' }),
    ]);
    assert.equal(alice.code, 0, alice.err);
    assert.equal(bob.code, 0, bob.err);
    assert.doesNotMatch(`${alice.out}\n${bob.out}`, /FAILED/);
    // Whichever took the lock first did all eight; the other found them gone (or, had it listed
    // after the first had finished, nothing to apply).
    assert.deepEqual([...reported(alice.out, 'DONE'), ...reported(bob.out, 'DONE')].sort(), actedOn());
    const [first, second] = reported(alice.out, 'DONE').length > 0 ? [alice, bob] : [bob, alice];
    assert.match(first.out, /Cleanup of dev: 8 done, 0 already gone, 0 skipped, 0 failed/);
    assert.match(second.out, /Cleanup of dev: 0 done, \d already gone, 0 skipped, 0 failed|Nothing to apply\./);
    await assertCleanedUp();
    // Each change made once (the second run reads a retention or a stopped database, and leaves it).
    assert.equal(suite.proxy.count('logs:PutRetentionPolicy'), 2);
    assert.equal(suite.proxy.count('rds:StopDBInstance'), 1);
    assert.equal(await lockItem(), undefined, 'both locks released');
  });

  test('a run planned while another cleanup acts waits for its lock, then reports what that one did as already gone and does the rest', async () => {
    await holdLock('cleanup', new Date(Date.now() + AHEAD));
    let ended = false;
    const waiting = cli(['cleanup', 'dev', '--apply', '--yes']).finally(() => (ended = true));
    // Alice has listed and tried the lock (a refused conditional PutItem): her plan is made. Now
    // Bob's run does six of its eight actions and ends.
    while (!ended && suite.proxy.count('dynamodb:PutItem') === 0) await delay(10);
    for (const id of ['booking-dev-before-upgrade', 'booking-dev-by-hand'])
      await suite.harness.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }));
    await suite.harness.elasticache.send(new DeleteSnapshotCommand({ SnapshotName: 'booking-dev-minimal-1' }));
    await suite.harness.ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'booking', imageIds: [{ imageDigest: unreferencedImage }] }),
    );
    await suite.harness.ec2.send(new ReleaseAddressCommand({ AllocationId: addresses.dev }));
    await suite.harness.logs.send(
      new PutRetentionPolicyCommand({ logGroupName: '/booking/dev/web', retentionInDays: 14 }),
    );
    await suite.harness.dynamodb.send(
      new DeleteItemCommand({
        TableName: seeded.stateTable,
        Key: { pk: { S: STATE_TABLE_KEYS.lock.pk }, sk: { S: STATE_TABLE_KEYS.lock.sk } },
      }),
    );

    const result = await waiting;
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /note: cli:bob@desk is running another cleanup since .*--apply waits for it/);
    assert.match(result.out, /waiting for the cleanup cli:bob@desk has been running since/);
    assert.deepEqual(reported(result.out, 'DONE'), ['database booking-dev', 'log-group aws-waf-logs-booking-dev']);
    assert.deepEqual(
      reported(result.out, 'ALREADY GONE'),
      actedOn().filter((finding) => !/^database|aws-waf-logs/.test(finding)),
    );
    assert.match(result.out, /ALREADY GONE +log-group \/booking\/dev\/web: retention already 14 days: left as it is/);
    assert.match(result.out, /ALREADY GONE +image sha256:\w+: no such image any more/);
    assert.match(result.out, /Cleanup of dev: 2 done, 6 already gone, 0 skipped, 0 failed/);
    await assertCleanedUp();
    assert.equal(await lockItem(), undefined);
  });

  test('a retry after a run that died half way takes over its silent lock and finishes the job', async () => {
    // Bob's run deleted one snapshot, then died holding the lock; its last sign of life is
    // 60 days old on the command's clock.
    await suite.harness.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'booking-dev-before-upgrade' }));
    await holdLock('cleanup', new Date());
    const retry = await cli(['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(retry.code, 0, retry.err);
    assert.doesNotMatch(retry.out, /waiting for/);
    assert.match(retry.out, /Cleanup of dev: 7 done, 0 already gone, 0 skipped, 0 failed/);
    await assertCleanedUp();
    assert.equal(await lockItem(), undefined);
  });

  test('while a resume holds the lock, --apply is refused naming it, and the database it starts is not stopped', async () => {
    await holdLock('resume', new Date(Date.now() + AHEAD));
    const result = await cli(['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(result.code, 1);
    assert.match(result.out, /not stopped now: cli:bob@desk holds the lock for "resume"/);
    assert.match(result.err, /cli:bob@desk is running "resume" since .*nothing was changed/);
    assert.equal(suite.proxy.count('rds:StopDBInstance'), 0);
    assert.deepEqual(await remaining(), withAddresses(seededState, Object.values(addresses)));
  });

  test('--apply refuses while a pause holds the lock, naming the holder; nothing changes', async () => {
    await holdPauseLock(suite.harness, seeded.stateTable);
    const result = await cli(['cleanup', 'dev', '--apply', '--yes']);
    assert.equal(result.code, 1);
    assert.match(result.err, /cli:bob@desk is running "pause"/);
    assert.match(result.out, /holds the lock for "pause".*a resume may be starting it/);
    assert.deepEqual(await remaining(), withAddresses(seededState, Object.values(addresses)));
  });

  test("with the database kept as a snapshot: the snapshot the record names stays however old, the config's older cycle's goes, and the deleted database is no finding", async () => {
    // An earlier minimal cycle's snapshot, restored from since (the config still names it), and the
    // current one's, which the record names; the minimal deploy then deleted the instance. The
    // earlier one holds older data no deploy may restore (the gate restores the recorded one).
    for (const id of ['booking-dev-minimal-20260101t013000z', 'booking-dev-minimal-20260301t013000z'])
      await suite.harness.rds.send(
        new CreateDBSnapshotCommand({ DBInstanceIdentifier: seeded.databaseId, DBSnapshotIdentifier: id }),
      );
    await suite.harness.rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: seeded.databaseId, SkipFinalSnapshot: true }),
    );
    await new StateStore(suite.harness.dynamodb, seeded.stateTable).writeRecord(
      {
        state: 'minimal',
        changedAt: new Date().toISOString(),
        changedBy: 'cli:alice@laptop',
        services: {},
        databaseSnapshot: { identifier: 'booking-dev-minimal-20260301t013000z', masterUsername: 'booking' },
      },
      1,
    );
    const config: PlatformConfig = {
      ...platformConfig,
      environments: platformConfig.environments.map((env) =>
        env.name === 'dev'
          ? {
              ...env,
              database: { ...env.database, restoredFromMinimalSnapshot: 'booking-dev-minimal-20260101t013000z' },
            }
          : env,
      ),
    };
    const result = await runWithConfig(
      config,
      ['cleanup', 'dev', '--apply', '--yes'],
      cliDependencies(clients, { now: () => Date.now() + AHEAD }),
    );
    assert.equal(result.code, 0, result.err + result.out);
    assert.doesNotMatch(result.out, /NOT CHECKED/);
    assert.doesNotMatch(result.out, /^ {2}\S+ +database booking-dev/m);
    assert.match(
      result.out,
      /note: DB snapshot booking-dev-minimal-20260301t013000z is the one the state record names \(taken by minimal, it holds the data while the database is deleted\): kept/,
    );
    assert.match(
      result.out,
      /note: DB snapshot booking-dev-minimal-20260101t013000z is the config's database.restoredFromMinimalSnapshot, but the state record names booking-dev-minimal-20260301t013000z, which holds the newer data: proposed/,
    );
    const now = await remaining();
    assert.deepEqual(now.dbSnapshots, ['booking-dev-keep', 'booking-dev-minimal-20260301t013000z']);
    assert.equal(now.database, undefined);
  });

  test('a load balancer that served requests this week is not reported', async () => {
    const dimension = seeded.loadBalancer!.arn.split(':loadbalancer/')[1];
    await suite.harness.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [
          {
            MetricName: 'RequestCount',
            Dimensions: [{ Name: 'LoadBalancer', Value: dimension }],
            Value: 12,
            // Two days ago on the command's clock.
            Timestamp: new Date(Date.now() + AHEAD - 2 * DAY),
          },
        ],
      }),
    );
    const result = await cli(['cleanup', 'dev', '--format', 'json']);
    assert.equal(result.code, 0, result.err);
    const report = JSON.parse(result.out);
    assert.deepEqual(
      report.findings.filter((f: { kind: string }) => f.kind === 'load-balancer'),
      [],
    );
    assert.equal(report.findings.length, 9);
  });
});
