import type { PriceTable } from '../price-table';
import { euWest2 } from './eu-west-2';
import { usEast1 } from './us-east-1';

/** Price tables by region. */
export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = {
  [euWest2.region]: euWest2,
  [usEast1.region]: usEast1,
};

/**
 * The regions with a price table. Config validation refuses a region outside it (an estimate
 * and budget there would be all unpriced lines); add one with `npm run refresh-prices -- <region>`.
 */
export const PRICED_REGIONS: readonly string[] = Object.keys(PRICE_TABLES);

/** The price table of `region`; a region without one gets an empty table, so every line there is unpriced. */
export function priceTableFor(region: string): PriceTable {
  return PRICE_TABLES[region] ?? { region, prices: {} };
}
