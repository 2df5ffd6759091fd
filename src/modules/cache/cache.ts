import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CacheEngine } from '../../config/types';
import { acknowledge } from '../../quality/acknowledge';
import { CACHE_PORT } from '../networking/networking';

/** Engine versions and their parameter-group families. */
export const CACHE_ENGINE_VERSIONS: Readonly<Record<CacheEngine, { version: string; family: string }>> = {
  valkey: { version: '8.2', family: 'valkey8' },
  redis: { version: '7.1', family: 'redis7' },
};

export interface CacheProps {
  /** The environment's VPC. */
  readonly vpc: ec2.IVpc;
  /** Isolated subnets, one per AZ. */
  readonly subnets: ec2.SubnetSelection;
  /** Admits only the tasks (made by the networking module). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Replication group id, e.g. `booking-dev`. */
  readonly identifier: string;
  /**
   * `valkey` or `redis`; both speak the Redis protocol Dramatiq and Django use. Valkey is 20%
   * cheaper: a cache.t4g.micro node costs 0.0144 USD/hour with Valkey, 0.018 USD/hour with Redis
   * in London.
   */
  readonly engine: CacheEngine;
  /**
   * Node type, e.g. `cache.t4g.micro`: 10.51 USD/month per node with Valkey (13.14 with Redis) in
   * London.
   */
  readonly nodeType: string;
  /**
   * Nodes: 1 = primary only; 2+ adds replicas in other AZs with automatic failover. The price is
   * the node type's times the nodes.
   */
  readonly nodes: number;
  /** The AZs replicas are spread over, primary first. */
  readonly availabilityZones: readonly string[];
  /**
   * Days to keep daily snapshots (0-35); above 0 a final snapshot is also taken on deletion.
   * 0 keeps none and deletes the data with the stack.
   */
  readonly snapshotRetentionDays: number;
  /**
   * Keep the AUTH token's secret when the stack is deleted (protected environments), as the final
   * snapshot is kept: a cache restored from it is reached with the same token. 0.40 USD/month
   * while it is kept.
   * @default false
   */
  readonly retainSecret?: boolean;
}

/**
 * The seed's ElastiCache module: Django sessions and the Dramatiq broker. One keyspace
 * (cluster mode off: Dramatiq's Redis broker needs multi-key operations in one slot),
 * encrypted at rest and in transit (`rediss://`), with an AUTH token from Secrets Manager and
 * `noeviction` so queued messages are never evicted under memory pressure.
 */
export class Cache extends Construct {
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** JSON secret with key `token`: the AUTH token clients send. */
  public readonly authToken: secretsmanager.Secret;
  public readonly port = CACHE_PORT;
  /** Clients must use TLS (`rediss://`). */
  public readonly tls = true;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    Tags.of(this).add('module', 'cache');
    const { version, family } = CACHE_ENGINE_VERSIONS[props.engine];

    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      secretName: `${props.identifier}/cache/auth-token`,
      description: `AUTH token of the ${props.identifier} cache`,
      // ElastiCache tokens: 16-128 printable characters without @, " or /.
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: props.retainSecret ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: `${props.identifier} cache subnets (isolated)`,
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });
    const parameterGroup = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: family,
      description: `${props.identifier}: noeviction, the broker's messages must never be evicted`,
      properties: { 'maxmemory-policy': 'noeviction' },
    });

    const replicated = props.nodes > 1;
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: props.identifier,
      replicationGroupDescription: `${props.identifier} sessions and Dramatiq broker`,
      engine: props.engine,
      engineVersion: version,
      cacheNodeType: props.nodeType,
      numCacheClusters: props.nodes,
      automaticFailoverEnabled: replicated,
      multiAzEnabled: replicated,
      preferredCacheClusterAZs: Array.from(
        { length: props.nodes },
        (_, i) => props.availabilityZones[i % props.availabilityZones.length],
      ),
      cacheSubnetGroupName: subnetGroup.ref,
      cacheParameterGroupName: parameterGroup.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
      port: CACHE_PORT,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      // A dynamic reference: CloudFormation resolves it at deploy time; the template holds none.
      authToken: this.authToken.secretValueFromJson('token').unsafeUnwrap(),
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: props.snapshotRetentionDays,
      snapshotWindow: props.snapshotRetentionDays > 0 ? '02:45-03:45' : undefined,
      preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
    });
    this.replicationGroup.applyRemovalPolicy(
      props.snapshotRetentionDays > 0 ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    );

    acknowledge(
      this.replicationGroup,
      'AwsSolutions::AwsSolutions-AEC5',
      'The cache keeps the standard port 6379: it is in isolated subnets behind a security group that admits only the tasks, and a non-standard port would hide nothing',
    );
    if (!replicated) {
      acknowledge(
        this.replicationGroup,
        'AwsSolutions::AwsSolutions-AEC4',
        'One node by config (cache.nodes) in this non-production environment: a replica would double the cache price',
      );
    }
    acknowledge(
      this.authToken,
      'AwsSolutions::AwsSolutions-SMG4',
      'Not rotated yet by design: rotating the AUTH token needs a Lambda that reaches the Secrets Manager and ElastiCache APIs from inside the VPC and a restart of the tasks holding the token, which is the secrets-rotation module',
    );
  }

  /** The primary endpoint's address. */
  get host(): string {
    return this.replicationGroup.attrPrimaryEndPointAddress;
  }
}
