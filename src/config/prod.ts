import type { EnvironmentConfig } from './types';

/** Production: api.lichnails.co.uk, Multi-AZ data, private tasks, flow logs, protected data. */
export const prod: EnvironmentConfig = {
  name: 'prod',
  production: true,
  account: '222222222222',
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
  },
  database: {
    instanceClass: 'db.t4g.small',
    multiAz: true,
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 200,
    backupRetentionDays: 14,
  },
  cache: { engine: 'valkey', nodeType: 'cache.t4g.micro', nodes: 2, snapshotRetentionDays: 7 },
  applicationSecrets: ['DJANGO_SECRET_KEY'],
  usage: {
    albLcu: 1,
    natDataGiB: 20,
    logIngestGiB: 5,
    ecrStorageGiB: 5,
    buildMinutes: 200,
    pipelineActionMinutes: 300,
    s3StorageGiB: 20,
    cdnDataGiB: 100,
    requestsMillions: 3,
    databaseBackupGiB: 60,
    fargateSpotDiscount: 0.7,
  },
  budget: { marginPercent: 20 },
  alertEmails: [],
};
