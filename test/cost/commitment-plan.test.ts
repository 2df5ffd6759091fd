import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { platformConfig } from '../../src/config';
import type { EnvironmentConfig } from '../../src/config/types';
import { commitmentPlan, formatPlan, runningHoursPerWeek } from '../../src/cost/commitment-plan';
import { estimateEnvironments } from '../../src/cost/environment-cost';
import type { CostEstimate, CostLine, PricedCharge } from '../../src/cost/estimator';
import { priceKey, type PriceTable } from '../../src/cost/price-table';
import { priceTableFor } from '../../src/cost/prices';

const dev = platformConfig.environments.find((env) => env.name === 'dev')!;
/** An always-running production environment: no schedule. */
const steadyEnv: EnvironmentConfig = { ...dev, name: 'fixture', production: true, schedule: undefined };
const weekdays: EnvironmentConfig = {
  ...steadyEnv,
  schedule: { timezone: 'Europe/London', pause: 'cron(0 20 ? * MON-FRI *)', resume: 'cron(0 7 ? * MON-FRI *)' },
};

const dbKey = priceKey.rdsInstanceHour('db.t4g.micro', false);
const cacheKey = priceKey.cacheNodeHour('valkey', 'cache.t4g.micro');
const vcpuKey = priceKey.fargateVcpuHour('arm64');
const gbKey = priceKey.fargateGbHour('arm64');

const charge = (fields: Omit<PricedCharge, 'monthlyUsd'>): PricedCharge => ({
  ...fields,
  monthlyUsd: Math.round(fields.quantity * (fields.unitUsd ?? 0) * 100) / 100,
});

function line(logicalId: string, module: string, type: string, charges: PricedCharge[]): CostLine {
  const monthlyUsd = charges.reduce((sum, item) => sum + item.monthlyUsd, 0);
  return { stack: 'fixture-app', logicalId, type, module, monthlyUsd, status: 'priced', basis: '', charges };
}

/** A running estimate: a database, two cache nodes, a service with one on-demand and one Spot task. */
const estimate: CostEstimate = {
  environment: 'fixture',
  state: 'running',
  region: 'eu-west-2',
  totalUsd: 0,
  assumptions: [],
  lines: [
    line('Db', 'database', 'AWS::RDS::DBInstance', [
      charge({
        what: 'db.t4g.micro Single-AZ hours',
        quantity: 730,
        priceKey: dbKey,
        unitUsd: 0.018,
        commitment: 'database-instance',
      }),
      charge({ what: 'GB gp3 storage', quantity: 20, priceKey: 'rds.gp3.single-az.gb-month', unitUsd: 0.133 }),
    ]),
    line('Cache', 'cache', 'AWS::ElastiCache::ReplicationGroup', [
      charge({
        what: 'cache.t4g.micro valkey node-hours (2 nodes)',
        quantity: 1460,
        priceKey: cacheKey,
        unitUsd: 0.0144,
        commitment: 'cache-node',
      }),
    ]),
    line('Web', 'web-service', 'AWS::ECS::Service', [
      charge({
        what: 'arm64 on-demand vCPU-hours (1 x 0.5 vCPU)',
        quantity: 365,
        priceKey: vcpuKey,
        unitUsd: 0.03725,
        commitment: 'fargate-on-demand',
      }),
      charge({
        what: 'arm64 on-demand GB-hours (1 x 1 GB)',
        quantity: 730,
        priceKey: gbKey,
        unitUsd: 0.00409,
        commitment: 'fargate-on-demand',
      }),
      charge({
        what: 'arm64 Spot vCPU-hours (1 x 0.5 vCPU)',
        quantity: 109.5,
        priceKey: vcpuKey,
        unitUsd: 0.03725,
        commitment: 'fargate-spot',
      }),
    ]),
  ],
};

const price = (usd: number, extra: { covers?: number } = {}) => ({
  usd,
  unit: 'h',
  source: 'fixture',
  date: '2026-11',
  ...extra,
});
const table: PriceTable = {
  region: 'eu-west-2',
  prices: {
    [priceKey.commitmentHour(dbKey, 'reserved', 1)]: price(0.01),
    [priceKey.commitmentUpfront(dbKey, 'reserved', 1)]: price(0),
    [priceKey.commitmentHour(dbKey, 'reserved', 3)]: price(0.0043),
    [priceKey.commitmentUpfront(dbKey, 'reserved', 3)]: price(112),
    [priceKey.commitmentHour(dbKey, 'database-savings-plan', 1)]: {
      usd: null,
      unit: 'h',
      notOffered: true,
      reason: 'not for burstable classes (fixture)',
    },
    [priceKey.commitmentHour(cacheKey, 'reserved', 1)]: { usd: null, unit: 'h', reason: 'no sourced rate (fixture)' },
    [priceKey.commitmentHour(cacheKey, 'reserved', 3)]: price(0.004, { covers: 1.25 }),
    [priceKey.commitmentUpfront(cacheKey, 'reserved', 3)]: price(114),
    [priceKey.commitmentHour(vcpuKey, 'compute-savings-plan', 1)]: price(0.03),
    [priceKey.commitmentHour(gbKey, 'compute-savings-plan', 1)]: price(0.003),
  },
};

const lineOf = (plan: ReturnType<typeof commitmentPlan>, start: string) => {
  const found = plan.lines.find((candidate) => candidate.what.startsWith(start));
  assert.ok(found, `a plan line starting "${start}"`);
  return found;
};

describe('commitment plan (cost --plan)', () => {
  test('the running hours of a pause schedule are counted over the week', () => {
    assert.equal(runningHoursPerWeek(weekdays.schedule!), 65);
    assert.equal(
      runningHoursPerWeek({ timezone: 'UTC', pause: 'cron(0 20 ? * FRI *)', resume: 'cron(0 7 ? * MON *)' }),
      4 * 24 + 13,
    );
    assert.equal(
      runningHoursPerWeek({ timezone: 'UTC', pause: 'cron(0 22 * * ? *)', resume: 'cron(0 6 * * ? *)' }),
      undefined,
    );
  });

  test('each steady line is priced per option from the table: reservations whole, Savings Plans per hour', () => {
    const plan = commitmentPlan(steadyEnv, estimate, table, { expectedLifeYears: 1 });
    assert.deepEqual(
      plan.lines.map((item) => [item.what, item.hoursPerWeek, item.onDemandUsdPerYear]),
      [
        ['database db.t4g.micro Single-AZ', 168, 157.68], // 0.018 x 8760
        ['cache cache.t4g.micro valkey (2 nodes)', 168, 252.29], // 2 x 0.0144 x 8760
        ['web on-demand floor (0.5 vCPU, 1 GB)', 168, 198.98], // (0.5 x 0.03725 + 0.00409) x 8760
      ],
    );
    const db = lineOf(plan, 'database');
    // 1 year: 0.01 x 8760; 3 years: 0.0043 x 8760 + 112 / 3.
    assert.deepEqual(db.options['reserved-1yr'], {
      status: 'priced',
      usdPerYear: 87.6,
      savingUsdPerYear: 70.08,
      basis: '1 reservation x (0.01 USD/h x 8760 h + 0 USD / 1 y)',
    });
    assert.equal(db.options['reserved-3yr'].status === 'priced' && db.options['reserved-3yr'].usdPerYear, 75);
    // One Redis OSS reservation covers 1.25 Valkey nodes: two are needed for two nodes.
    const cache = lineOf(plan, 'cache');
    assert.deepEqual(
      cache.options['reserved-3yr'].status === 'priced' && cache.options['reserved-3yr'].savingUsdPerYear,
      106.21,
    );
    assert.match(
      cache.options['reserved-3yr'].status === 'priced' ? cache.options['reserved-3yr'].basis : '',
      /^2 reservations \(each covers 1.25\)/,
    );
    // Compute Savings Plan: the committed rate of the running usage, every hour.
    const web = lineOf(plan, 'web');
    assert.equal(
      web.options['savings-plan-1yr'].status === 'priced' && web.options['savings-plan-1yr'].usdPerYear,
      157.68,
    );
    assert.equal(plan.totals.options['reserved-1yr'].pricedLines, 1);
    assert.equal(plan.totals.options['reserved-3yr'].usdPerYear, 221.08);
    assert.equal(plan.totals.onDemandUsdPerYear, 608.95);
  });

  test('a rate no source gives is unpriced with its reason; what AWS does not sell is not offered', () => {
    const plan = commitmentPlan(steadyEnv, estimate, table, { expectedLifeYears: 1 });
    assert.deepEqual(lineOf(plan, 'cache').options['reserved-1yr'], {
      status: 'unpriced',
      reason: 'no sourced rate (fixture)',
    });
    assert.deepEqual(lineOf(plan, 'database').options['savings-plan-1yr'], {
      status: 'not-offered',
      reason: 'not for burstable classes (fixture)',
    });
    assert.deepEqual(lineOf(plan, 'database').options['savings-plan-3yr'], {
      status: 'unpriced',
      reason: `${priceKey.commitmentHour(dbKey, 'database-savings-plan', 3)} is not in the eu-west-2 price table`,
    });
    assert.equal(lineOf(plan, 'web').options['reserved-1yr'].status, 'not-offered');
    const text = formatPlan(plan);
    assert.match(
      text,
      /cache cache\.t4g\.micro valkey \(2 nodes\) \(1-year reserved\): unpriced: no sourced rate \(fixture\)/,
    );
    assert.match(text, /unpriced\*/);
  });

  test('Spot tasks are left out, and said so', () => {
    const plan = commitmentPlan(steadyEnv, estimate, table, { expectedLifeYears: 1 });
    assert.deepEqual(
      plan.excluded.map((item) => [item.what, item.usdPerYear]),
      [['web Spot tasks', 48.95]], // 109.5 x 0.03725 x 12
    );
    assert.match(
      formatPlan(plan),
      /left out:\n- web Spot tasks \(48\.95 USD\/year\): a Savings Plan is sized to the on-demand floor; Spot tasks are already discounted/,
    );
  });

  test('the recommendation takes the largest saving that does not commit beyond the expected life', () => {
    const oneYear = commitmentPlan(steadyEnv, estimate, table, { expectedLifeYears: 1 }).recommendation;
    assert.deepEqual(
      oneYear.choices.map((choice) => [choice.what.split(' ')[0], choice.option, choice.savingUsdPerYear]),
      [
        ['database', 'reserved-1yr', 70.08],
        ['cache', null, 0],
        ['web', 'savings-plan-1yr', 41.3],
      ],
    );
    assert.equal(oneYear.savingUsdPerYear, 111.38);
    assert.ok(
      oneYear.text.some((text) => /3-year reserved would save 106\.21 USD\/year, but commits for 3 years/.test(text)),
    );
    const threeYears = commitmentPlan(steadyEnv, estimate, table, { expectedLifeYears: 3 }).recommendation;
    // 3 years: the database's 3-year reservation (82.68) beats its 1-year one (70.08).
    assert.deepEqual(
      threeYears.choices.map((choice) => choice.option),
      ['reserved-3yr', 'reserved-3yr', 'savings-plan-1yr'],
    );
  });

  test('paused hours still pay a commitment: a database running 65 of 168 hours loses money on it', () => {
    const plan = commitmentPlan(weekdays, estimate, table, { expectedLifeYears: 1 });
    const db = lineOf(plan, 'database');
    assert.equal(db.hoursPerWeek, 65);
    assert.equal(db.onDemandUsdPerYear, 61.01); // 157.68 x 65 / 168
    assert.deepEqual(db.options['reserved-1yr'], {
      status: 'priced',
      usdPerYear: 87.6,
      savingUsdPerYear: -26.59,
      basis: '1 reservation x (0.01 USD/h x 8760 h + 0 USD / 1 y)',
    });
    // The cache is not paused: it runs all week.
    assert.equal(lineOf(plan, 'cache').hoursPerWeek, 168);
    assert.equal(plan.recommendation.choices[0].option, null);
    assert.ok(
      plan.recommendation.text.some((text) =>
        /runs 65 of 168 hours a week .* pays only above 61\.3% off on-demand \(1-year reserved is 44\.4% off/.test(
          text,
        ),
      ),
    );
    assert.match(formatPlan(plan), /87\.60 \(loses 26\.59\)/);
  });

  test('the committed prices: prod 3-year cache reservations save 106.21 USD a year, its database stays unpriced', () => {
    const prod = platformConfig.environments.find((env) => env.name === 'prod')!;
    const [running] = estimateEnvironments(platformConfig, [prod], 'running');
    const plan = commitmentPlan(prod, running, priceTableFor(prod.region), { expectedLifeYears: 3 });
    const cache = lineOf(plan, 'cache');
    assert.equal(
      cache.options['reserved-3yr'].status === 'priced' && cache.options['reserved-3yr'].savingUsdPerYear,
      106.21,
    );
    const db = lineOf(plan, 'database db.t4g.small Multi-AZ');
    assert.equal(db.options['reserved-1yr'].status, 'unpriced');
    assert.match(
      db.options['reserved-1yr'].status === 'unpriced' ? db.options['reserved-1yr'].reason : '',
      /describe-reserved-db-instances-offerings .* --multi-az --duration 31536000/,
    );
    assert.equal(db.options['savings-plan-1yr'].status, 'not-offered');
    assert.deepEqual(
      plan.lines.filter((item) => item.use === 'fargate-on-demand').map((item) => item.what),
      ['web on-demand floor (0.75 vCPU, 1.5 GB)', 'worker on-demand floor (0.25 vCPU, 1 GB)'],
    );
    assert.deepEqual(
      plan.recommendation.choices.find((choice) => choice.what.startsWith('cache'))?.option,
      'reserved-3yr',
    );
  });
});
