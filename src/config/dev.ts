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
  deletionProtection: false,
  logRetentionDays: 14,
  network: {
    cidr: '10.10.0.0/16',
    subnetMasks: { public: 24, private: 22, isolated: 24 },
    // Tasks take a public IP instead of a 36.50 USD/month NAT gateway (the seed's dev set-up).
    egress: 'public',
    flowLogs: { enabled: false, retentionDays: 14 },
  },
  database: {
    instanceClass: 'db.t4g.micro',
    multiAz: false,
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 50,
    backupRetentionDays: 3,
  },
  cache: { engine: 'valkey', nodeType: 'cache.t4g.micro', nodes: 1, snapshotRetentionDays: 0 },
  applicationSecrets: ['DJANGO_SECRET_KEY'],
  usage: {
    albLcu: 0.5,
    natDataGiB: 0,
    logIngestGiB: 1,
    ecrStorageGiB: 2,
    buildMinutes: 100,
    pipelineActionMinutes: 150,
    s3StorageGiB: 1,
    cdnDataGiB: 5,
    requestsMillions: 0.2,
    databaseBackupGiB: 20,
    fargateSpotDiscount: 0.7,
  },
  budget: { marginPercent: 25 },
  alertEmails: [],
};
