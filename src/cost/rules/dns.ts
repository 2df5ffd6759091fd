import { priceKey } from '../price-table';
import { monthly, type RuleTable } from './context';

/** Route 53: a monthly charge per hosted zone (its alias records are free, see free.ts). */
export const dnsRules: RuleTable = {
  'AWS::Route53::HostedZone': monthly('hosted zone', priceKey.hostedZoneMonth),
};
