import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { platformConfig } from '../../src/config';
import { isPriced } from '../../src/cost/price-table';
import { PRICE_TABLES, priceTableFor } from '../../src/cost/prices';

describe('price tables', () => {
  test('every price carries its unit, source and date; every missing price its reason', () => {
    for (const table of Object.values(PRICE_TABLES)) {
      for (const [key, entry] of Object.entries(table.prices)) {
        assert.ok(entry.unit.length > 0, `${table.region} ${key} unit`);
        if (isPriced(entry)) {
          assert.ok(
            entry.usd >= 0 && entry.source.length > 0 && /^\d{4}-\d{2}$/.test(entry.date),
            `${table.region} ${key}`,
          );
        } else {
          assert.ok(entry.reason.length > 10, `${table.region} ${key} reason`);
        }
      }
    }
  });

  test('every configured instance class and cache node has a price in its region', () => {
    for (const env of platformConfig.environments) {
      const table = priceTableFor(env.region);
      const dbKey = `rds.postgres.${env.database.instanceClass}.${env.database.multiAz ? 'multi-az' : 'single-az'}.hour`;
      const cacheKey = `elasticache.${env.cache.engine}.${env.cache.nodeType}.hour`;
      assert.ok(isPriced(table.prices[dbKey]), dbKey);
      assert.ok(isPriced(table.prices[cacheKey]), cacheKey);
    }
  });
});
