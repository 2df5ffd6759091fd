/**
 * Names shared between the stacks that write them and the ops code (CLI, Lambdas) that reads
 * them. One place, so renaming an output or a key cannot silently break `status` or `pause`.
 */

/** The parts of an environment's stage; each is a stack named `<app>-<env>-<part>`. */
export type StackPart = 'network' | 'ops' | 'data' | 'app' | 'pipeline' | 'edge' | 'recovery';

/** `<app>-<env>`: the stage, and the prefix of every stack and named resource of one environment. */
export function environmentName(appName: string, environment: string): string {
  return `${appName}-${environment}`;
}

export function stackName(appName: string, environment: string, part: StackPart): string {
  return `${environmentName(appName, environment)}-${part}`;
}

/**
 * The role in the shared account that an environment in another account assumes to write the NS
 * records delegating its API host's zone (`<app>-<env>-dns-delegation`): created by the shared
 * DNS stack, named by the environment's app stack.
 */
export function dnsDelegationRoleName(appName: string, environment: string): string {
  return `${environmentName(appName, environment)}-dns-delegation`;
}

/**
 * The tag prefix of the images an environment has released (`release-<env>-<UTC time>`): the
 * release pipeline's record step adds such a tag to every image it deploys, and the image
 * repository's lifecycle keeps the newest of them per environment whatever else expires.
 */
export function releaseTagPrefix(environment: string): string {
  return `release-${environment}-`;
}

/** The CloudFormation output keys each stack writes and the ops code reads. */
export const STACK_OUTPUTS = {
  ops: { opsTopicArn: 'OpsTopicArn', stateTableName: 'StateTableName' },
  data: {
    databaseInstanceId: 'DatabaseInstanceId',
    databaseSecretArn: 'DatabaseSecretArn',
    cacheReplicationGroupId: 'CacheReplicationGroupId',
    storageBucketName: 'StorageBucketName',
  },
  app: {
    clusterName: 'ClusterName',
    apiUrl: 'ApiUrl',
    webServiceName: 'WebServiceName',
    workerServiceName: 'WorkerServiceName',
    migrateTaskDefinition: 'MigrateTaskDefinition',
    loadBalancerDnsName: 'LoadBalancerDnsName',
    webTargetGroupArn: 'WebTargetGroupArn',
    /**
     * `ingress: http-api` only: the HTTP API's VPC link id. It goes INACTIVE after 60 days without
     * traffic; `resume` and `doctor` read its status and wake it.
     */
    vpcLinkId: 'VpcLinkId',
    /** `ingress: http-api` only: the HTTP API's id. */
    httpApiId: 'HttpApiId',
    /** `cache.hosting: task` only: the cache's ECS service (`<app>-<env>-cache`). */
    cacheServiceName: 'CacheServiceName',
    /** The restore drill's one-off task family (`<app>-<env>-restore-drill`). */
    restoreDrillTaskFamily: 'RestoreDrillTaskFamily',
    /** Comma-separated subnets the drill's task runs in. */
    restoreDrillSubnetIds: 'RestoreDrillSubnetIds',
    /** The drill task's security group: the only one the restored database admits. */
    restoreDrillTaskSecurityGroupId: 'RestoreDrillTaskSecurityGroupId',
    /** The restored database's security group (admits 5432 from the drill task's group only). */
    restoreDrillDatabaseSecurityGroupId: 'RestoreDrillDatabaseSecurityGroupId',
    /** `ENABLED` or `DISABLED`: whether the drill task gets a public IP (as the roles task does). */
    restoreDrillAssignPublicIp: 'RestoreDrillAssignPublicIp',
  },
  pipeline: { pipelineName: 'PipelineName' },
} as const;

/**
 * The DynamoDB table holding an environment's state record, its transition lock and its journal
 * (one table per environment, in the ops stack).
 */
export function stateTableName(appName: string, environment: string): string {
  return `${environmentName(appName, environment)}-ops-state`;
}

/** The table's key schema: partition key `pk`, sort key `sk`, both strings. */
export const STATE_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** The one state record. */
  state: { pk: 'state', sk: 'current' },
  /** The one transition lock. */
  lock: { pk: 'lock', sk: 'current' },
  /** Journal entries: sort key `<ISO time>#<id>`. */
  journalPk: 'journal',
} as const;

/**
 * The queue metrics the queue-depth Lambda publishes (namespace: the app name, dimension
 * Environment): `QueueBacklog`, ready messages (drives worker scaling), and `QueuedJobs`, every
 * message not yet acked, ready, delayed or in progress (held by a worker, running or killed before
 * its ack): what `minimal` would lose with the cache.
 */
export const QUEUE_BACKLOG_METRIC = {
  name: 'QueueBacklog',
  queuedJobs: 'QueuedJobs',
  dimension: 'Environment',
} as const;

/**
 * The manual DB snapshot `minimal` takes when the database is kept as a snapshot
 * (`database.whileMinimal: 'snapshot'`): `<app>-<env>-minimal-<yyyymmddThhmmssZ>` in lower case,
 * e.g. `booking-dev-minimal-20261128t013000z` (RDS: a letter first, letters, digits, single hyphens).
 */
export function minimalDatabaseSnapshotName(databaseId: string, now: number): string {
  const time = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '').toLowerCase();
  return `${databaseId}-minimal-${time}`;
}

/**
 * The guard's metric: 1 while an environment recorded paused or minimal has a database that is
 * not stopped (namespace: the app name, dimension Environment). An alarm fires after an hour.
 */
export const GUARD_METRIC = { name: 'DatabaseNotStoppedWhilePaused', dimension: 'Environment' } as const;

/** The container that runs the application in every task definition (web, worker, migrate). */
export const APP_CONTAINER_NAME = 'app';

/** Environment variables the stacks give the operations Lambda and `lambda/ops` reads. */
export const OPS_LAMBDA_VARIABLES = {
  environment: 'ENVIRONMENT',
  stage: 'STAGE',
  databaseId: 'DATABASE_ID',
  stateTable: 'STATE_TABLE',
  cluster: 'CLUSTER',
  webService: 'WEB_SERVICE',
  workerService: 'WORKER_SERVICE',
  /** `cache.hosting: task` only: the cache's ECS service, paused last and resumed first. */
  cacheService: 'CACHE_SERVICE',
  targetGroupArn: 'TARGET_GROUP_ARN',
  /** `ingress: http-api` only: the VPC link a resume wakes if it went INACTIVE. */
  vpcLinkId: 'VPC_LINK_ID',
  /** The API's URL (`https://<apiHost>/`): a resume sends a request to wake an INACTIVE VPC link. */
  apiUrl: 'API_URL',
  migrateFamily: 'MIGRATE_FAMILY',
  pipelineName: 'PIPELINE_NAME',
  metricNamespace: 'METRIC_NAMESPACE',
  /** JSON of the configured web/worker bounds (resume's fallback when nothing is recorded). */
  configuredCapacity: 'CONFIGURED_CAPACITY',
} as const;

/**
 * SSM parameter names the stacks publish and the pipeline, the app stack and `doctor` read, from
 * the parameters module: imported through here by the ops code, so every shared name has one
 * import point.
 */
export {
  applicationSecretParameter,
  CONNECTION_PARAMETERS,
  environmentPrefix,
  githubConnectionParameter,
  hostedZoneIdParameter,
  releaseImageParameter,
  repositoryUri,
} from '../modules/parameters/parameter-names';

/** CloudFront's region: an environment's edge stack (the CDN certificate) lives there. */
export const EDGE_REGION = 'us-east-1';

/**
 * Alarms (`<app>-<env>-<suffix>`) that a paused environment trips by design: no healthy web target
 * (or, behind an HTTP API, no web task), the load balancer or the API answering 503. Pause silences their actions and resume restores them, so a
 * nightly pause pages nobody while a real outage of a running environment still does.
 */
export const PAUSE_SILENCED_ALARMS = [
  'web-below-minimum',
  'no-healthy-web-target',
  'http-5xx-rate',
  'platform-down',
  'elb5xx',
  // ingress http-api: the monitoring's NoWebTask and the API's 5xx alarm.
  'no-web-task',
  'api-5xx',
  // cache hosting task: the cache stops with the environment, so the backlog publisher has
  // nothing to measure (it publishes nothing rather than a count it did not read).
  'backlog-metric-missing',
  'queue-depth-errors',
] as const;

/**
 * The restore drill (`booking-infra restore-drill`, and its monthly schedule): what it names and
 * tags, so a later run (or `--cleanup`) finds whatever an interrupted one left behind.
 */
export const RESTORE_DRILL = {
  /** Tag on every instance a drill restores; value: the environment's name. */
  tagKey: 'booking-infra:restore-drill',
  /** The restored instance's identifier prefix: `<app>-<env>-drill-<UTC yyyymmddhhmmss>`. */
  instancePrefix: (appName: string, environment: string) => `${environmentName(appName, environment)}-drill-`,
  /**
   * The Secrets Manager secret (plain string) holding the restored instance's throwaway master
   * password while the verification task runs; the drill task definition reads it by name.
   */
  passwordSecretName: (appName: string, environment: string) => `${appName}/${environment}/restore-drill`,
  /** The drill task definition's family. */
  taskFamily: (appName: string, environment: string) => `${environmentName(appName, environment)}-restore-drill`,
  /** Its container. */
  containerName: 'verify',
} as const;

/** Environment variables the scheduled drill's Lambda reads (the CLI reads the same from stack outputs). */
export const RESTORE_DRILL_VARIABLES = {
  environment: 'ENVIRONMENT',
  appName: 'APP_NAME',
  sourceInstanceId: 'SOURCE_INSTANCE_ID',
  instanceClass: 'DRILL_INSTANCE_CLASS',
  cluster: 'CLUSTER',
  taskFamily: 'TASK_FAMILY',
  subnetIds: 'SUBNET_IDS',
  taskSecurityGroupId: 'TASK_SECURITY_GROUP_ID',
  databaseSecurityGroupId: 'DATABASE_SECURITY_GROUP_ID',
  assignPublicIp: 'ASSIGN_PUBLIC_IP',
} as const;

/**
 * The cache task's TLS tunnel (`cache.hosting: task`): stunnel with a pre-shared key at both ends
 * (the cache task's server, a client sidecar in each application task, the queue-depth Lambda),
 * TLS 1.2 with forward secrecy (Node's tls supports PSK up to TLS 1.2 only).
 */
export const CACHE_TUNNEL = {
  /** The PSK identity both ends present. */
  identity: 'booking-cache',
  /** The one cipher suite offered and accepted. */
  cipher: 'ECDHE-PSK-CHACHA20-POLY1305',
  /** Where the tunnel listens on the cache task's interface, and on 127.0.0.1 in the app tasks. */
  port: 6379,
  /** Where Valkey listens inside the cache task (loopback only, behind the tunnel). */
  valkeyPort: 6380,
} as const;
