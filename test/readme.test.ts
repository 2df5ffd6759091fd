import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { platformConfig } from '../src/config';
import { readmeCostTable, withCostTable } from '../src/cost/readme-table';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  test('the cost table matches what the cost command prints (run `npm run docs` after a change)', () => {
    assert.equal(withCostTable(readme, readmeCostTable(platformConfig)), readme);
  });

  test('the quickstart shows exactly the two set-up lines', () => {
    assert.match(readme, /npm ci && npm start/);
    assert.match(readme, /\nnpm test /);
  });
});
