import { priceKey } from '../price-table';
import type { RuleTable } from './context';

/** CloudFront distributions and WAF web ACLs, both billed per request at the edge. */
export const edgeRules: RuleTable = {
  'AWS::CloudFront::Distribution': (ctx) => ({
    charges: [
      { what: 'GB out', quantity: ctx.usage.cdnDataGiB, priceKey: priceKey.cloudFrontGb },
      {
        what: '10k HTTPS requests',
        quantity: ctx.usage.requestsMillions * 100,
        priceKey: priceKey.cloudFrontTenThousandHttps,
      },
    ],
    note: "before CloudFront's account-wide always-free tier (1 TB, 10 M requests)",
  }),

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
