import type { PriceTable } from '../price-table';

const GUARDDUTY = 'GuardDuty (https://aws.amazon.com/guardduty/pricing/)';
const SECURITY_HUB = 'Security Hub CSPM (https://aws.amazon.com/security-hub/pricing/)';

/**
 * GuardDuty and Security Hub list prices (first volume tier, which a platform this size never
 * leaves), as each region's table states its source for them: `source(page)` names the page.
 */
export function baselinePrices(source: (page: string) => string, date: string): PriceTable['prices'] {
  return {
    'guardduty.cloudtrail-management-events.million': {
      usd: 4,
      unit: 'million CloudTrail management events analysed',
      source: source(GUARDDUTY),
      date,
    },
    'guardduty.flow-and-dns-logs.gb': {
      usd: 1,
      unit: 'GB of VPC flow and DNS logs analysed (first 500 GB a month)',
      source: source(GUARDDUTY),
      date,
    },
    'guardduty.s3-data-events.million': {
      usd: 0.8,
      unit: 'million S3 data events analysed (first 500 million a month)',
      source: source(GUARDDUTY),
      date,
    },
    'guardduty.runtime-monitoring.fargate.vcpu-month': {
      usd: 1.5,
      unit: 'Fargate vCPU-month monitored (first 500 vCPUs)',
      source: source(GUARDDUTY),
      date,
    },
    'securityhub.security-check': {
      usd: 0.001,
      unit: 'security check (first 100,000 per account and region a month)',
      source: source(SECURITY_HUB),
      date,
    },
    'securityhub.finding-ingestion-event': {
      usd: 0.00003,
      unit: 'finding ingestion event beyond the free 10,000 a month',
      source: source(SECURITY_HUB),
      date,
    },
  };
}
