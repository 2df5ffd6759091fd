import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import type { CacheTaskConfig, CpuArchitecture } from '../../config/types';
import { CACHE_TUNNEL } from '../../ops/contracts';
import { acknowledge, acknowledgeFindings } from '../../quality/acknowledge';
import { ServiceBounds } from '../state-guard/service-bounds';
import type { CacheTaskStorage } from './cache-task-storage';

/** Where stunnel writes its configuration in the cache image's containers (a task volume). */
export const TUNNEL_RUN_DIR = '/run/stunnel';

/**
 * The health check of both tunnel ends (the cache task's stunnel and the app tasks' sidecar): the
 * process, not a probe of the port, since every probe would be an aborted TLS handshake in its log.
 */
export const STUNNEL_HEALTH_CHECK: ecs.HealthCheck = {
  command: ['CMD-SHELL', 'pgrep stunnel > /dev/null || exit 1'],
  interval: Duration.seconds(10),
  timeout: Duration.seconds(3),
  retries: 3,
  startPeriod: Duration.seconds(10),
};

/** Share of the task's memory Valkey may fill (`maxmemory`, noeviction): the rest is stunnel's and the AOF rewrite's. */
export const CACHE_MAXMEMORY_SHARE = 0.6;

export interface CacheServiceProps {
  /** The environment's ECS cluster. */
  readonly cluster: ecs.ICluster;
  /** The cache image (docker/cache: Valkey and stunnel). */
  readonly image: ecs.ContainerImage;
  readonly architecture: CpuArchitecture;
  /** `cache.task`: size and Spot. */
  readonly config: CacheTaskConfig;
  /** The data stack's file system, access point and secrets. */
  readonly storage: CacheTaskStorage;
  /** The private namespace the task registers in, as `cache` (an A record, TTL 10 s). */
  readonly namespace: servicediscovery.INamespace;
  /** Resolves the bounds (1..1 running, 0..0 paused) from the state record at deploy time. */
  readonly boundsServiceToken: string;
  /** This deploy creates the service: bounds 0..0 until `booking-infra resume`. @default false */
  readonly firstDeploy?: boolean;
  /** Task subnets (the networking module's). */
  readonly subnets: ec2.SubnetSelection;
  /** `public` egress: a public IPv4 (3.65 USD/month while the task runs) to pull its image. */
  readonly assignPublicIp: boolean;
  /** The networking module's cache group (6379 from web and worker tasks; HTTPS and NFS out). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Environment prefix, e.g. `booking-dev`: the service is `<name>-cache`. */
  readonly name: string;
  /** Log group prefix, e.g. `/booking/dev`: logs go to `<prefix>/cache`. */
  readonly logPrefix: string;
  readonly logRetentionDays: number;
}

/**
 * The cache as a task (`cache.hosting: task`): Valkey on the task's loopback (port 6380, the
 * password from Secrets Manager, its append-only file on EFS through an access point, IAM
 * authorization and TLS to the file system), behind stunnel on 6379 with the tunnel's pre-shared
 * key, registered in Cloud Map as `cache.<name>.internal`. One task at most, ever: a deploy stops
 * the old task before starting the new one (0% / 100%), since two Valkeys must never write the same
 * file. `pause` scales it to 0 after web and worker, `resume` starts it first.
 */
export class CacheService extends Construct {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly service: ecs.FargateService;
  public readonly bounds: ServiceBounds;

  constructor(scope: Construct, id: string, props: CacheServiceProps) {
    super(scope, id);
    Tags.of(this).add('module', 'cache');
    const { storage } = props;
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      family: `${props.name}-cache`,
      cpu: props.config.cpu,
      memoryLimitMiB: props.config.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: props.architecture === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `${props.logPrefix}/cache`,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logging = (prefix: string) => ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: prefix });

    this.taskDefinition.addVolume({
      name: 'data',
      efsVolumeConfiguration: {
        fileSystemId: storage.fileSystem.fileSystemId,
        transitEncryption: 'ENABLED',
        authorizationConfig: { accessPointId: storage.accessPoint.accessPointId, iam: 'ENABLED' },
      },
    });
    storage.fileSystem.grantReadWrite(this.taskDefinition.taskRole);
    this.taskDefinition.addVolume({ name: 'tunnel-run' });

    const valkey = this.taskDefinition.addContainer('valkey', {
      containerName: 'valkey',
      image: props.image,
      command: ['valkey'],
      essential: true,
      readonlyRootFilesystem: true,
      environment: {
        CACHE_MAXMEMORY_MB: String(Math.floor(props.config.memoryMiB * CACHE_MAXMEMORY_SHARE)),
      },
      secrets: { CACHE_PASSWORD: ecs.Secret.fromSecretsManager(storage.authToken, 'token') },
      logging: logging('valkey'),
      healthCheck: {
        command: [
          'CMD-SHELL',
          `valkey-cli -p ${CACHE_TUNNEL.valkeyPort} --no-auth-warning -a "$CACHE_PASSWORD" ping | grep -q PONG || exit 1`,
        ],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(3),
        retries: 3,
        startPeriod: Duration.seconds(20),
      },
      // Time to write the append-only file on SIGTERM (a pause, a deploy, a Spot interruption).
      stopTimeout: Duration.seconds(60),
    });
    valkey.addMountPoints({ sourceVolume: 'data', containerPath: '/data', readOnly: false });

    const tunnel = this.taskDefinition.addContainer('tls', {
      containerName: 'tls',
      image: props.image,
      command: ['tls-server'],
      essential: true,
      readonlyRootFilesystem: true,
      secrets: { CACHE_PSK: ecs.Secret.fromSecretsManager(storage.tunnelKey, 'psk') },
      portMappings: [{ containerPort: CACHE_TUNNEL.port, protocol: ecs.Protocol.TCP, name: 'cache' }],
      logging: logging('tls'),
      healthCheck: STUNNEL_HEALTH_CHECK,
    });
    tunnel.addMountPoints({ sourceVolume: 'tunnel-run', containerPath: TUNNEL_RUN_DIR, readOnly: false });
    // Clients reach the tunnel only once Valkey answers behind it.
    tunnel.addContainerDependencies({ container: valkey, condition: ecs.ContainerDependencyCondition.HEALTHY });

    this.bounds = new ServiceBounds(this, 'Bounds', {
      serviceToken: props.boundsServiceToken,
      role: 'cache',
      minTasks: 1,
      maxTasks: 1,
      firstDeploy: props.firstDeploy,
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      serviceName: `${props.name}-cache`,
      taskDefinition: this.taskDefinition,
      desiredCount: props.firstDeploy ? 0 : undefined,
      vpcSubnets: props.subnets,
      assignPublicIp: props.assignPublicIp,
      securityGroups: [props.securityGroup],
      capacityProviderStrategies: [{ capacityProvider: props.config.spot ? 'FARGATE_SPOT' : 'FARGATE', weight: 1 }],
      circuitBreaker: { enable: true, rollback: true },
      // Never two Valkeys on one file: stop the old task before the new one starts.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      cloudMapOptions: {
        cloudMapNamespace: props.namespace,
        name: 'cache',
        dnsRecordType: servicediscovery.DnsRecordType.A,
        dnsTtl: Duration.seconds(10),
      },
    });
    this.service.node.addDependency(this.bounds);
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: this.bounds.minCapacity,
      maxCapacity: this.bounds.maxCapacity,
    });
    scaling.node.addDependency(this.bounds);

    acknowledgeFindings(
      this.taskDefinition,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*'],
      "ecr:GetAuthorizationToken (the execution role pulling the cache image from this account's ECR) has no resource-level permissions; every other grant names its repository, log group, secret or file system",
    );
    acknowledge(
      this.taskDefinition,
      'AwsSolutions::AwsSolutions-ECS2',
      'Only a non-secret setting (maxmemory) is a plain environment variable; the password and the tunnel key come through ECS secrets from Secrets Manager',
    );
  }
}
