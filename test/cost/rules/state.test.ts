import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { line, priceStack } from '../fixtures';

describe('state rules', () => {
  test('the DynamoDB state table appears with its request units unpriced, saying why', () => {
    const table = line(
      priceStack(
        {
          StateTable: {
            Type: 'AWS::DynamoDB::Table',
            Properties: { BillingMode: 'PAY_PER_REQUEST', Tags: [{ Key: 'module', Value: 'state-table' }] },
          },
        },
        'running',
      ),
      'StateTable',
    );
    assert.equal(table.status, 'unpriced');
    assert.equal(table.monthlyUsd, 0);
    assert.equal(table.module, 'state-table');
    assert.match(
      table.basis,
      /unpriced: dynamodb\.on-demand\.write\.million: no DynamoDB price in the sourced reference data .*, dynamodb\.on-demand\.read\.million: no DynamoDB price in the sourced reference data/,
    );
  });
});
