import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CpuArchitecture, PgBouncerConfig } from '../../config/types';
import { acknowledge, acknowledgeFindings } from '../../quality/acknowledge';
import { APP_CONTAINER_NAME } from '../../ops/contracts';
import { STUNNEL_HEALTH_CHECK, TUNNEL_RUN_DIR } from '../cache/cache-service';

/** PgBouncer's port on the task's localhost. */
export const PGBOUNCER_PORT = 6432;

/**
 * The tracing collector (`compute.tracing`): AWS Distro for OpenTelemetry, pinned, from ECR Public
 * (no Docker Hub limits), with its built-in X-Ray configuration: OTLP in on 4317 (gRPC) and 4318
 * (HTTP) on the task's localhost, spans out to X-Ray.
 */
export const TRACING_COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3';
export const TRACING_CONTAINER_NAME = 'tracing';
/** The X-Ray calls the collector makes; none has a resource type. */
export const TRACING_ACTIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
];

/** What every application container of an environment receives. */
export interface AppRuntime {
  /** The application image (the release the pipeline recorded). */
  readonly image: ecs.ContainerImage;
  /** The PgBouncer sidecar image. */
  readonly pgbouncerImage: ecs.ContainerImage;
  readonly architecture: CpuArchitecture;
  /** Non-secret environment shared by web, worker and migrate (hosts, ports, names, settings). */
  readonly environment: Readonly<Record<string, string>>;
  /** Secrets injected by ECS at start: never plain environment values. */
  readonly secrets: Readonly<Record<string, ecs.Secret>>;
  /** The database PgBouncer connects to, and the credentials it uses. */
  readonly database: DatabaseCredentials & {
    readonly host: string;
    readonly port: number;
    readonly name: string;
  };
  readonly pgbouncer: PgBouncerConfig;
  readonly logRetentionDays: number;
  /** Mount a writable /tmp and make the app's root filesystem read-only. */
  readonly appReadOnlyRootFilesystem: boolean;
  /** `compute.tracing` when on: traced tasks get the collector and the `OTEL_*` settings. */
  readonly tracing?: { readonly samplingPercent: number; readonly environmentName: string; readonly appName: string };
  /**
   * `cache.hosting: task`: a tunnel sidecar (the cache image's `tls-client`) listens on the task's
   * 127.0.0.1:6379, where the app connects in plain text, and opens TLS with the pre-shared key
   * to the cache task at `host` (resolved on every connection: a new cache task has a new address).
   */
  readonly cacheTunnel?: { readonly image: ecs.ContainerImage; readonly host: string; readonly psk: ecs.Secret };
}

/** A database login as ECS secrets. */
export interface DatabaseCredentials {
  readonly username: ecs.Secret;
  readonly password: ecs.Secret;
}

export interface AppTaskProps {
  /** Image, environment, secrets, database, PgBouncer settings and log retention of the environment. */
  readonly runtime: AppRuntime;
  /** `web`, `worker` or `migrate`: names the log group and containers. */
  readonly role: string;
  /** Log group name prefix, e.g. `/booking/dev`. */
  readonly logPrefix: string;
  /**
   * Task CPU units (256 = 0.25 vCPU); a Fargate size with `memoryMiB`. 0.03725 USD per vCPU-hour
   * on arm64 in London (x86_64: 0.04656) for as long as the task runs.
   */
  readonly cpu: number;
  /**
   * Task memory in MiB, shared by the app and its PgBouncer sidecar. 0.00409 USD per GB-hour on
   * arm64 in London (x86_64: 0.00511) for as long as the task runs.
   */
  readonly memoryMiB: number;
  /** The app container's command (the image's entrypoint receives it). */
  readonly command: readonly string[];
  /** Run a PgBouncer sidecar and point the app at it; migrate talks to the database directly. */
  readonly withPgBouncer: boolean;
  /** Run the tracing collector beside the app (web and worker, with `compute.tracing`). @default false */
  readonly traced?: boolean;
  /**
   * The port the app listens on, mapped as `http` (web only: worker and migrate listen on none).
   * @default no port mapping
   */
  readonly appPort?: number;
  /**
   * A shell command for the app container's health check (worker).
   * @default no container health check (the web's health is the load balancer's check)
   */
  readonly healthCheckCommand?: string;
  /**
   * Time between SIGTERM and SIGKILL, for the app and the PgBouncer sidecar (Fargate allows up to
   * 120 seconds).
   * @default 30 seconds
   */
  readonly stopTimeout?: Duration;
  /**
   * Reuse this task role (migrate shares the worker's, so the pipeline passes exactly four roles).
   * @default a new role
   */
  readonly taskRole?: iam.IRole;
  /**
   * Reuse this execution role (pulls the image, reads the secrets), for the same reason.
   * @default a new role
   */
  readonly executionRole?: iam.IRole;
  /**
   * The app container's DATABASE_USER and DATABASE_PASSWORD instead of the runtime's (migrate
   * runs as the owner of the schema's tables).
   * @default the runtime's
   */
  readonly databaseCredentials?: DatabaseCredentials;
}

/**
 * A Fargate task definition with the application container and, for web and worker, the
 * PgBouncer sidecar it starts after: the app's DATABASE_HOST is 127.0.0.1:6432 and PgBouncer
 * pools transactions onto the database over TLS.
 */
export class AppTask extends Construct {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly app: ecs.ContainerDefinition;
  public readonly pgbouncer?: ecs.ContainerDefinition;
  /** The cache tunnel sidecar (`runtime.cacheTunnel`). */
  public readonly cacheTunnel?: ecs.ContainerDefinition;
  /** The tracing collector, with `compute.tracing` in a traced task. */
  public tracing?: ecs.ContainerDefinition;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppTaskProps) {
    super(scope, id);
    const { runtime } = props;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `${props.logPrefix}/${props.role}`,
      retention: runtime.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logging = (streamPrefix: string) => ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: `${props.logPrefix.slice(1).replace(/\//g, '-')}-${props.role}`,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: runtime.architecture === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      },
      taskRole: props.taskRole,
      executionRole: props.executionRole,
    });

    const traced = props.traced === true && runtime.tracing !== undefined;
    const tracingEnvironment: Record<string, string> =
      traced && runtime.tracing
        ? {
            OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
            OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
            OTEL_SERVICE_NAME: `${runtime.tracing.appName}-${runtime.tracing.environmentName}-${props.role}`,
            OTEL_RESOURCE_ATTRIBUTES: `deployment.environment=${runtime.tracing.environmentName}`,
            OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
            OTEL_TRACES_SAMPLER_ARG: String(runtime.tracing.samplingPercent / 100),
            OTEL_PROPAGATORS: 'tracecontext,baggage',
          }
        : {};
    const databaseEnvironment = props.withPgBouncer
      ? { DATABASE_HOST: '127.0.0.1', DATABASE_PORT: String(PGBOUNCER_PORT), DATABASE_SSLMODE: 'disable' }
      : {
          DATABASE_HOST: runtime.database.host,
          DATABASE_PORT: String(runtime.database.port),
          DATABASE_SSLMODE: 'require',
        };

    this.app = this.taskDefinition.addContainer('app', {
      containerName: APP_CONTAINER_NAME,
      image: runtime.image,
      command: [...props.command],
      essential: true,
      environment: {
        ...runtime.environment,
        ...databaseEnvironment,
        DATABASE_NAME: runtime.database.name,
        ...tracingEnvironment,
      },
      secrets: {
        ...runtime.secrets,
        ...(props.databaseCredentials
          ? { DATABASE_USER: props.databaseCredentials.username, DATABASE_PASSWORD: props.databaseCredentials.password }
          : {}),
      },
      logging: logging(props.role),
      portMappings:
        props.appPort === undefined
          ? undefined
          : [{ containerPort: props.appPort, protocol: ecs.Protocol.TCP, name: 'http' }],
      // The seed removed the web container's health check (the ALB decides); the worker's is process-based.
      healthCheck: props.healthCheckCommand
        ? {
            command: ['CMD-SHELL', props.healthCheckCommand],
            interval: Duration.seconds(30),
            timeout: Duration.seconds(5),
            retries: 3,
            startPeriod: Duration.seconds(30),
          }
        : undefined,
      stopTimeout: props.stopTimeout ?? Duration.seconds(30),
      readonlyRootFilesystem: runtime.appReadOnlyRootFilesystem,
    });
    if (runtime.appReadOnlyRootFilesystem) {
      this.taskDefinition.addVolume({ name: 'tmp' });
      this.app.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
    }

    if (traced) this.addTracingCollector(logging(TRACING_CONTAINER_NAME));
    if (runtime.cacheTunnel) {
      this.cacheTunnel = this.addCacheTunnel(
        runtime.cacheTunnel,
        logging('cache-tunnel'),
        props.stopTimeout ?? Duration.seconds(30),
      );
    }

    if (props.withPgBouncer) {
      this.pgbouncer = this.taskDefinition.addContainer('pgbouncer', {
        containerName: 'pgbouncer',
        image: runtime.pgbouncerImage,
        essential: true,
        user: '10001',
        readonlyRootFilesystem: true,
        environment: {
          DB_HOST: runtime.database.host,
          DB_PORT: String(runtime.database.port),
          DB_NAME: runtime.database.name,
          POOL_SIZE: String(runtime.pgbouncer.defaultPoolSize),
          MAX_CLIENT_CONN: String(runtime.pgbouncer.maxClientConnections),
        },
        secrets: { DB_USER: runtime.database.username, DB_PASSWORD: runtime.database.password },
        logging: logging('pgbouncer'),
        healthCheck: {
          command: ['CMD-SHELL', `nc -z 127.0.0.1 ${PGBOUNCER_PORT} || exit 1`],
          interval: Duration.seconds(10),
          timeout: Duration.seconds(3),
          retries: 3,
          startPeriod: Duration.seconds(10),
        },
        // Outlives the app on shutdown so in-flight transactions can finish.
        stopTimeout: props.stopTimeout ?? Duration.seconds(30),
      });
      this.taskDefinition.addVolume({ name: 'pgbouncer-run' });
      this.pgbouncer.addMountPoints({
        sourceVolume: 'pgbouncer-run',
        containerPath: '/run/pgbouncer',
        readOnly: false,
      });
      this.app.addContainerDependencies({
        container: this.pgbouncer,
        condition: ecs.ContainerDependencyCondition.HEALTHY,
      });
    }
  }

  /** The cache tunnel: essential (no cache, no app), healthy before the app starts, 32 MiB reserved. */
  private addCacheTunnel(
    tunnel: NonNullable<AppRuntime['cacheTunnel']>,
    logging: ecs.LogDriver,
    stopTimeout: Duration,
  ): ecs.ContainerDefinition {
    const container = this.taskDefinition.addContainer('cache-tunnel', {
      containerName: 'cache-tunnel',
      image: tunnel.image,
      command: ['tls-client'],
      essential: true,
      readonlyRootFilesystem: true,
      memoryReservationMiB: 32,
      environment: { CACHE_HOST: tunnel.host },
      secrets: { CACHE_PSK: tunnel.psk },
      logging,
      healthCheck: STUNNEL_HEALTH_CHECK,
      // Outlives the app on shutdown, so its last writes (acks) reach the cache.
      stopTimeout,
    });
    this.taskDefinition.addVolume({ name: 'cache-tunnel-run' });
    container.addMountPoints({ sourceVolume: 'cache-tunnel-run', containerPath: TUNNEL_RUN_DIR, readOnly: false });
    this.app.addContainerDependencies({ container, condition: ecs.ContainerDependencyCondition.HEALTHY });
    return container;
  }

  /**
   * The collector: not essential (a crashed collector loses spans, never the task), started
   * before the app so its first spans have somewhere to go, up to 128 MiB of the task's memory.
   */
  private addTracingCollector(logging: ecs.LogDriver): void {
    this.tracing = this.taskDefinition.addContainer(TRACING_CONTAINER_NAME, {
      containerName: TRACING_CONTAINER_NAME,
      image: ecs.ContainerImage.fromRegistry(TRACING_COLLECTOR_IMAGE),
      command: ['--config=/etc/ecs/ecs-xray.yaml'],
      essential: false,
      memoryReservationMiB: 64,
      memoryLimitMiB: 128,
      readonlyRootFilesystem: true,
      logging,
    });
    this.app.addContainerDependencies({
      container: this.tracing,
      condition: ecs.ContainerDependencyCondition.START,
    });
    this.taskDefinition.addToTaskRolePolicy(
      new iam.PolicyStatement({ sid: 'TracingToXRay', actions: TRACING_ACTIONS, resources: ['*'] }),
    );
    acknowledgeFindings(
      this.taskDefinition,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*'],
      'The tracing collector sends spans to X-Ray and reads its sampling rules: xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules and GetSamplingTargets have no resource type',
    );
  }
}

/** Findings every application task definition shares, with their reasons. */
export function acknowledgeTaskFindings(task: AppTask): void {
  acknowledge(
    task.taskDefinition,
    'AwsSolutions::AwsSolutions-ECS2',
    'Only non-secret facts are plain environment variables (hosts, ports, names, settings); passwords, tokens and keys come through ECS secrets from Secrets Manager and SSM SecureString',
  );
}
