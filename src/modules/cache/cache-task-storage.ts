import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CACHE_TUNNEL } from '../../ops/contracts';
import { acknowledge } from '../../quality/acknowledge';

/** The POSIX identity the cache task's files belong to (the EFS access point enforces it). */
export const CACHE_FILES_OWNER = { uid: '1000', gid: '1000' } as const;

/** The cache's name in the environment's private namespace, e.g. `cache.booking-dev.internal`. */
export function cacheTaskHost(name: string): string {
  return `cache.${name}.internal`;
}

export interface CacheTaskStorageProps {
  /** The environment's VPC. */
  readonly vpc: ec2.IVpc;
  /** Isolated subnets, one per AZ: the file system's mount targets. */
  readonly subnets: ec2.SubnetSelection;
  /** The networking module's cache files group (NFS from the cache task only). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The environment's identifier, e.g. `booking-dev`: secret names and the cache's host. */
  readonly identifier: string;
  /**
   * Keep the file system and the secrets when the stack is deleted (`deletionProtection`).
   * @default false: deleted with the stack (the queue with them)
   */
  readonly retain?: boolean;
}

/**
 * What the cache task (`cache.hosting: task`) keeps across pauses, in the data stack: its data on
 * an encrypted EFS file system (Valkey's append-only file: queued and delayed Dramatiq messages
 * survive a pause, a Spot interruption or a new task), the password every client sends (the
 * `default` user's, as the ElastiCache token was) and the tunnel's pre-shared key. Secrets
 * Manager: 0.40 USD/month each; EFS Standard storage for a few MB is under a cent.
 */
export class CacheTaskStorage extends Construct {
  public readonly fileSystem: efs.FileSystem;
  public readonly accessPoint: efs.AccessPoint;
  /** JSON secret with key `token`: the password Valkey requires (requirepass). */
  public readonly authToken: secretsmanager.Secret;
  /** JSON secret with key `psk`: the tunnel's pre-shared key (64 characters). */
  public readonly tunnelKey: secretsmanager.Secret;
  /** `cache.<identifier>.internal`, the Cloud Map name the app stack registers the task under. */
  public readonly host: string;
  public readonly port = CACHE_TUNNEL.port;
  /** TLS on the wire (TLS-PSK through the tunnel; the app itself talks to its local tunnel). */
  public readonly tls = true;

  constructor(scope: Construct, id: string, props: CacheTaskStorageProps) {
    super(scope, id);
    Tags.of(this).add('module', 'cache');
    const removal = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.host = cacheTaskHost(props.identifier);
    const secret = (secretId: string, name: string, key: string, description: string) =>
      new secretsmanager.Secret(this, secretId, {
        secretName: `${props.identifier}/cache/${name}`,
        description,
        generateSecretString: {
          secretStringTemplate: '{}',
          generateStringKey: key,
          passwordLength: 64,
          excludePunctuation: true,
        },
        removalPolicy: removal,
      });
    this.authToken = secret(
      'AuthToken',
      'auth-token',
      'token',
      `Password of the ${props.identifier} cache task's default user (Valkey requirepass)`,
    );
    this.tunnelKey = secret(
      'TunnelKey',
      'tunnel-psk',
      'psk',
      `Pre-shared key of the ${props.identifier} cache tunnel (TLS-PSK between the tasks and the cache)`,
    );
    for (const generated of [this.authToken, this.tunnelKey]) {
      acknowledge(
        generated,
        'AwsSolutions::AwsSolutions-SMG4',
        'Not rotated: the cache task and every client read it at start, so a rotation means restarting them all at once; this is a non-production cache (validation refuses the task cache in production)',
      );
    }

    this.fileSystem = new efs.FileSystem(this, 'Files', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroup: props.securityGroup,
      encrypted: true,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.BURSTING,
      // The queue is dev's work in progress, not a record: no AWS Backup of it.
      enableAutomaticBackups: false,
      removalPolicy: removal,
    });
    this.accessPoint = this.fileSystem.addAccessPoint('Valkey', {
      path: '/valkey',
      createAcl: { ownerUid: CACHE_FILES_OWNER.uid, ownerGid: CACHE_FILES_OWNER.gid, permissions: '750' },
      posixUser: { uid: CACHE_FILES_OWNER.uid, gid: CACHE_FILES_OWNER.gid },
    });
  }
}
