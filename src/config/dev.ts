import {
  APPLICATION_ENVIRONMENT,
  MIGRATE_COMMAND,
  WEB_HEALTH_CHECK,
  webCommand,
  WORKER_COMMAND,
  WORKER_HEALTH_CHECK,
} from './application';
import type { EnvironmentConfig } from './types';

/** Development: the seed's dev environment, tuned for the smallest bill that still works. */
export const dev: EnvironmentConfig = {
  name: 'dev',
  production: false,
  account: '111111111111',
  region: 'eu-west-2',
  availabilityZones: ['eu-west-2a', 'eu-west-2b'],
  state: 'running',
  apiHost: 'api-dev.lichnails.co.uk',
  // An HTTP API instead of the ALB: billed per request (1.16 USD per million), nothing while
  // paused, where the ALB costs 30.08 USD/month running or not. No WAF here anyway.
  ingress: { kind: 'http-api', throttle: { ratePerSecond: 50, burst: 100 } },
  deletionProtection: false,
  logRetentionDays: 14,
  network: {
    cidr: '10.10.0.0/16',
    subnetMasks: { public: 24, private: 22, isolated: 24 },
    // Tasks take a public IP instead of a 36.50 USD/month NAT gateway (the seed's dev set-up).
    egress: 'public',
    flowLogs: { enabled: false, retentionDays: 14 },
    // No interface endpoints: with public egress there is no NAT gateway whose 0.05 USD/GB they
    // could save (AWS-bound traffic leaves through the internet gateway, unprocessed), so each
    // would only add 2 AZ x 730 h x 0.011 = 16.06 USD/month (seven endpoints: 112.42).
    interfaceEndpoints: [],
  },
  database: {
    instanceClass: 'db.t4g.micro',
    multiAz: false,
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 50,
    backupRetentionDays: 3,
    engineVersion: '18.6',
    // No NAT gateway here: rotation would need a Secrets Manager endpoint (16.06 USD/month).
    credentialRotation: { enabled: false, everyDays: 30 },
    // While minimal the data is a snapshot (0.10 USD per GB-month of data) and the instance is
    // deleted, instead of 20 GB of stopped gp3 billed at 2.66 USD/month.
    whileMinimal: 'snapshot',
  },
  // A Valkey task instead of ElastiCache (10.51 USD/month, billed paused or not: ElastiCache cannot
  // be stopped): paused with the environment, its queue kept on EFS, TLS through stunnel tunnels.
  cache: {
    engine: 'valkey',
    nodeType: 'cache.t4g.micro',
    nodes: 1,
    snapshotRetentionDays: 0,
    hosting: 'task',
    task: { cpu: 256, memoryMiB: 512, spot: true },
  },
  applicationSecrets: ['DJANGO_SECRET_KEY'],
  compute: {
    architecture: 'arm64',
    containerInsights: false,
    ecsExec: true,
    imageTag: 'latest-release',
    appPort: 8000,
    appReadOnlyRootFilesystem: false,
    loadBalancerAccessLogs: false,
    web: {
      cpu: 256,
      memoryMiB: 1024,
      minTasks: 1,
      maxTasks: 2,
      capacity: { onDemandBase: 0, spotPercent: 100 },
      command: webCommand(2),
      cpuTargetPercent: 70,
      // No load balancer checks /health/: the container does (and ECS deregisters a failing task).
      healthCheckCommand: WEB_HEALTH_CHECK,
    },
    worker: {
      cpu: 256,
      memoryMiB: 1024,
      minTasks: 0,
      maxTasks: 2,
      capacity: { onDemandBase: 0, spotPercent: 100 },
      command: WORKER_COMMAND,
      queues: ['default'],
      messagesPerTask: 100,
      stopTimeoutSeconds: 120,
      healthCheckCommand: WORKER_HEALTH_CHECK,
    },
    pgbouncer: { defaultPoolSize: 10, maxClientConnections: 200, reservedConnections: 10 },
    migrateCommand: MIGRATE_COMMAND,
    environment: APPLICATION_ENVIRONMENT,
  },
  // Nights and weekends paused (London time): the database and tasks bill 65 of 168 hours a week.
  schedule: { timezone: 'Europe/London', pause: 'cron(0 20 ? * MON-FRI *)', resume: 'cron(0 7 ? * MON-FRI *)' },
  pipeline: { branch: 'develop', manualApproval: false, scanGate: 'off' },
  storage: {
    versioning: false,
    noncurrentVersionDays: 30,
    // The Vercel frontend, and the frontend's dev server.
    corsAllowedOrigins: ['https://usa-berko.lichnails.co.uk', 'http://localhost:3000'],
    // The seed's media_cleanup: abandoned uploads expire; static files never do.
    mediaCleanup: { prefix: 'media/tmp/', days: 90 },
  },
  cdn: { enabled: true, host: 'static-dev.lichnails.co.uk', priceClass: 'PriceClass_100', accessLogs: false },
  // Off in dev: 5 USD a month for the ACL plus 1 per rule, for an API only the team uses.
  waf: {
    enabled: false,
    mode: 'count',
    rateLimitPer5Minutes: 2000,
    allowCidrs: [],
    blockCidrs: [],
    managedRuleGroups: ['common', 'known-bad-inputs', 'sql-database', 'ip-reputation'],
    customRuleGroupArns: [],
    logRetentionDays: 14,
  },
  backup: {
    enabled: true,
    dailyRetentionDays: 7,
    weeklyRetentionDays: 0,
    monthlyRetentionDays: 0,
    customerManagedKey: false,
    replicateBucket: false,
    // The schedule stops the database at night and at weekends; RDS snapshots only a running one.
    window: { hourUtc: 12, weekdaysOnly: true },
    // Run \`npx booking-infra restore-drill dev\` by hand when you want one.
    drill: { monthly: false, instanceClass: 'db.t4g.micro' },
  },
  usage: {
    albLcu: 0.5,
    natDataGiB: 0,
    logIngestGiB: 1,
    ecrStorageGiB: 2,
    buildMinutes: 100,
    pipelineActionMinutes: 150,
    s3StorageGiB: 1,
    s3LogsGiB: 0.5,
    s3PutThousands: 2,
    s3GetTenThousands: 1,
    cdnDataGiB: 5,
    requestsMillions: 0.2,
    databaseBackupGiB: 20,
    databaseDataGiB: 1,
    databaseDailyChangeGiB: 0.05,
    fargateSpotDiscount: 0.7,
    stateTableReadsPerMonth: 18_000,
    stateTableWritesPerMonth: 400,
  },
  budget: { monthlyLimitUsd: 49, marginPercent: 25 },
  alertEmails: [],
};
