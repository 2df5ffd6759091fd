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
};
