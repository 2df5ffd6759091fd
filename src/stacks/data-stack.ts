import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { Cache } from '../modules/cache/cache';
import { Database } from '../modules/database/database';
import type { Networking } from '../modules/networking/networking';
import { ConnectionParameters } from '../modules/parameters/connection-parameters';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface DataStackProps extends PlatformStackProps {
  readonly config: EnvironmentConfig;
  readonly shared: SharedConfig;
  readonly networking: Networking;
}

/**
 * The stateful stack: database, cache and their parameters (buckets join it later). Kept apart
 * from the stateless stacks so those can be replaced or deleted freely; termination protection
 * is on where the environment protects its data.
 */
export class DataStack extends PlatformStack {
  public readonly database: Database;
  /** Absent in the `minimal` state. */
  public readonly cache?: Cache;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.deletionProtection });
    const { config, shared, networking } = props;
    const identifier = `${shared.appName}-${config.name}`;

    this.database = new Database(this, 'Database', {
      vpc: networking.vpc,
      subnets: networking.dataSubnets,
      securityGroup: networking.databaseSecurityGroup,
      identifier,
      instanceClass: config.database.instanceClass,
      multiAz: config.database.multiAz,
      allocatedStorageGiB: config.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: config.database.maxAllocatedStorageGiB,
      backupRetentionDays: config.database.backupRetentionDays,
      protect: config.deletionProtection,
      logRetentionDays: config.logRetentionDays,
    });

    if (config.state !== 'minimal') {
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
      });
    }

    new ConnectionParameters(this, 'Parameters', {
      appName: shared.appName,
      environmentName: config.name,
      database: this.database,
      cache: this.cache,
    });
    new CfnOutput(this, 'DatabaseInstanceId', { value: identifier, description: 'RDS instance identifier' });
    new CfnOutput(this, 'DatabaseSecretArn', {
      value: this.database.secret.secretArn,
      description: 'Master credentials',
    });
    if (this.cache) {
      new CfnOutput(this, 'CacheReplicationGroupId', {
        value: identifier,
        description: 'ElastiCache replication group',
      });
    }
  }
}
