import type { SharedConfig } from './types';

/** Account-level facts every environment shares (the seed's lichnails.co.uk zone and Vercel CNAME). */
export const shared: SharedConfig = {
  appName: 'booking',
  domain: 'lichnails.co.uk',
  frontendRecords: [{ name: 'usa-berko', target: 'cname.vercel-dns.com' }],
};
