import type { PriceTable } from '../price-table';

const DATE = '2026-11';

/**
 * Prices that are the same in every region: services priced globally (Route 53 hosted zones,
 * CloudFront by edge, WAF, CodePipeline), and the prices no source gives anywhere. Each region's
 * table includes them.
 */
/** AWS Price List, AWSCloudMap offer: one rate in every region it lists. */
const CLOUD_MAP_SOURCE =
  'AWS Price List, AWSCloudMap offer (effective 2025-08-01): 0.10 USD per CloudMapResource-month and 1.00 USD per million API calls, the same in every region listed';

export const globalPrices: PriceTable['prices'] = {
  'cloudmap.instance.month': {
    usd: 0.1,
    unit: 'registered instance-month',
    source: CLOUD_MAP_SOURCE,
    date: DATE,
  },
  'cloudmap.discovery.million': {
    usd: 1,
    unit: 'million discovery API calls (DiscoverInstances)',
    source: CLOUD_MAP_SOURCE,
    date: DATE,
  },
  'route53.zone.month': {
    usd: 0.5,
    unit: 'hosted zone-month (first 25)',
    source: 'AWS Route 53 pricing',
    date: DATE,
  },
  'xray.traces.million': {
    usd: 5,
    unit: 'million traces recorded (first 100,000 a month free per account)',
    source: 'AWS X-Ray pricing page (traces recorded 0.000005 USD each, the same in every commercial region)',
    date: DATE,
  },
  'codepipeline.v2.action-minute': {
    usd: 0.002,
    unit: 'action-execution minute',
    source: 'AWS CodePipeline pricing',
    date: DATE,
  },
  'codepipeline.v1.pipeline-month': {
    usd: 1,
    unit: 'active pipeline-month',
    source: 'AWS CodePipeline pricing',
    date: DATE,
  },
  'cloudfront.europe.gb': { usd: 0.085, unit: 'GB out from European edges', source: 'IC', date: DATE },
  'cloudfront.https.ten-thousand': { usd: 0.012, unit: '10,000 HTTPS requests', source: 'IC', date: DATE },
  'waf.web-acl.month': { usd: 5, unit: 'web ACL-month', source: 'IC / AWS WAF pricing', date: DATE },
  'waf.rule.month': { usd: 1, unit: 'rule-month', source: 'IC / AWS WAF pricing', date: DATE },
  'waf.requests.million': { usd: 0.6, unit: 'million requests', source: 'IC / AWS WAF pricing', date: DATE },
  // The CloudTrail pricing page gives one data-event rate, not a per-region table.
  'cloudtrail.data-events.hundred-thousand': {
    usd: 0.1,
    unit: '100,000 data events',
    source:
      'AWS CloudTrail pricing, https://aws.amazon.com/cloudtrail/pricing/ (trails; first copy of management events free)',
    date: DATE,
  },
  'dynamodb.on-demand.write.million': {
    usd: null,
    unit: 'million write request units',
    reason: 'no DynamoDB price in the sourced reference data (npm run refresh-prices reads it from the Price List)',
  },
  'dynamodb.on-demand.read.million': {
    usd: null,
    unit: 'million read request units',
    reason: 'no DynamoDB price in the sourced reference data (npm run refresh-prices reads it from the Price List)',
  },
};
