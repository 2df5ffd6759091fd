/**
 * The environment schema: every choice that shapes what is built or what it costs is a field
 * here, with its default documented. `src/config/dev.ts` and `prod.ts` are values of these types.
 */

/**
 * The states an environment is priced in (the seed's cost table). `running`: everything up.
 * `paused`: web and worker at zero tasks and the database stopped; ALB, cache and DNS kept.
 * `minimal`: paused, plus no ALB, no services and no cache.
 */
export type EnvironmentState = 'running' | 'paused' | 'minimal';
export const ENVIRONMENT_STATES: readonly EnvironmentState[] = ['running', 'paused', 'minimal'];

/**
 * What a deploy builds. `running`: the full platform (whether its tasks run or it is paused is the
 * state record's business, changed by `booking-infra pause` / `resume`, never by a deploy).
 * `minimal`: no ALB, no services, no cache; reached with `booking-infra minimal <env>` and then a
 * deploy of this value. Pausing is not a deploy-time choice.
 */
export type DeployedStructure = 'running' | 'minimal';
export const DEPLOYED_STRUCTURES: readonly DeployedStructure[] = ['running', 'minimal'];

/**
 * How tasks reach the internet.
 * - `public`: tasks in public subnets with a public IPv4 address each (3.65 USD/month per task)
 *   and no NAT gateway. The seed's dev set-up; cheapest for one or two tasks.
 * - `nat-single`: tasks in private subnets behind one NAT gateway (~36.50 USD/month + 0.05/GB in
 *   London, plus its public IPv4). One AZ's outage cuts egress for both.
 * - `nat-per-az`: one NAT gateway per AZ; survives an AZ outage, costs one NAT per AZ.
 */
export type EgressMode = 'public' | 'nat-single' | 'nat-per-az';
export const EGRESS_MODES: readonly EgressMode[] = ['public', 'nat-single', 'nat-per-az'];

/** Prefix lengths of the three subnet tiers; one subnet of each tier per AZ. */
export interface SubnetMasks {
  /** ALB nodes, NAT gateways and (in `public` egress mode) tasks. */
  readonly public: number;
  /** ECS tasks when egress goes through NAT; Lambdas that need the VPC. */
  readonly private: number;
  /** Database and cache; no route to the internet. */
  readonly isolated: number;
}

export interface FlowLogsConfig {
  /**
   * Record VPC flow logs to CloudWatch Logs. Costs log ingestion (~0.60 USD/GB in London).
   */
  readonly enabled: boolean;
  /** Days to keep flow-log records; a value CloudWatch Logs accepts. */
  readonly retentionDays: number;
}

/**
 * AWS services an interface VPC endpoint can be made for, by short name: `ecr-api` and `ecr-dkr`
 * (image pulls: the API for tokens and manifests, the registry for layer URLs; the layers
 * themselves come from S3 through the free gateway endpoint), `logs` (CloudWatch Logs), `ssm`,
 * `ssmmessages` and `ec2messages` (Parameter Store and ECS Exec sessions), `secretsmanager`,
 * `sts`.
 */
export type InterfaceEndpointName =
  'ecr-api' | 'ecr-dkr' | 'logs' | 'ssm' | 'ssmmessages' | 'ec2messages' | 'secretsmanager' | 'sts';

export interface NetworkConfig {
  /** The VPC's IPv4 range, e.g. `10.10.0.0/16`. Must not overlap another environment's. */
  readonly cidr: string;
  readonly subnetMasks: SubnetMasks;
  readonly egress: EgressMode;
  readonly flowLogs: FlowLogsConfig;
  /**
   * Interface VPC endpoints, one per listed service, each in the private subnet of every AZ with
   * private DNS on (the usual service names resolve to it inside the VPC), behind one security
   * group that admits HTTPS from the web and worker tasks (and the credential-rotation functions)
   * only. None while `minimal` (no task runs). A Secrets Manager endpoint the rotation functions
   * need without a NAT gateway is this list's `secretsmanager` when listed, never a second one.
   *
   * Cost in London: 0.011 USD per endpoint per AZ-hour (8.03 USD/month per endpoint and AZ, 16.06
   * in two AZs) plus 0.01 USD per GB processed (`usage.endpointDataGiB`), against the NAT
   * gateway's 0.05 USD per GB: an endpoint set pays for itself only above its fixed cost / 0.04
   * GB a month of AWS-bound traffic (`npx booking-infra cost <env>` prints the break-even). With
   * `public` egress they save nothing: AWS-bound traffic leaves through the internet gateway
   * with no processing charge. `[]` for none.
   */
  readonly interfaceEndpoints: readonly InterfaceEndpointName[];
}

export interface DatabaseConfig {
  /** RDS class, e.g. `db.t4g.micro` (13.14 USD/month Single-AZ in London). */
  readonly instanceClass: string;
  /** A standby in a second AZ. Doubles the instance and storage price. */
  readonly multiAz: boolean;
  /** Initial gp3 storage in GiB (20 is RDS's minimum for gp3). */
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling in GiB; storage grows to it on demand. */
  readonly maxAllocatedStorageGiB: number;
  /** Days of automated backups, 1-35. Backup storage up to the database's size is free. */
  readonly backupRetentionDays: number;
  /**
   * The PostgreSQL version new instances get, `major.minor` (e.g. `18.6`; RDS refuses a bare major
   * for new instances). The major must be one aws-cdk-lib knows, and the version no older than the
   * newest minor it lists for that major; a newer one is allowed (AWS ships minors before the
   * library lists them, and CloudFormation checks the value at deploy). Later minors arrive in the
   * maintenance window (automatic minor upgrades); changing the major here is a major upgrade,
   * which this platform does not allow in place.
   */
  readonly engineVersion: string;
  /**
   * Create the instance from a snapshot of another database (e.g. the Terraform platform's final
   * snapshot) instead of an empty one: its data, users and the snapshot's encryption come with it
   * (an unencrypted snapshot gives an unencrypted instance unless it is copied with a KMS key
   * first). A new master password is generated into the secret. Omit for an empty database.
   *
   * Changing or removing it later REPLACES the instance (a new, empty or re-restored database):
   * set it on the first deploy of the environment and leave it as it is afterwards.
   *
   * Cost: the snapshot's storage beyond the free backup allowance (0.10 USD per GB-month in
   * London) while it is kept; a restore takes ~10-30 minutes for a small database.
   */
  readonly restoreFromSnapshot?: SnapshotRestoreConfig;
  /**
   * What keeps the data while the environment is `minimal`:
   * - `stopped`: the instance stays, stopped (the guard stops it again when AWS restarts it after
   *   seven days). Its storage bills on: 0.133 USD per GB-month (gp3, Single-AZ, London), 2.66
   *   USD/month for the smallest 20 GB volume, whatever the data's size. Leaving minimal takes a
   *   few minutes (a start).
   * - `snapshot`: `booking-infra minimal` takes a manual snapshot once the services drained
   *   (0.10 USD per GB-month of data, e.g. 0.10 USD/month for 1 GB), and the minimal deploy deletes
   *   the instance (CloudFormation keeps a final snapshot besides, the same data, so no more
   *   storage). Leaving minimal, the deploy restores it from that snapshot: set
   *   `restoredFromMinimalSnapshot` to the snapshot `resume` names; a restore takes ~10-30 minutes.
   *   Refused with `deletionProtection` (the protected instance is retained, not deleted, by the
   *   minimal deploy) and so in production.
   * @default 'stopped'
   */
  readonly whileMinimal?: DatabaseWhileMinimal;
  /**
   * With `whileMinimal: 'snapshot'`, once the environment has left `minimal` for the first time:
   * the snapshot the instance was last restored from (`resume` prints it, e.g.
   * `booking-dev-minimal-20261128t013000z`). CloudFormation creates the instance from it, so set it
   * when leaving minimal and leave it as it is while the instance exists: changing it would
   * replace the database, which the data stack's gate refuses. The next `minimal` cycle names a
   * new snapshot, set then. Cleanup never deletes the one the state record names. The restore
   * needs `engineVersion` at least the snapshot's (automatic minor upgrades may have moved the
   * instance past it; the gate refuses before the restore, naming the version to set) and
   * `allocatedStorageGiB` at least the snapshot's (raise it first if storage autoscaling grew the
   * database: RDS refuses a smaller volume, and the deploy rolls back).
   * @default the instance was created empty (or from restoreFromSnapshot)
   */
  readonly restoredFromMinimalSnapshot?: string;
  /**
   * Rotation of the database credentials by Secrets Manager, every `everyDays` days: the master
   * and the migration owner single-user, the application's with alternating users (`<app>_app`
   * and `<app>_app_clone`), so the credentials running tasks hold stay valid until the next
   * rotation; each rotation of the application's secret replaces the web and worker tasks
   * (a rolling deployment) so they pick the new credentials up. Off: the passwords never change.
   *
   * Cost: the rotation functions (hosted by Secrets Manager, in the VPC) cost nothing noticeable,
   * but must reach the Secrets Manager API: through the NAT gateway when the environment has one
   * (prod), else through a Secrets Manager interface endpoint added for them, 0.011 USD per
   * AZ-hour in London (16.06 USD/month in two AZs) plus 0.01 USD per GB, which is why dev keeps
   * rotation off.
   * @default { enabled: false, everyDays: 30 }
   */
  readonly credentialRotation?: CredentialRotationConfig;
}

/** `database.credentialRotation`. */
export interface CredentialRotationConfig {
  readonly enabled: boolean;
  /** Days between rotations, 1-365 (Secrets Manager allows up to 1000). */
  readonly everyDays: number;
}

/** What keeps the data while `minimal` (`database.whileMinimal`). */
export type DatabaseWhileMinimal = 'stopped' | 'snapshot';
export const DATABASE_WHILE_MINIMAL: readonly DatabaseWhileMinimal[] = ['stopped', 'snapshot'];

/** The snapshot a database is restored from (`database.restoreFromSnapshot`). */
export interface SnapshotRestoreConfig {
  /**
   * The DB snapshot's identifier (same account and region, e.g. `booking-dev-final`) or its ARN
   * (`arn:aws:rds:eu-west-2:111111111111:snapshot:booking-dev-final`, also for a shared snapshot).
   */
  readonly snapshotIdentifier: string;
  /**
   * The snapshot's master user name (the old database's, e.g. the Terraform module's
   * `username`): RDS keeps it; only the password is new.
   */
  readonly masterUsername: string;
}

/** ElastiCache engines. Valkey costs ~20% less than Redis OSS on the same node. */
export type CacheEngine = 'valkey' | 'redis';
export const CACHE_ENGINES: readonly CacheEngine[] = ['valkey', 'redis'];

export interface CacheConfig {
  readonly engine: CacheEngine;
  /** Node type, e.g. `cache.t4g.micro` (10.51 USD/month with Valkey in London). */
  readonly nodeType: string;
  /** Nodes in the replication group: 1 = primary only; 2+ adds replicas with automatic failover. */
  readonly nodes: number;
  /**
   * Days of daily snapshots (0-35); above 0 a final snapshot is also taken when the cache is
   * deleted (stack deletion or the `minimal` state). 0 keeps none: the queue is lost with it.
   */
  readonly snapshotRetentionDays: number;
  /**
   * Where the cache runs.
   * - `elasticache` (default): an ElastiCache replication group of `nodes` x `nodeType` (a
   *   cache.t4g.micro Valkey node 10.51 USD/month in London), billed while paused: ElastiCache
   *   cannot be stopped.
   * - `task` (not in production: one task, no replica, no failover): Valkey in an ECS task
   *   (`task`), scaled to 0 by `pause` with web and worker, so a paused environment pays nothing
   *   for it; its data (the append-only file) on an encrypted EFS file system, so queued and
   *   delayed Dramatiq messages survive a pause or a Spot interruption. Traffic leaves a task only
   *   through TLS (stunnel with a pre-shared key at both ends: the app keeps talking to
   *   127.0.0.1:6379, where a tunnel sidecar listens). `engine` must be `valkey`, `nodes` 1;
   *   `nodeType` and `snapshotRetentionDays` do not apply.
   */
  readonly hosting?: CacheHosting;
  /**
   * `hosting: 'task'`: the cache task's size (Fargate CPU units and MiB; Valkey may use 75% of the
   * memory) and whether it runs on Fargate Spot (~70% cheaper; an interruption stops it with a
   * two-minute notice, Valkey writes its file and a new task takes over in about a minute).
   * 256 CPU / 512 MiB on arm64 Spot in London: 2.49 USD/month, plus its public IPv4 address
   * (3.65) with `public` egress.
   */
  readonly task?: CacheTaskConfig;
}

/** Where the cache runs (`cache.hosting`). */
export type CacheHosting = 'elasticache' | 'task';
export const CACHE_HOSTINGS: readonly CacheHosting[] = ['elasticache', 'task'];

export interface CacheTaskConfig {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly spot: boolean;
}

/** Task CPU architecture: ARM64 (Graviton) costs ~20% less than x86_64 for the same size. */
export type CpuArchitecture = 'arm64' | 'x86_64';
export const CPU_ARCHITECTURES: readonly CpuArchitecture[] = ['arm64', 'x86_64'];

/** How a service's tasks are spread over regular Fargate and Fargate Spot (~70% cheaper, interruptible). */
export interface CapacityMix {
  /** Tasks that always run on regular (on-demand) Fargate, before any Spot. */
  readonly onDemandBase: number;
  /** Percentage of the tasks above the base that run on Fargate Spot (0-100). */
  readonly spotPercent: number;
}

/** Size, bounds and command of one ECS service. */
export interface ServiceConfig {
  /** Task CPU units (256 = 0.25 vCPU); a Fargate size with `memoryMiB`. */
  readonly cpu: number;
  /** Task memory in MiB, shared by the app and its PgBouncer sidecar. */
  readonly memoryMiB: number;
  /** Scaling floor in the `running` state (0 allowed for the worker: it scales from zero). */
  readonly minTasks: number;
  /** Scaling ceiling; also bounds the PgBouncer pools against `max_connections`. */
  readonly maxTasks: number;
  readonly capacity: CapacityMix;
  /**
   * Scheduled minimums (seed: "scheduled scaling actions"), e.g. business hours:
   * `[{ name: 'business-hours', days: 'MON-FRI', from: '08:30', to: '18:00', minTasks: 3 }]`, in
   * `compute.timezone`: the minimum rises at `from` and falls back to `minTasks` at `to`; target
   * tracking still scales above it, up to `maxTasks`. Paused, they are suspended; with a
   * `schedule`, validation keeps each window inside its running hours. Each extra task costs what
   * a task costs for the window's hours (not in the estimate, which prices the minimum).
   */
  readonly scheduledMinimums?: readonly ScheduledMinimum[];
  /**
   * The container command (the image's entrypoint receives it). In `web.command`, `{appPort}`
   * stands for `compute.appPort`; a port written out must equal it.
   */
  readonly command: readonly string[];
}

export interface WebConfig extends ServiceConfig {
  /** Target average CPU for scaling (percent). */
  readonly cpuTargetPercent: number;
  /**
   * Target ALB requests per task per minute for scaling (a second target tracking policy beside
   * CPU, 0.20 USD/month for its two alarms). Needs `ingress.kind: 'alb'`: the metric is the
   * target group's. Absent: CPU only.
   */
  readonly requestsPerTaskPerMinute?: number;
  /**
   * The web container's own health check: a shell command run in the app container every 30 s,
   * `{appPort}` standing for `compute.appPort`. Required with `ingress.kind: 'http-api'` (no load
   * balancer checks `/health/` then: this is what replaces an unhealthy task and lets the
   * deployment circuit breaker see a release that never becomes healthy). With the ALB it is
   * optional (the target group's check on `/health/` does that job).
   */
  readonly healthCheckCommand?: string;
  /**
   * Predictive scaling beside the target tracking (seed: "predictive scaling"): Application Auto
   * Scaling learns the daily and weekly pattern of the service's CPU (two weeks of history at most,
   * 24 hours at least) and, with `ForecastAndScale`, adds tasks 5 minutes before the load it
   * forecasts, up to `maxTasks` (never above it: paused, that is 0). `ForecastOnly` publishes the
   * forecast without acting: watch it against the real load first. No charge. Absent: none.
   */
  readonly predictiveScaling?: 'ForecastOnly' | 'ForecastAndScale';
}

export interface WorkerConfig extends ServiceConfig {
  /** Dramatiq queues whose backlog drives scaling. */
  readonly queues: readonly string[];
  /** Waiting messages one worker task is expected to handle; each multiple adds a task. */
  readonly messagesPerTask: number;
  /** Seconds between SIGTERM and SIGKILL so in-flight jobs can finish (Fargate allows up to 120). */
  readonly stopTimeoutSeconds: number;
  /** Container health check: a shell command that fails when the worker process is gone. */
  readonly healthCheckCommand: string;
}

/** The PgBouncer sidecar (transaction pooling) each web and worker task runs. */
export interface PgBouncerConfig {
  /** Server connections per task (default_pool_size). Checked against the database's `max_connections`. */
  readonly defaultPoolSize: number;
  /** Client connections a task's PgBouncer accepts (max_client_conn). */
  readonly maxClientConnections: number;
  /** Connections kept free for migrations, admin and RDS itself. */
  readonly reservedConnections: number;
}

export interface ComputeConfig {
  readonly architecture: CpuArchitecture;
  /** Container Insights metrics (billed per task and service as CloudWatch metrics). */
  readonly containerInsights: boolean;
  /**
   * ECS Exec: a shell in a running web or worker task (`aws ecs execute-command`), every session's
   * input and output logged to `/<app>-<env>/ecs-exec`. No charge beyond the log storage. The shell
   * holds the task's credentials (the database's, the cache's): off in production unless the
   * risk `ecs-exec` is accepted, the break-glass switch (a deploy turns it on, one turns it off).
   */
  readonly ecsExec: boolean;
  /** The image tag the first deploy runs; the pipeline then records each release's image. */
  readonly imageTag: string;
  /**
   * The port the web app listens on, set here only: the target group and its health check, the
   * web container's port mapping, the one port the ALB may reach on web tasks, and the bind of
   * `web.command` (written `{appPort}`) all take it. Not 6432, PgBouncer's port in the task.
   */
  readonly appPort: number;
  /**
   * Make the app container's root filesystem read-only with a writable /tmp volume. Turn on
   * when the image writes nowhere else (and declares `VOLUME /tmp` if it runs as non-root).
   */
  readonly appReadOnlyRootFilesystem: boolean;
  /** Load-balancer access logs to an encrypted S3 bucket (storage billed per GB). */
  readonly loadBalancerAccessLogs: boolean;
  readonly web: WebConfig;
  readonly worker: WorkerConfig;
  readonly pgbouncer: PgBouncerConfig;
  /** The one-off migration task's command. */
  readonly migrateCommand: readonly string[];
  /** Non-secret environment variables for the application (secrets go in `applicationSecrets`). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * IANA time zone of `scheduledMinimums` (e.g. `Europe/London`, which follows summer time).
   * @default the `schedule`'s time zone, else `UTC`
   */
  readonly timezone?: string;
  /**
   * Distributed tracing to AWS X-Ray (seed monitoring module's "X-Ray tracing (optional)"): an
   * AWS Distro for OpenTelemetry collector beside the app in web and worker tasks (not essential:
   * tracing never stops a task), the app told where to send spans and what share to keep through
   * the standard `OTEL_*` variables. The application must be instrumented (e.g. run under
   * `opentelemetry-instrument` with the Django, psycopg and redis instrumentations).
   * Cost: 5.00 USD per million traces recorded (the account's first 100,000 a month are free; the
   * estimate does not deduct them): `usage.requestsMillions` x `samplingPercent` / 100 million
   * traces a month. The collector takes up to 128 MiB of the task's memory.
   * @default off
   */
  readonly tracing?: TracingConfig;
}

/** One window of `scheduledMinimums`. */
export interface ScheduledMinimum {
  /** Letters, digits and hyphens; unique per service. */
  readonly name: string;
  /** Cron day-of-week: `MON-FRI`, `SAT,SUN`, `MON`, ... */
  readonly days: string;
  /** `HH:MM`, 24-hour, in `compute.timezone`. */
  readonly from: string;
  readonly to: string;
  /** The minimum during the window: above the service's `minTasks`, at most its `maxTasks`. */
  readonly minTasks: number;
}

/** `compute.tracing`. */
export interface TracingConfig {
  readonly enabled: boolean;
  /** Percentage of requests traced, above 0 and at most 100 (5 keeps a busy API's bill small). */
  readonly samplingPercent: number;
}

/** The environment's release pipeline (GitHub -> build -> migrate -> deploy). */
export interface PipelineConfig {
  /** The branch whose pushes release to this environment, e.g. `develop` or `main`. */
  readonly branch: string;
  /** Wait for a person to approve before migrating and deploying (prod). */
  readonly manualApproval: boolean;
  /**
   * The environment whose releases this one promotes: an image another pipeline already built
   * for the commit is used only if that environment released it (it carries a `release-<env>-`
   * tag), so prod runs what dev ran; the pipeline's own builds are always allowed.
   * @default undefined: any image already built for the commit is promoted
   */
  readonly promoteFrom?: string;
  /**
   * Stop a release whose image has ECR scan findings (basic scanning on push, no charge) of this
   * severity or worse: `critical`, `high`, or `off`. The build waits for the scan (seconds to a
   * few minutes) when on.
   */
  readonly scanGate: ScanGate;
}

/** The severity of scan findings that stops a release, or `off`. */
export type ScanGate = 'off' | 'critical' | 'high';
export const SCAN_GATES: readonly ScanGate[] = ['off', 'critical', 'high'];

/** When the environment pauses and resumes by itself (EventBridge Scheduler expressions). */
export interface ScheduleConfig {
  /** IANA time zone of the expressions, e.g. `Europe/London`. */
  readonly timezone: string;
  /** e.g. `cron(0 20 ? * MON-FRI *)`: every weekday at 20:00. */
  readonly pause: string;
  /** e.g. `cron(0 7 ? * MON-FRI *)`: weekdays at 07:00, so weekends stay paused. */
  readonly resume: string;
}

/** The application's source repository on GitHub. */
export interface SourceRepositoryConfig {
  readonly owner: string;
  readonly repository: string;
}

/**
 * What the environment is expected to use in a month: the cost estimator prices usage-billed
 * items from these and prints them with every estimate. Rough is fine; explicit is the point.
 */
export interface UsageAssumptions {
  /** Average load-balancer capacity units (LCU) in use; 1 LCU ~ 25 new connections/s. */
  readonly albLcu: number;
  /** GB a month processed by NAT gateways (all of them together). */
  readonly natDataGiB: number;
  /**
   * GB a month processed by the interface VPC endpoints (`network.interfaceEndpoints`, all of
   * them together; 0.01 USD/GB in London). Traffic an endpoint carries no longer goes through
   * the NAT gateway: move it out of `natDataGiB`. @default 0
   */
  readonly endpointDataGiB?: number;
  /** GB a month of logs ingested into CloudWatch Logs (application, platform, flow logs). */
  readonly logIngestGiB: number;
  /** GB of images kept in ECR. */
  readonly ecrStorageGiB: number;
  /** CodeBuild minutes a month. */
  readonly buildMinutes: number;
  /** CodePipeline V2 action-execution minutes a month. */
  readonly pipelineActionMinutes: number;
  /** GB kept in S3 (static and media files): the files bucket, and its replica with `backup.replicateBucket`. */
  readonly s3StorageGiB: number;
  /**
   * GB kept in the platform's log and artifact buckets together (load balancer and CDN access
   * logs, pipeline artifacts), split evenly between them. @default 0
   */
  readonly s3LogsGiB?: number;
  /**
   * Thousands of PUT, COPY, POST and LIST requests a month to the files bucket (uploads,
   * collectstatic). @default 0
   */
  readonly s3PutThousands?: number;
  /** Tens of thousands of GET requests a month to the files bucket (CloudFront misses, the app). @default 0 */
  readonly s3GetTenThousands?: number;
  /** GB a month served by CloudFront. */
  readonly cdnDataGiB: number;
  /** Millions of HTTP requests a month to the API (WAF and CDN request charges). */
  readonly requestsMillions: number;
  /**
   * Millions of requests a month CloudFront serves from the bucket (static and media files).
   * @default requestsMillions
   */
  readonly cdnRequestsMillions?: number;
  /** GB of RDS backups in total; only what exceeds the provisioned storage is billed. */
  readonly databaseBackupGiB: number;
  /**
   * GB of data in the database: the size of a full snapshot (AWS Backup's first recovery point,
   * and the first copy to another region). @default database.allocatedStorageGiB
   */
  readonly databaseDataGiB?: number;
  /**
   * GB the database changes a day: each later snapshot and copy stores only this. AWS Backup keeps
   * ~ databaseDataGiB + databaseDailyChangeGiB x the longest retention. @default 5% of databaseDataGiB
   */
  readonly databaseDailyChangeGiB?: number;
  /** GB a month written to the files bucket: what replication copies (`backup.replicateBucket`). @default 10% of s3StorageGiB */
  readonly s3NewGiBPerMonth?: number;
  /**
   * Discount of Fargate Spot on the on-demand price (0-1). AWS says "up to 70% off" and rates
   * float; 0.7 is the discount seen in London.
   */
  readonly fargateSpotDiscount: number;
  /**
   * Reads a month of the ops state table: the guard reads the record and the lock every 5 minutes
   * (2 x 8,640), plus CLI and schedule runs.
   */
  readonly stateTableReadsPerMonth: number;
  /** Writes a month of the ops state table: each transition writes ~6 items (lock, record, journal). */
  readonly stateTableWritesPerMonth: number;
}

/** The monthly AWS Budgets budget of the environment, alerting the ops topic. */
export interface BudgetConfig {
  /**
   * The budget, USD a month: the estimate of the configured state (`npx booking-infra cost`)
   * plus `marginPercent`, rounded up. Committed here so a synth builds the app once; a test fails,
   * naming the value to set, when it drifts from the estimate. Budgets themselves are free (the
   * first two per account).
   */
  readonly monthlyLimitUsd: number;
  /** How far above the estimate the budget sits, in percent. */
  readonly marginPercent: number;
}

/**
 * One deployable environment (dev, prod, ...). Only `buildApp()` reads it; modules receive the
 * parts they need as props.
 */
/** `storage`: one bucket, `static/` (collectstatic) and `media/` (user uploads) prefixes. */
export interface StorageConfig {
  /**
   * Keep every version of every object (prod on: an overwrite or a delete can be undone);
   * noncurrent versions expire after `noncurrentVersionDays` and are billed until then.
   */
  readonly versioning: boolean;
  /** Days a replaced or deleted version is kept (with `versioning`), 1-3650. */
  readonly noncurrentVersionDays: number;
  /**
   * Origins a browser may upload from or read with CORS (e.g. the Vercel frontend,
   * `https://usa-berko.lichnails.co.uk`). `*` is refused in production.
   */
  readonly corsAllowedOrigins: readonly string[];
  /**
   * The seed's `media_cleanup`: objects under `prefix` expire `days` days after they are written
   * (e.g. abandoned uploads under `media/tmp/`). The prefix must lie under `media/`, so static
   * files never expire. `days: 0` turns the rule off.
   */
  readonly mediaCleanup: { readonly prefix: string; readonly days: number };
}

/** CloudFront price classes: which edge locations serve (and what they charge). */
export type CdnPriceClass = 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';
export const CDN_PRICE_CLASSES: readonly CdnPriceClass[] = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'];

/** `cdn`. */
export interface CdnConfig {
  readonly enabled: boolean;
  /**
   * The distribution's host, inside the shared domain, e.g. `static-dev.lichnails.co.uk`. Its
   * certificate is issued in us-east-1 (CloudFront's region) by the environment's edge stack.
   */
  readonly host: string;
  /**
   * `PriceClass_100` (North America and Europe: the cheapest edges, enough for a UK salon's
   * customers), `PriceClass_200`, or `PriceClass_All`.
   */
  readonly priceClass: CdnPriceClass;
  /** CloudFront standard access logs to a bucket (S3 storage of the logs only). */
  readonly accessLogs: boolean;
  /**
   * The Content-Security-Policy header the distribution adds to every response.
   * @default "default-src 'none'; img-src 'self'; style-src 'self'; font-src 'self'; script-src 'self'"
   */
  readonly contentSecurityPolicy?: string;
}

/** AWS managed rule groups the web ACL may use, by short name. */
export type WafManagedRuleGroup = 'common' | 'known-bad-inputs' | 'sql-database' | 'ip-reputation';
export const WAF_MANAGED_RULE_GROUPS: Readonly<Record<WafManagedRuleGroup, string>> = {
  common: 'AWSManagedRulesCommonRuleSet',
  'known-bad-inputs': 'AWSManagedRulesKnownBadInputsRuleSet',
  'sql-database': 'AWSManagedRulesSQLiRuleSet',
  'ip-reputation': 'AWSManagedRulesAmazonIpReputationList',
};

/**
 * Thresholds of the alarms that page the ops topic (src/modules/monitoring), and whether the
 * environment has a dashboard. Every field is optional; the default is in its comment. Each
 * standard alarm costs 0.10 USD/month, the composite "platform down" alarm 0.50 USD/month, and
 * the dashboard 3 USD/month (the first 3 dashboards of an account are free; the estimator does
 * not deduct account-wide free tiers).
 */
export interface MonitoringConfig {
  /** Database CPU (average) above this percentage for 15 minutes pages. @default 80 */
  readonly databaseCpuPercent?: number;
  /** Database free storage below this many GiB pages (before autoscaling hits its ceiling). @default 2 */
  readonly databaseFreeStorageGiB?: number;
  /** Database connections above this percentage of `max_connections` pages. @default 80 */
  readonly databaseConnectionsPercent?: number;
  /**
   * Cache memory used (DatabaseMemoryUsagePercentage, of `maxmemory`) above this percentage on
   * any node pages: with `noeviction`, enqueues fail when it is full. @default 75
   */
  readonly cacheMemoryPercent?: number;
  /** 5xx responses above this percentage of the load balancer's requests pages. @default 5 */
  readonly http5xxPercent?: number;
  /** A CloudWatch dashboard named after the environment (3 USD/month). @default true */
  readonly dashboard?: boolean;
}

/**
 * `backup`: AWS Backup of the database (seed future module 3), beside RDS's own automated backups
 * (`database.backupRetentionDays`, point-in-time restore), which stay. There is no EBS volume in
 * this platform (Fargate tasks have none to back up), so the seed's "EBS volume snapshots" has
 * nothing to apply to.
 */
export interface BackupConfig {
  readonly enabled: boolean;
  /**
   * Days each daily recovery point (03:00 UTC, 1.5 h after the RDS backup window) is kept, 7-35.
   * AWS Backup advises at least 7: an incremental snapshot needs the previous one.
   */
  readonly dailyRetentionDays: number;
  /** Days each Sunday's recovery point is kept; 0 = no weekly rule. */
  readonly weeklyRetentionDays: number;
  /** Days each 1st-of-the-month recovery point is kept; 0 = no monthly rule. */
  readonly monthlyRetentionDays: number;
  /**
   * Encrypt the vault with a customer managed KMS key (1 USD/month, rotated yearly) instead of
   * AWS Backup's AWS managed key: required to share or copy recovery points to another account,
   * and the key policy is yours. RDS snapshots keep the database's own key in the primary vault;
   * a copy to another region is encrypted with the destination vault's key.
   */
  readonly customerManagedKey: boolean;
  /**
   * Copy every recovery point to a vault in another region (the DR region), kept `retentionDays`.
   * The vault (and its key with `customerManagedKey`) is in the environment's `recovery` stack in
   * that region. Cost: the copies' storage there plus 0.02 USD per GB copied.
   */
  readonly copy?: BackupCopyConfig;
  /**
   * AWS Backup Vault Lock on both vaults. `governance`: recovery points cannot be deleted or
   * shortened except by principals allowed `backup:DeleteBackupVaultLockConfiguration`; the lock
   * can be removed. `compliance`: after `changeableForDays` (at least 3) NOBODY, not even the root
   * user or AWS, can delete a recovery point before its retention ends, remove the lock or delete
   * the vault while it holds points: you pay for the storage until the last point expires.
   */
  readonly vaultLock?: VaultLockConfig;
  /**
   * Replicate the media bucket (`storage`) to a bucket in the copy's region (S3 Cross-Region
   * Replication): every new object version within minutes; deletions are not replicated, so the
   * replica also guards against a deleted object. Needs `storage.versioning` and `copy`.
   * Cost: the replica's S3 Standard storage there, its PUT requests, and 0.02 USD per GB copied.
   */
  readonly replicateBucket: boolean;
  /** The monthly restore drill: a schedule in the environment runs `restore-drill` and pages on failure. */
  readonly drill: RestoreDrillConfig;
  /**
   * When the rules start (UTC, within an hour): 3 by default, 1.5 h after the RDS backup window
   * and clear of the Sunday maintenance window (01:00-02:30 is refused). RDS cannot snapshot a
   * stopped instance, so an environment whose `schedule` stops the database at night and at
   * weekends must back up while it runs: e.g. `{ hourUtc: 12, weekdaysOnly: true }` (weekly rules
   * then run on Mondays, monthly ones on the first Monday). A manual pause also stops the
   * database: each night's job then fails (and pages) until resume.
   * @default { hourUtc: 3, weekdaysOnly: false }
   */
  readonly window?: BackupWindowConfig;
}

export interface BackupWindowConfig {
  readonly hourUtc: number;
  readonly weekdaysOnly: boolean;
}

export interface BackupCopyConfig {
  /** The DR region, e.g. `us-east-1`; another region than the environment's, with a price table. */
  readonly region: string;
  /** Days each copy is kept there. */
  readonly retentionDays: number;
}

export interface VaultLockConfig {
  readonly mode: 'governance' | 'compliance';
  /** Recovery points must be kept at least this many days (every rule's retention must be >= it). */
  readonly minRetentionDays: number;
  /** And at most this many (every rule's retention must be <= it). */
  readonly maxRetentionDays: number;
  /** `compliance` only: days (>= 3) during which the lock can still be removed. */
  readonly changeableForDays?: number;
}

export interface RestoreDrillConfig {
  /**
   * Run the drill on a schedule (a Step Functions state machine started by EventBridge Scheduler
   * on the 1st of each month, 04:00 UTC), alarming to the ops topic when it fails.
   */
  readonly monthly: boolean;
  /**
   * The class of the temporary instance (Single-AZ, deleted when the drill ends), e.g.
   * `db.t4g.micro`: the drill proves the backup restores, not production's speed. Priced per
   * hour: one drill of about an hour costs its hourly price plus an hour of its storage.
   */
  readonly instanceClass: string;
}

/** `waf`. */
export interface WafConfig {
  readonly enabled: boolean;
  /** `block` enforces; `count` only counts what would be blocked (roll-out: watch, then block). */
  readonly mode: 'block' | 'count';
  /** Requests per client IP in any 5 minutes above which it is blocked (WAF allows 10 or more). */
  readonly rateLimitPer5Minutes: number;
  /** CIDRs always allowed (checked first), e.g. the office. IPv4 only. */
  readonly allowCidrs: readonly string[];
  /** CIDRs always blocked. IPv4 only. */
  readonly blockCidrs: readonly string[];
  /** AWS managed rule groups, in evaluation order. */
  readonly managedRuleGroups: readonly WafManagedRuleGroup[];
  /** ARNs of your own REGIONAL rule groups, evaluated after the managed ones. */
  readonly customRuleGroupArns: readonly string[];
  /**
   * Days the web ACL's logs (`aws-waf-logs-<app>-<env>`, authorization and cookie headers
   * redacted) are kept; 0 = no logging. Ingestion 0.5985 USD per GB.
   */
  readonly logRetentionDays: number;
}

/** How requests reach the web service. */
export type IngressKind = 'alb' | 'http-api';

/**
 * The front door of the API (`apiHost`).
 * - `alb`: an internet-facing Application Load Balancer (the seed's): 30.08 USD/month in London
 *   (0.02646 USD/hour, LCUs, and a public IPv4 address per AZ at 0.005 USD/hour each), billed
 *   while paused too. WAF, request-count scaling and load-balancer access logs need it.
 * - `http-api`: an API Gateway HTTP API on a regional custom domain, reaching the web tasks
 *   through a VPC link and Cloud Map service discovery (SRV records): 1.16 USD per million
 *   requests, no hourly charge, so a paused environment pays nothing for it; Cloud Map adds a
 *   private hosted zone (0.50 USD/month) and 0.10 USD per registered task-month. A VPC link
 *   unused for 60 days goes INACTIVE; `resume` and `doctor` wake it. No WAF, no request-count
 *   scaling; the web container needs `compute.web.healthCheckCommand`.
 */
export interface IngressConfig {
  readonly kind: IngressKind;
  /**
   * `http-api` only: the stage's throttling (API Gateway answers 429 above it), per second,
   * steady rate and burst. Protects the tasks and the bill from a flood in an environment without
   * WAF.
   * @default { ratePerSecond: 50, burst: 100 }
   */
  readonly throttle?: { readonly ratePerSecond: number; readonly burst: number };
}

export interface EnvironmentConfig {
  /** Short name used in stack names and parameter paths: lowercase letters, digits, hyphens. */
  readonly name: string;
  /**
   * Production environments must protect their data (deletion protection on) and keep backups
   * for at least 14 days; validation enforces it.
   */
  readonly production: boolean;
  /** The 12-digit AWS account id. Override at deploy time with BOOKING_<NAME>_ACCOUNT. */
  readonly account: string;
  /** The AWS region, e.g. `eu-west-2` (London). */
  readonly region: string;
  /** Explicit AZ names (no lookups at synth): two or three from `region`. */
  readonly availabilityZones: readonly string[];
  /**
   * What a deploy builds: `running` (the full platform) or `minimal` (no ALB, services or cache;
   * run `booking-infra minimal <env>` first, the deploy refuses otherwise). Pause and resume are
   * CLI operations, not config: a deploy never changes whether tasks run.
   */
  readonly state: DeployedStructure;
  /** The API's DNS name, inside the shared domain, e.g. `api-dev.lichnails.co.uk`. */
  readonly apiHost: string;
  /**
   * The API's front door: an ALB or an API Gateway HTTP API (see `IngressConfig`).
   * @default { kind: 'alb' }
   */
  readonly ingress?: IngressConfig;
  /**
   * Protect stateful resources: CloudFormation termination protection on the data stack, RDS
   * deletion protection, ALB deletion protection. Required for production environments.
   */
  readonly deletionProtection: boolean;
  /** Days to keep application and platform logs; a value CloudWatch Logs accepts. */
  readonly logRetentionDays: number;
  readonly network: NetworkConfig;
  readonly database: DatabaseConfig;
  /**
   * The cache (sessions, Dramatiq broker). Not created in the `minimal` state: sessions and the
   * task queue are gone then, which is fine only because no task runs while minimal.
   */
  readonly cache: CacheConfig;
  /**
   * Environment variables the application reads from SSM SecureString parameters the user
   * creates at `/<app>/<env>/app/<NAME>` (CloudFormation cannot create SecureString values).
   */
  readonly applicationSecrets: readonly string[];
  readonly compute: ComputeConfig;
  readonly pipeline: PipelineConfig;
  /** Pause and resume on a schedule; none when omitted. */
  readonly schedule?: ScheduleConfig;
  /**
   * The media and static files bucket (seed future module 1). Absent: no bucket.
   * Cost: S3 Standard 0.024 USD per GB-month in London (`usage.s3StorageGiB`), 0.0053 USD per
   * 1,000 PUT/LIST (`usage.s3PutThousands`) and 0.0042 per 10,000 GET (`usage.s3GetTenThousands`).
   */
  readonly storage?: StorageConfig;
  /**
   * A CloudFront distribution in front of the bucket (seed future module 2), on `cdn.host`.
   * Needs `storage`. Absent or `enabled: false`: none.
   */
  readonly cdn?: CdnConfig;
  /**
   * A regional AWS WAF web ACL on the load balancer (seed future module 6). Absent or
   * `enabled: false`: none. Cost: 5 USD per web ACL-month + 1 USD per rule-month + 0.60 USD per
   * million requests (`usage.requestsMillions`), plus its logs.
   */
  readonly waf?: WafConfig;
  /**
   * AWS Backup of the database with an optional copy to a DR region, the media bucket's
   * replication there, and the monthly restore drill. Absent or `enabled: false`: RDS's automated
   * backups only. Priced by `cost` (recovery point storage per GB-month, copies, the drill).
   */
  readonly backup?: BackupConfig;
  /**
   * Alarm thresholds and the dashboard of the environment's monitoring (none while `minimal`);
   * the defaults of `MonitoringConfig` when omitted. Cost in London: 0.10 USD/month per standard
   * alarm, 0.50 per composite alarm, 3 USD/month for the dashboard (the first 3 dashboards of an
   * account are free; the estimate does not deduct account-wide free tiers).
   */
  readonly monitoring?: MonitoringConfig;
  readonly usage: UsageAssumptions;
  readonly budget: BudgetConfig;
  /** E-mail addresses subscribed to the ops topic (alarms, budget, pipeline failures). */
  readonly alertEmails: readonly string[];
  /**
   * Production checks this environment knowingly waives, by name; none when omitted. A production
   * environment must otherwise run a Multi-AZ database, a cache with a replica, VPC flow logs and
   * load-balancer access logs. The names (`PRODUCTION_RISKS` in `src/config/production-risks.ts`):
   * - `single-az-database`: `database.multiAz: false`
   * - `single-node-cache`: `cache.nodes: 1`
   * - `no-flow-logs`: `network.flowLogs.enabled: false`
   * - `no-load-balancer-access-logs`: `compute.loadBalancerAccessLogs: false`
   *
   * Validation refuses an unknown name, and a name whose setting is not taken (remove it then).
   */
  readonly acceptedRisks?: readonly string[];
}

/** A DNS record for a frontend hosted elsewhere (the seed's Vercel CNAME). */
export interface FrontendRecord {
  /** The record's name inside the domain, e.g. `usa-berko`. */
  readonly name: string;
  /** The CNAME target, e.g. `cname.vercel-dns.com`. */
  readonly target: string;
}

/**
 * The hosted zone of the domain: created by the shared DNS stack, or an existing zone adopted by
 * id (no lookups). Either way every environment writes its records into it.
 */
export type HostedZoneConfig =
  | { readonly mode: 'create' }
  | {
      readonly mode: 'adopt';
      /** The existing zone's id, e.g. `Z0123456789ABCDEFGHIJ`. */
      readonly id: string;
      /**
       * Whether the stack writes the frontend CNAMEs and CAA records into the adopted zone.
       * - `leave`: it creates none: they already exist in the zone (e.g. the Terraform platform's
       *   `usa-berko` CNAME and CAA), and CloudFormation fails creating a record that exists.
       *   They stay managed where they are (by hand in the console, or the old tool until retired).
       * - `manage`: it creates them, as for a created zone; for a zone that does not hold them.
       *
       * Default `leave`: a zone adopted from a running platform nearly always holds them, and
       * `manage` would fail the shared DNS deploy (after a rollback) instead of leaving working
       * records alone. Once the records are deleted from the zone, switch to `manage`.
       * @default 'leave'
       */
      readonly existingRecords?: ExistingRecords;
    };

/** What an adopted zone's frontend CNAMEs and CAA records are left to: see `HostedZoneConfig`. */
export type ExistingRecords = 'leave' | 'manage';
export const EXISTING_RECORDS: readonly ExistingRecords[] = ['leave', 'manage'];

/**
 * The application image repository: created by the shared images stack (`create`), or an existing
 * ECR repository adopted by name (`adopt`, e.g. the Terraform platform's): then no repository
 * resource is made (nor the `<app>-shared-images` stack), the pipelines push to and the
 * environments pull from that name, and its lifecycle rules and settings stay as they are.
 */
export type ImageRepositoryConfig = { readonly mode: 'create' } | { readonly mode: 'adopt'; readonly name: string };

/** Account-level facts shared by every environment. */
export interface SharedConfig {
  /**
   * The account of the shared stacks (hosted zone, image repository, GitHub connection).
   * Environments may deploy here or in accounts of their own (prod apart, as AWS recommends): an
   * environment in another account gets its API host as a zone of its own, delegated from the
   * shared zone (0.50 USD/month), pulls images across accounts through the repository's policy,
   * and its account gets its own GitHub connection (`<app>-shared-source`, activated once).
   */
  readonly account: string;
  /** Region of the shared stacks. */
  readonly region: string;
  /** AZs of that region (shared stacks need none, but every stack is given its AZs explicitly). */
  readonly availabilityZones: readonly string[];
  readonly hostedZone: HostedZoneConfig;
  /**
   * The application image repository (ECR storage 0.10 USD per GB-month in London either way).
   * @default { mode: 'create' } (a repository named after `appName`)
   */
  readonly imageRepository?: ImageRepositoryConfig;
  /**
   * Certificate authorities allowed to issue for the domain (CAA records). Amazon for the API's
   * ACM certificates; the frontend host's CA (Vercel uses Let's Encrypt).
   */
  readonly caaIssuers: readonly string[];
  /** The application's GitHub repository, reached through one CodeStar connection per account. */
  readonly source: SourceRepositoryConfig;
  /** Application name: the first word of every stack name and tag `app`. */
  readonly appName: string;
  /** The apex domain whose hosted zone every environment's records live in. */
  readonly domain: string;
  /** Frontend records (CNAMEs) in the zone, e.g. Vercel-hosted sites. */
  readonly frontendRecords: readonly FrontendRecord[];
  /**
   * The security baseline of every account the platform deploys to (the shared account and each
   * environment's): a CloudTrail trail, GuardDuty and optionally Security Hub, deployed by the
   * shared stage as `<app>-shared-baseline` (shared account) and `<app>-shared-baseline-<account>`
   * (each other account), plus `...-<region>` stacks for GuardDuty and Security Hub in any further
   * region an environment of the account uses. Priced by `npx booking-infra cost` on the shared
   * line, per account and region.
   * @default trail and GuardDuty created, Security Hub off (see {@link AccountBaselineConfig})
   */
  readonly accountBaseline?: AccountBaselineConfig;
}

/**
 * How the baseline treats one account-level service:
 * - `create`: the baseline stack creates it (the default for the trail and GuardDuty);
 * - `existing`: it is already on in every account and region concerned, managed elsewhere (e.g.
 *   AWS Organizations: an organization trail, a GuardDuty or Security Hub delegated administrator
 *   that auto-enables members). Nothing is created, and nothing is priced: the account is billed
 *   by whoever enabled it. Use it when `create` fails because the service is already enabled:
 *   CloudFormation cannot adopt a GuardDuty detector ("a detector already exists for the current
 *   account") or a Security Hub subscription ("Account is already subscribed to Security Hub"),
 *   so the create fails and the whole baseline stack rolls back;
 * - `off`: neither created nor expected.
 */
export type BaselineServiceMode = 'create' | 'existing' | 'off';

/** The account baseline (issue 14, item 7). Every field has a default; `{}` is the default baseline. */
export interface AccountBaselineConfig {
  /**
   * One multi-Region CloudTrail trail per account (`<app>-audit`, in the account's first region):
   * management events (read and write; the first copy is free), log file validation, SSE-KMS with
   * a customer managed key (1 USD/month, rotated yearly), delivered to a versioned, TLS-only,
   * private bucket kept on stack deletion (S3 Standard 0.024 USD per GB-month in London).
   * @default { mode: 'create', retentionDays: 365, s3DataEvents: true, accessLogging: false }
   */
  readonly trail?: TrailBaselineConfig;
  /**
   * GuardDuty in every region an environment of the account uses (it is regional). Billed by
   * volume analysed: CloudTrail management events 4.00 USD per million, VPC flow and DNS logs
   * 1.00 USD per GB, S3 data events 0.80 USD per million (S3 Protection), Fargate Runtime
   * Monitoring 1.50 USD per vCPU-month (US East list prices; see `usage`). 30 days free per
   * account and region.
   * @default { mode: 'create', s3Protection: true, runtimeMonitoring: false }
   */
  readonly guardDuty?: GuardDutyBaselineConfig;
  /**
   * Security Hub CSPM with only the AWS Foundational Security Best Practices standard, in every
   * region an environment of the account uses. Off by default: it is priced per security check
   * (0.0010 USD per check for the first 100,000 per account and region), every control re-checks
   * each resource on each configuration change and at least daily, and its controls need AWS
   * Config recording the account's resources (billed per configuration item, not created here).
   * For a platform this size GuardDuty plus cdk-nag on every synth covers most of what it
   * would report, at a fraction of the price.
   * @default { mode: 'off' }
   */
  readonly securityHub?: SecurityHubBaselineConfig;
  /** Volume assumptions per account and region that price the baseline (none appear in a template). */
  readonly usage?: Partial<AccountBaselineUsage>;
}

export interface TrailBaselineConfig {
  /** @default 'create' ('existing': an organization trail already records the account) */
  readonly mode?: BaselineServiceMode;
  /**
   * Days the log files are kept (current and previous versions), at least 90 (CloudTrail's own
   * 90-day event history covers less). The bucket holds log files for this long: storage grows
   * to `usage.trailLogGiBPerMonth` x retention / 30.4 GB.
   * @default 365
   */
  readonly retentionDays?: number;
  /**
   * Record S3 object-level events (data events, 0.10 USD per 100,000) of the platform's buckets
   * in the account, by bucket-name prefix: each environment's pipeline artifacts bucket (named by
   * CloudFormation after its stack, `<app>-<env>-pipeline-...`) and, when they exist, its media
   * buckets. Other buckets are not recorded.
   * @default true
   */
  readonly s3DataEvents?: boolean;
  /**
   * Also deliver the trail to CloudWatch Logs (`/<app>/audit-trail`, kept this many days) for
   * metric filters and alarms: ingestion is billed (0.5985 USD per GB in London) on top of the
   * free S3 copy. Omit for no CloudWatch Logs delivery.
   * @default undefined (S3 only)
   */
  readonly cloudWatchLogsRetentionDays?: number;
  /**
   * S3 server access logs of the trail bucket into a second bucket (CIS AWS Foundations 3.6),
   * kept as long as the trail's logs. Off by default: the trail itself records every management
   * call on its bucket, and reading the log files needs the KMS key.
   * @default false
   */
  readonly accessLogging?: boolean;
}

export interface GuardDutyBaselineConfig {
  /** @default 'create' */
  readonly mode?: BaselineServiceMode;
  /** S3 Protection: analyses the account's S3 data events (`usage.guardDutyS3DataEvents`). @default true */
  readonly s3Protection?: boolean;
  /**
   * Runtime Monitoring of ECS Fargate tasks: GuardDuty adds its agent as a sidecar to every new
   * task, which must be able to pull it (GuardDuty's ECR repository, through the NAT or a public
   * IP) and reach GuardDuty's VPC endpoint, which GuardDuty creates in each VPC.
   * Priced per monitored vCPU-month (`usage.guardDutyMonitoredVcpus`).
   * @default false
   */
  readonly runtimeMonitoring?: boolean;
}

export interface SecurityHubBaselineConfig {
  /** @default 'off' (see {@link AccountBaselineConfig.securityHub}) */
  readonly mode?: BaselineServiceMode;
}

/** Monthly volumes per account and region, the only inputs of the baseline's price besides the template. */
export interface AccountBaselineUsage {
  /** Management events a month in the account (trail first copy free; GuardDuty analyses each). @default 500000 */
  readonly managementEvents: number;
  /** S3 data events a month on the platform's buckets that the trail records. @default 20000 */
  readonly trailDataEvents: number;
  /** GB of (compressed) trail log files written a month. @default 0.2 */
  readonly trailLogGiBPerMonth: number;
  /** GB a month delivered to CloudWatch Logs when that delivery is on (uncompressed JSON). @default 2 */
  readonly trailCloudWatchLogsGiB: number;
  /** GB of VPC flow logs and DNS query logs GuardDuty analyses a month (it reads them itself). @default 1 */
  readonly guardDutyFlowAndDnsGiB: number;
  /** S3 data events a month in the account, all buckets (GuardDuty S3 Protection). @default 200000 */
  readonly guardDutyS3DataEvents: number;
  /** Fargate vCPUs monitored on average (Runtime Monitoring). @default 2 */
  readonly guardDutyMonitoredVcpus: number;
  /** Security Hub security checks a month. @default 15000 */
  readonly securityHubChecks: number;
  /** Findings ingested by Security Hub a month beyond its checks (first 10,000 free). @default 2000 */
  readonly securityHubFindingEvents: number;
}

export interface PlatformConfig {
  readonly shared: SharedConfig;
  readonly environments: readonly EnvironmentConfig[];
}
