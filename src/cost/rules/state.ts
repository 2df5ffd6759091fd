import { priceKey } from '../price-table';
import type { RuleTable } from './context';

/** The ops state table (DynamoDB on demand): request units from the usage assumptions. */
export const stateRules: RuleTable = {
  'AWS::DynamoDB::Table': (ctx) => {
    // The guard reads the record and the lock on every run, a transition writes a few items
    // (record, lock, journal). Storage is a few KB (first 25 GB free), so it is not charged.
    const reads = ctx.usage.stateTableReadsPerMonth;
    const writes = ctx.usage.stateTableWritesPerMonth;
    return {
      charges: [
        {
          what: `write request units (~${writes}/month)`,
          quantity: writes / 1e6,
          priceKey: priceKey.dynamodbMillionWrites,
        },
        {
          what: `read request units (~${reads}/month)`,
          quantity: reads / 1e6,
          priceKey: priceKey.dynamodbMillionReads,
        },
      ],
    };
  },
};
