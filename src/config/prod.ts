import {
  APPLICATION_ENVIRONMENT,
  MIGRATE_COMMAND,
  webCommand,
  WORKER_COMMAND,
  WORKER_HEALTH_CHECK,
} from './application';
import type { EnvironmentConfig } from './types';

/** Production: api.lichnails.co.uk, Multi-AZ data, private tasks, flow logs, protected data. */
export const prod: EnvironmentConfig = {
  name: 'prod',
  production: true,
  account: '111111111111',
  region: 'eu-west-2',
  availabilityZones: ['eu-west-2a', 'eu-west-2b'],
  state: 'running',
  apiHost: 'api.lichnails.co.uk',
  deletionProtection: true,
  logRetentionDays: 90,
  network: {
    cidr: '10.20.0.0/16',
    subnetMasks: { public: 24, private: 22, isolated: 24 },
    // Tasks stay off the internet; one NAT gateway (~40 USD/month with its IPv4) is the
    // cheapest private egress. Use 'nat-per-az' to survive an AZ outage at twice the NAT cost.
    egress: 'nat-single',
    flowLogs: { enabled: true, retentionDays: 90 },
    // No interface endpoints: an endpoint saves 0.05 - 0.01 = 0.04 USD per GB it takes off the
    // NAT gateway and costs 2 AZ x 730 h x 0.011 = 16.06 USD/month, so it pays only above 401.5
    // GB a month of traffic to its service (seven endpoints: 112.42 USD/month, above 2,810.5
    // GB). Prod sends ~20 GB a month through the NAT in all (usage.natDataGiB): at most 0.80
    // USD/month to save. The NAT stays either way: tasks call third-party services.
    interfaceEndpoints: [],
  },
  database: {
    instanceClass: 'db.t4g.small',
    multiAz: true,
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 200,
    backupRetentionDays: 14,
    engineVersion: '18.6',
    // Through the NAT gateway: no endpoint to pay for.
    credentialRotation: { enabled: true, everyDays: 30 },
  },
  cache: { engine: 'valkey', nodeType: 'cache.t4g.micro', nodes: 2, snapshotRetentionDays: 7 },
  applicationSecrets: ['DJANGO_SECRET_KEY'],
  compute: {
    architecture: 'arm64',
    containerInsights: false,
    ecsExec: false,
    imageTag: 'latest-release',
    appPort: 8000,
    appReadOnlyRootFilesystem: false,
    loadBalancerAccessLogs: true,
    web: {
      cpu: 512,
      memoryMiB: 1024,
      // The seed's 3-10 at peak: two always, up to ten on load (each above two priced only while
      // it runs; the estimate counts the minimum).
      minTasks: 2,
      maxTasks: 10,
      // One task always on regular Fargate; half of the rest on Spot.
      capacity: { onDemandBase: 1, spotPercent: 50 },
      command: webCommand(3),
      cpuTargetPercent: 60,
      // Bookings follow the salons' day: forecast first, switch to 'ForecastAndScale' once the
      // forecast (console: the service's auto scaling tab) matches the real load.
      predictiveScaling: 'ForecastOnly',
      // The seed's 3 web tasks at peak: the salons' opening hours (London time), Monday to Saturday.
      scheduledMinimums: [{ name: 'salon-hours', days: 'MON-SAT', from: '09:00', to: '19:00', minTasks: 3 }],
      requestsPerTaskPerMinute: 1500,
    },
    worker: {
      cpu: 256,
      memoryMiB: 1024,
      minTasks: 1,
      maxTasks: 4,
      capacity: { onDemandBase: 1, spotPercent: 100 },
      command: WORKER_COMMAND,
      queues: ['default'],
      messagesPerTask: 100,
      stopTimeoutSeconds: 120,
      healthCheckCommand: WORKER_HEALTH_CHECK,
    },
    pgbouncer: { defaultPoolSize: 15, maxClientConnections: 300, reservedConnections: 15 },
    migrateCommand: MIGRATE_COMMAND,
    timezone: 'Europe/London',
    environment: APPLICATION_ENVIRONMENT,
  },
  pipeline: { branch: 'main', manualApproval: true, promoteFrom: 'dev', scanGate: 'critical' },
  storage: {
    versioning: true,
    noncurrentVersionDays: 30,
    corsAllowedOrigins: ['https://usa-berko.lichnails.co.uk'],
    mediaCleanup: { prefix: 'media/tmp/', days: 90 },
  },
  cdn: { enabled: true, host: 'static.lichnails.co.uk', priceClass: 'PriceClass_100', accessLogs: true },
  waf: {
    enabled: true,
    mode: 'block',
    // Per client IP per 5 minutes: well above a salon's busiest booking page, far below a flood.
    rateLimitPer5Minutes: 2000,
    allowCidrs: [],
    blockCidrs: [],
    managedRuleGroups: ['common', 'known-bad-inputs', 'sql-database', 'ip-reputation'],
    customRuleGroupArns: [],
    logRetentionDays: 90,
  },
  backup: {
    enabled: true,
    dailyRetentionDays: 35,
    weeklyRetentionDays: 90,
    monthlyRetentionDays: 365,
    customerManagedKey: true,
    // us-east-1: already bootstrapped for the edge stack, and priced. For EU-only data
    // residency use an EU region (add its price table: npm run refresh-prices -- eu-west-1).
    copy: { region: 'us-east-1', retentionDays: 35 },
    // Governance: the ops roles cannot delete or shorten a recovery point; an administrator can
    // still lift the lock. 'compliance' would bind even the root user, irreversibly.
    vaultLock: { mode: 'governance', minRetentionDays: 7, maxRetentionDays: 400 },
    replicateBucket: true,
    drill: { monthly: true, instanceClass: 'db.t4g.micro' },
  },
  usage: {
    albLcu: 1,
    natDataGiB: 20,
    logIngestGiB: 5,
    ecrStorageGiB: 5,
    buildMinutes: 200,
    pipelineActionMinutes: 300,
    s3StorageGiB: 20,
    // ~1 GB of load-balancer and CDN access logs a month each, kept 90 days; pipeline artifacts.
    s3LogsGiB: 5,
    s3PutThousands: 20,
    s3GetTenThousands: 10,
    cdnDataGiB: 100,
    requestsMillions: 3,
    databaseBackupGiB: 60,
    databaseDataGiB: 5,
    databaseDailyChangeGiB: 0.2,
    s3NewGiBPerMonth: 2,
    fargateSpotDiscount: 0.7,
    stateTableReadsPerMonth: 18_000,
    stateTableWritesPerMonth: 100,
  },
  budget: { monthlyLimitUsd: 283, marginPercent: 20 },
  // Replace with your own: each address confirms once, then receives every prod alert.
  alertEmails: ['ops@lichnails.co.uk'],
};
