import type { SharedConfig } from './types';

/** Account-level facts every environment shares (the seed's lichnails.co.uk zone and Vercel CNAME). */
export const shared: SharedConfig = {
  appName: 'booking',
  account: '111111111111',
  region: 'eu-west-2',
  availabilityZones: ['eu-west-2a', 'eu-west-2b'],
  hostedZone: { mode: 'create' },
  caaIssuers: ['amazon.com', 'letsencrypt.org'],
  source: { owner: 'lichnails', repository: 'booking-backend' },
  domain: 'lichnails.co.uk',
  frontendRecords: [{ name: 'usa-berko', target: 'cname.vercel-dns.com' }],
  // Every account the platform deploys to: a multi-Region trail (S3 data events of the pipeline
  // artifacts buckets), GuardDuty in each region used; Security Hub off (priced per check).
  // Set a mode to 'existing' where AWS Organizations already enables the service.
  accountBaseline: {
    trail: { mode: 'create', retentionDays: 365, s3DataEvents: true },
    guardDuty: { mode: 'create', s3Protection: true, runtimeMonitoring: false },
    securityHub: { mode: 'off' },
  },
};
