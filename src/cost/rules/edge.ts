import { priceKey } from '../price-table';
import type { RuleTable } from './context';

/** CloudFront's always-free tier, per account and month (aws-prices.md: AWS / 3P). */
export const CLOUDFRONT_FREE_TIER = { gb: 1024, requestsMillions: 10 } as const;

/** CloudFront distributions and WAF web ACLs, both billed per request at the edge. */
export const edgeRules: RuleTable = {
  'AWS::CloudFront::Distribution': (ctx) => {
    const gb = ctx.usage.cdnDataGiB;
    const requestsMillions = ctx.usage.cdnRequestsMillions ?? ctx.usage.requestsMillions;
    const billedGb = Math.max(0, gb - CLOUDFRONT_FREE_TIER.gb);
    const billedMillions = Math.max(0, requestsMillions - CLOUDFRONT_FREE_TIER.requestsMillions);
    return {
      charges: [
        {
          what: `GB out beyond the free ${CLOUDFRONT_FREE_TIER.gb}`,
          quantity: billedGb,
          priceKey: priceKey.cloudFrontGb,
        },
        {
          what: `10k HTTPS requests beyond the free ${CLOUDFRONT_FREE_TIER.requestsMillions} M`,
          quantity: billedMillions * 100,
          priceKey: priceKey.cloudFrontTenThousandHttps,
        },
      ],
      note: `${gb} GB and ${requestsMillions} M requests a month assumed; CloudFront's always-free tier (${CLOUDFRONT_FREE_TIER.gb} GB out, ${CLOUDFRONT_FREE_TIER.requestsMillions} M requests a month) is the account's, shared by all its distributions`,
    };
  },

  'AWS::WAFv2::WebACL': (ctx) => {
    const rules = Array.isArray(ctx.resource.Properties?.Rules) ? ctx.resource.Properties.Rules.length : 0;
    return {
      charges: [
        { what: 'web ACL', quantity: 1, priceKey: priceKey.wafWebAclMonth },
        { what: 'rules', quantity: rules, priceKey: priceKey.wafRuleMonth },
        { what: 'million requests', quantity: ctx.usage.requestsMillions, priceKey: priceKey.wafMillionRequests },
      ],
    };
  },
};
