import { CfnOutput, Tags } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { BackupPlan } from '../modules/backup/backup-plan';
import { Cache } from '../modules/cache/cache';
import { CacheTaskStorage } from '../modules/cache/cache-task-storage';
import { MediaCdn } from '../modules/cdn/media-cdn';
import { Database, databaseRoleNames } from '../modules/database/database';
import { hostedZoneIdParameter } from '../modules/parameters/parameter-names';
import { accessLogBucket } from '../modules/storage/log-bucket';
import { MediaStorage } from '../modules/storage/media-storage';
import type { Networking } from '../modules/networking/networking';
import { ConnectionParameters } from '../modules/parameters/connection-parameters';
import { StateGuard } from '../modules/state-guard/state-guard';
import { STACK_OUTPUTS, environmentName, stateTableName } from '../ops/contracts';
import { configuredCapacity } from '../ops/resources';
import { PlatformStack, type PlatformStackProps } from './platform-stack';
import { replicaBucketName, type RecoveryStack } from './recovery-stack';

export interface DataStackProps extends PlatformStackProps {
  /**
   * The environment's configuration: database, cache, log retention, access logs and deletion
   * protection (see their prices in `config/types.ts`).
   */
  readonly config: EnvironmentConfig;
  /** Account-level configuration (the app name). */
  readonly shared: SharedConfig;
  /** The network stack's networking: VPC, isolated subnets, database and cache security groups. */
  readonly networking: Networking;
  /** The ops stack's alert topic (the guard's alarm). */
  readonly alarmTopic: sns.ITopic;
  /** The CDN host's certificate, from the environment's us-east-1 edge stack (with `cdn.enabled`). */
  readonly cdnCertificate?: acm.ICertificate;
  /** The CDN host's own zone (edge stack), for an environment in another account than the shared zone. */
  readonly cdnZone?: route53.IHostedZone;
  /** The DR region's stack (copy vault, bucket replica), with `backup.copy`. */
  readonly recovery?: RecoveryStack;
}

/**
 * The stateful stack: database, cache and their parameters (buckets join it later). Kept apart
 * from the stateless stacks so those can be replaced or deleted freely; termination protection
 * is on where the environment protects its data.
 */
export class DataStack extends PlatformStack {
  public readonly database: Database;
  /** The ElastiCache replication group (`cache.hosting: elasticache`, not while minimal). */
  public readonly cache?: Cache;
  /** The cache task's file system and secrets (`cache.hosting: task`, not while minimal). */
  public readonly cacheTask?: CacheTaskStorage;
  /** Keeps the database stopped while paused; resolves deploy bounds from the state record. */
  public readonly guard: StateGuard;
  /** Load-balancer access logs, when `compute.loadBalancerAccessLogs` is on. */
  public readonly accessLogBucket?: s3.Bucket;
  /** The media and static files bucket, with `storage`. */
  public readonly storage?: MediaStorage;
  /** Its CloudFront distribution, with `cdn.enabled` (not in the `minimal` state). */
  public readonly cdn?: MediaCdn;
  /** AWS Backup of the database, with `backup.enabled`. */
  public readonly backup?: BackupPlan;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.deletionProtection });
    const { config, shared, networking } = props;
    const identifier = environmentName(shared.appName, config.name);
    // database.whileMinimal 'snapshot': the minimal deploy deletes the instance (its data is in
    // the snapshot `booking-infra minimal` took), the running one restores it.
    const keptAsSnapshotWhileMinimal = config.database.whileMinimal === 'snapshot';

    this.database = new Database(this, 'Database', {
      vpc: networking.vpc,
      subnets: networking.dataSubnets,
      securityGroup: networking.databaseSecurityGroup,
      identifier,
      engineVersion: config.database.engineVersion,
      restoreFromSnapshot: config.database.restoreFromSnapshot,
      snapshotWhileMinimal: keptAsSnapshotWhileMinimal,
      keptAsSnapshot: keptAsSnapshotWhileMinimal && config.state === 'minimal',
      restoredFromMinimalSnapshot: keptAsSnapshotWhileMinimal ? config.database.restoredFromMinimalSnapshot : undefined,
      instanceClass: config.database.instanceClass,
      multiAz: config.database.multiAz,
      allocatedStorageGiB: config.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: config.database.maxAllocatedStorageGiB,
      backupRetentionDays: config.database.backupRetentionDays,
      protect: config.deletionProtection,
      logRetentionDays: config.logRetentionDays,
      roleNames: databaseRoleNames(shared.appName),
      rotation:
        config.database.credentialRotation?.enabled && config.state !== 'minimal' && networking.rotationSecurityGroup
          ? {
              everyDays: config.database.credentialRotation.everyDays,
              subnets: networking.rotationSubnets,
              securityGroup: networking.rotationSecurityGroup,
            }
          : undefined,
    });

    if (config.state !== 'minimal' && config.cache.hosting === 'task') {
      if (!networking.cacheFilesSecurityGroup)
        throw new Error('cache hosting task: the network stack made no files group');
      this.cacheTask = new CacheTaskStorage(this, 'CacheTask', {
        vpc: networking.vpc,
        subnets: networking.dataSubnets,
        securityGroup: networking.cacheFilesSecurityGroup,
        identifier,
        retain: config.deletionProtection,
      });
    } else if (config.state !== 'minimal') {
      this.cache = new Cache(this, 'Cache', {
        vpc: networking.vpc,
        subnets: networking.dataSubnets,
        securityGroup: networking.cacheSecurityGroup,
        identifier,
        engine: config.cache.engine,
        nodeType: config.cache.nodeType,
        nodes: config.cache.nodes,
        availabilityZones: config.availabilityZones,
        snapshotRetentionDays: config.cache.snapshotRetentionDays,
        retainSecret: config.deletionProtection,
      });
    }

    if (config.compute.loadBalancerAccessLogs) {
      this.accessLogBucket = accessLogBucket(this, 'LoadBalancerAccessLogs', {
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        protect: config.deletionProtection,
        of: 'the load balancer',
      });
      Tags.of(this.accessLogBucket).add('module', 'load-balancer');
    }

    if (config.storage) {
      this.storage = new MediaStorage(this, 'Storage', {
        config: config.storage,
        protect: config.deletionProtection,
        replicateTo:
          config.backup?.enabled && config.backup.replicateBucket && config.backup.copy
            ? {
                bucketName: replicaBucketName(identifier, config.account),
                region: config.backup.copy.region,
                account: config.account,
              }
            : undefined,
      });
      new CfnOutput(this, STACK_OUTPUTS.data.storageBucketName, {
        value: this.storage.bucket.bucketName,
        description: 'Static and media files',
      });
      // minimal keeps the files and drops the distribution (and its bill): nothing is served then.
      if (config.cdn?.enabled && props.cdnCertificate && config.state !== 'minimal') {
        this.cdn = new MediaCdn(this, 'Cdn', {
          name: identifier,
          bucket: this.storage.bucket,
          host: config.cdn.host,
          certificate: props.cdnCertificate,
          priceClass: config.cdn.priceClass,
          accessLogs: config.cdn.accessLogs,
          corsAllowedOrigins: config.storage.corsAllowedOrigins,
          contentSecurityPolicy: config.cdn.contentSecurityPolicy,
          zoneIdParameterName: hostedZoneIdParameter(shared.appName),
          zone: config.account === shared.account ? undefined : props.cdnZone,
          domain: shared.domain,
          protect: config.deletionProtection,
        });
      }
    }

    if (config.backup?.enabled) {
      this.backup = new BackupPlan(this, 'Backup', {
        name: identifier,
        config: config.backup,
        resources: this.database.instance ? [this.database.instance] : [],
        alarmTopic: props.alarmTopic,
        scheduled: config.state !== 'minimal',
      });
    }

    new ConnectionParameters(this, 'Parameters', {
      appName: shared.appName,
      environmentName: config.name,
      database: this.database,
      cache: this.cache ?? this.cacheTask,
    });
    this.guard = new StateGuard(this, 'StateGuard', {
      environmentName: config.name,
      databaseId: identifier,
      stateTableName: stateTableName(shared.appName, config.name),
      structure: config.state,
      configured: configuredCapacity(config),
      metricNamespace: shared.appName,
      alarmTopic: props.alarmTopic,
      logRetentionDays: config.logRetentionDays,
      database: {
        instance: this.database.instance ? 'present' : 'none',
        restoreFrom: this.database.createdFrom,
        engineVersion: config.database.engineVersion,
      },
    });
    // The gate first: a refused deploy never touches the database (replacing or deleting it).
    this.database.instance?.node.addDependency(this.guard.structureGate);
    new CfnOutput(this, STACK_OUTPUTS.data.databaseInstanceId, {
      value: identifier,
      description: 'RDS instance identifier',
    });
    new CfnOutput(this, STACK_OUTPUTS.data.databaseSecretArn, {
      value: this.database.secret.secretArn,
      description: 'Master credentials',
    });
    if (this.cache) {
      new CfnOutput(this, STACK_OUTPUTS.data.cacheReplicationGroupId, {
        value: this.cache.replicationGroupId,
        description: 'ElastiCache replication group',
      });
    }
  }
}
