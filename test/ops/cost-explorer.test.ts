// Cost Explorer through aws-sdk-client-mock: moto does not implement ListCostAllocationTags,
// UpdateCostAllocationTagsStatus or a tag-filtered GetCostAndUsage faithfully, so these tests
// answer as AWS documents it instead of running against the emulator.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
} from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import {
  activateCostAllocationTags,
  actualCosts,
  costAllocationTags,
  describeCostExplorerFailure,
  previousMonth,
} from '../../src/ops/cost-explorer';

const client = new CostExplorerClient({ region: 'us-east-1' });
const ce = mockClient(client);

const listed = (tags: Array<[string, 'Active' | 'Inactive']>) => ({
  CostAllocationTags: tags.map(([TagKey, Status]) => ({ TagKey, Status, Type: 'UserDefined' as const })),
});

describe('cost allocation tags', () => {
  beforeEach(() => ce.reset());

  test('a key billing has not listed yet is "unknown"', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves(listed([['app', 'Active']]));
    assert.deepEqual(
      (await costAllocationTags(client, ['app', 'environment'])).map((tag) => [tag.key, tag.status]),
      [
        ['app', 'Active'],
        ['environment', 'unknown'],
      ],
    );
    assert.deepEqual(ce.commandCalls(ListCostAllocationTagsCommand)[0].args[0].input, {
      TagKeys: ['app', 'environment'],
      Type: 'UserDefined',
      NextToken: undefined,
    });
  });

  test('activation sends the inactive keys only, in one request', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves(
      listed([
        ['app', 'Active'],
        ['environment', 'Inactive'],
        ['module', 'Inactive'],
      ]),
    );
    ce.on(UpdateCostAllocationTagsStatusCommand).resolves({ Errors: [] });
    const results = await activateCostAllocationTags(client);
    assert.deepEqual(
      results.map((result) => [result.key, result.before, result.outcome]),
      [
        ['app', 'Active', 'already active'],
        ['environment', 'Inactive', 'activated'],
        ['module', 'Inactive', 'activated'],
      ],
    );
    assert.deepEqual(ce.commandCalls(UpdateCostAllocationTagsStatusCommand)[0].args[0].input, {
      CostAllocationTagsStatus: [
        { TagKey: 'environment', Status: 'Active' },
        { TagKey: 'module', Status: 'Active' },
      ],
    });
  });

  test('activation is idempotent: with every key active, no update request at all', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves(
      listed([
        ['app', 'Active'],
        ['environment', 'Active'],
        ['module', 'Active'],
      ]),
    );
    const results = await activateCostAllocationTags(client);
    assert.deepEqual(
      results.map((result) => result.outcome),
      ['already active', 'already active', 'already active'],
    );
    assert.equal(ce.commandCalls(UpdateCostAllocationTagsStatusCommand).length, 0);
  });

  test('a key not yet known to billing is reported as such, with AWS words', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves(listed([['app', 'Inactive']]));
    ce.on(UpdateCostAllocationTagsStatusCommand).resolves({
      Errors: [
        { TagKey: 'environment', Code: 'TagKeysNotFoundException', Message: 'Tag keys not found: environment' },
        { TagKey: 'module', Code: 'TagKeysNotFoundException', Message: 'Tag keys not found: module' },
      ],
    });
    const results = await activateCostAllocationTags(client);
    assert.deepEqual(
      results.map((result) => [result.key, result.before, result.outcome]),
      [
        ['app', 'Inactive', 'activated'],
        ['environment', 'unknown', 'not yet known'],
        ['module', 'unknown', 'not yet known'],
      ],
    );
    assert.equal(results[1].detail, 'TagKeysNotFoundException: Tag keys not found: environment');
  });
});

describe('actual costs', () => {
  beforeEach(() => ce.reset());

  test('last month is the previous calendar month in UTC, also across a new year', () => {
    assert.deepEqual(previousMonth(new Date('2026-11-15T10:00:00Z')), {
      start: '2026-10-01',
      end: '2026-11-01',
      hours: 744,
    });
    assert.deepEqual(previousMonth(new Date('2027-01-01T00:30:00Z')), {
      start: '2026-12-01',
      end: '2027-01-01',
      hours: 744,
    });
    assert.deepEqual(previousMonth(new Date('2026-03-31T23:59:00Z')), {
      start: '2026-02-01',
      end: '2026-03-01',
      hours: 672,
    });
  });

  test('one GetCostAndUsage: last month, monthly UnblendedCost, both tags, by service', async () => {
    ce.on(GetCostAndUsageCommand).resolves({
      ResultsByTime: [
        {
          Estimated: true,
          Groups: [
            {
              Keys: ['Amazon Relational Database Service'],
              Metrics: { UnblendedCost: { Amount: '12.3456', Unit: 'USD' } },
            },
            { Keys: ['Amazon ElastiCache'], Metrics: { UnblendedCost: { Amount: '10.51', Unit: 'USD' } } },
          ],
        },
      ],
    });
    const actual = await actualCosts(client, {
      appName: 'booking',
      environment: 'dev',
      now: new Date('2026-11-15T10:00:00Z'),
    });
    assert.equal(ce.calls().length, 1);
    assert.deepEqual(ce.commandCalls(GetCostAndUsageCommand)[0].args[0].input, {
      TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
      Filter: {
        And: [
          { Tags: { Key: 'app', Values: ['booking'], MatchOptions: ['EQUALS'] } },
          { Tags: { Key: 'environment', Values: ['dev'], MatchOptions: ['EQUALS'] } },
        ],
      },
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    });
    assert.deepEqual(actual.byService, { 'Amazon Relational Database Service': 12.3456, 'Amazon ElastiCache': 10.51 });
    assert.equal(actual.totalUsd, 22.86);
    assert.equal(actual.estimated, true);
    assert.equal(actual.truncated, false);
  });

  test('a second page is not read: it is flagged instead (every request costs 0.01 USD)', async () => {
    ce.on(GetCostAndUsageCommand).resolves({ ResultsByTime: [{ Groups: [] }], NextPageToken: 'more' });
    const actual = await actualCosts(client, {
      appName: 'booking',
      environment: 'dev',
      now: new Date('2026-11-15T10:00:00Z'),
    });
    assert.equal(actual.truncated, true);
    assert.equal(ce.calls().length, 1);
  });

  test('a failure is one line naming the fix: credentials, for the payer account', () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    assert.equal(
      describeCostExplorerFailure(noCredentials, {}),
      "no AWS credentials found; set AWS_PROFILE to a configured profile (run `aws sso login` first if it uses SSO), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Cost Explorer needs the management (payer) account's credentials, or a member account's that the payer lets use Cost Explorer)",
    );
    const denied = Object.assign(
      new Error('User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ce:GetCostAndUsage'),
      {
        name: 'AccessDeniedException',
      },
    );
    assert.match(describeCostExplorerFailure(denied, {}), /^access denied to ce:GetCostAndUsage .* payer/);
  });
});
