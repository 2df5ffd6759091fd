import { ArnFormat, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CacheEngine } from '../../config/types';
import { PUBLISHER_ACCESS_STRING } from '../../lambda/queue-depth/index';
import { acknowledge } from '../../quality/acknowledge';
import { CACHE_PORT } from '../networking/networking';

/**
 * The replication group's id: the environment's identifier and `-acl`, e.g. `booking-dev-acl`.
 * The suffix came with the RBAC user group (issue 14): CloudFormation replaces a replication
 * group whose AuthToken gives way to UserGroupIds (cloudformation-coverage-roadmap#2356), and a
 * replacement cannot keep a fixed id, so the RBAC group has a new one. Every consumer follows
 * `Cache.replicationGroupId`, never this pattern: the data stack's output (which `status`,
 * `minimal` and the drift check read), the publisher's token and its IAM permission.
 */
export function cacheReplicationGroupId(identifier: string): string {
  return `${identifier}-acl`;
}

/**
 * The access string of the cache's `default` user, which every task authenticates as with the
 * token (`AUTH <token>`, no user name): all keys, all commands, as the AUTH token gave before.
 */
export const DEFAULT_USER_ACCESS_STRING = 'on ~* +@all';

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
 * encrypted at rest and in transit (`rediss://`), `noeviction` so queued messages are never
 * evicted under memory pressure, and role-based access control (an ElastiCache user group):
 * - the `default` user, whose password is the token in Secrets Manager: the tasks send
 *   `AUTH <token>` as before and have full access;
 * - the queue-backlog publisher's user, authenticated by IAM (no secret anywhere), limited to the
 *   commands it sends on Dramatiq's keys (PUBLISHER_ACCESS_STRING).
 * Users and user groups cost nothing.
 */
export class Cache extends Construct {
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** The replication group's id (`cacheReplicationGroupId`): what the ops code and the token name. */
  public readonly replicationGroupId: string;
  /** JSON secret with key `token`: the password of the `default` user, the AUTH token tasks send. */
  public readonly authToken: secretsmanager.Secret;
  /** The `default` user: the token, full access. */
  public readonly defaultUser: elasticache.CfnUser;
  /** The queue-backlog publisher's user: IAM authentication, read-only on Dramatiq's keys. */
  public readonly publisherUser: elasticache.CfnUser;
  /** The publisher user's id, which is also its name (IAM authentication requires both equal). */
  public readonly publisherUserId: string;
  /** The user group the replication group authenticates against. */
  public readonly userGroup: elasticache.CfnUserGroup;
  public readonly port = CACHE_PORT;
  /** Clients must use TLS (`rediss://`). */
  public readonly tls = true;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    Tags.of(this).add('module', 'cache');
    const { version, family } = CACHE_ENGINE_VERSIONS[props.engine];

    this.replicationGroupId = cacheReplicationGroupId(props.identifier);
    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      secretName: `${props.identifier}/cache/auth-token`,
      description: `AUTH token of the ${props.identifier} cache (the password of its default user)`,
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

    // RBAC users (ids lower case, unique in the account and region: prefixed by the identifier).
    // A user group must hold a user named `default`: the one a password-only AUTH authenticates.
    // Its password comes from the secret through a dynamic reference (resolved by CloudFormation;
    // the template holds none), so the tasks' REDIS_PASSWORD keeps working unchanged.
    this.defaultUser = new elasticache.CfnUser(this, 'DefaultUser', {
      engine: props.engine,
      userId: `${props.identifier}-default`,
      userName: 'default',
      accessString: DEFAULT_USER_ACCESS_STRING,
      authenticationMode: {
        Type: 'password',
        Passwords: [this.authToken.secretValueFromJson('token').unsafeUnwrap()],
      },
    });
    // IAM authentication needs the user id and name equal; the token names the id.
    this.publisherUserId = `${props.identifier}-queue-depth`;
    this.publisherUser = new elasticache.CfnUser(this, 'QueueDepthUser', {
      engine: props.engine,
      userId: this.publisherUserId,
      userName: this.publisherUserId,
      accessString: PUBLISHER_ACCESS_STRING,
      authenticationMode: { Type: 'iam' },
    });
    this.userGroup = new elasticache.CfnUserGroup(this, 'Users', {
      engine: props.engine,
      userGroupId: `${props.identifier}-users`,
      userIds: [this.defaultUser.ref, this.publisherUser.ref],
    });

    const replicated = props.nodes > 1;
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: this.replicationGroupId,
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
      // Authentication by the user group (RBAC, which needs in-transit encryption) instead of an
      // AuthToken: ElastiCache takes one or the other.
      userGroupIds: [this.userGroup.ref],
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
      this.replicationGroup,
      'AwsSolutions::AwsSolutions-AEC6',
      'Every connection authenticates, through RBAC (an ElastiCache user group) rather than the legacy AuthToken this rule looks for and which ElastiCache refuses alongside a user group: the tasks as the default user with the token from Secrets Manager, the backlog publisher with IAM',
    );
    acknowledge(
      this.authToken,
      'AwsSolutions::AwsSolutions-SMG4',
      'Not rotated yet by design: rotating the token needs a Lambda that reaches the Secrets Manager and ElastiCache APIs from inside the VPC (ModifyUser on the default user, which holds two passwords during a rotation) and a restart of the tasks holding the token, which is the secrets-rotation module',
    );
  }

  /**
   * Lets `grantee` authenticate to the cache as the publisher's user with an IAM token:
   * `elasticache:Connect` on exactly this replication group and that user (both are needed).
   */
  grantPublisherConnect(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const arn = (resource: string, resourceName: string) =>
      stack.formatArn({ service: 'elasticache', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['elasticache:Connect'],
      resourceArns: [arn('replicationgroup', this.replicationGroupId), arn('user', this.publisherUserId)],
    });
  }

  /** The primary endpoint's address. */
  get host(): string {
    return this.replicationGroup.attrPrimaryEndPointAddress;
  }
}
