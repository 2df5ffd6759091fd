import { HOURS_PER_MONTH, priceKey } from '../price-table';
import type { Charge, RuleTable } from './context';

/** Application load balancers: hours, capacity units and, when internet-facing, an IPv4 address per AZ. */
export const loadBalancerRules: RuleTable = {
  'AWS::ElasticLoadBalancingV2::LoadBalancer': (ctx) => {
    const props = ctx.resource.Properties ?? {};
    if ((props.Type ?? 'application') !== 'application')
      return { unpriced: `no price for ${props.Type} load balancers in the table` };
    const charges: Charge[] = [
      { what: 'hours', quantity: HOURS_PER_MONTH, priceKey: priceKey.albHour },
      {
        what: `LCU-hours (${ctx.usage.albLcu} LCU assumed)`,
        quantity: ctx.usage.albLcu * HOURS_PER_MONTH,
        priceKey: priceKey.albLcuHour,
      },
    ];
    if ((props.Scheme ?? 'internet-facing') === 'internet-facing') {
      const zones = (props.Subnets ?? props.SubnetMappings ?? []).length || 2;
      charges.push({
        what: `public IPv4 hours (${zones} AZ)`,
        quantity: zones * HOURS_PER_MONTH,
        priceKey: priceKey.publicIpv4Hour,
      });
    }
    return { charges };
  },
};
