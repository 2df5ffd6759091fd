import assert from 'node:assert/strict';
import { before, beforeEach, describe, test } from 'node:test';
import {
  GetCostAndUsageCommand,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
} from '@aws-sdk/client-cost-explorer';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { run } from '../../src/cli/main';
import { synth } from '../helpers';
import { FakeAws } from '../ops/fake-aws';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Checks a value against the JSON shape documented in the README; returns the problems. */
function shapeProblems(report: any): string[] {
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => ok || problems.push(what);
  expect(report.currency === 'USD', 'currency is USD');
  expect(report.hoursPerMonth === 730, 'hoursPerMonth is 730');
  expect(Array.isArray(report.summary) && report.summary.length === report.estimates.length, 'summary per estimate');
  for (const estimate of report.estimates) {
    expect(typeof estimate.environment === 'string', 'environment');
    expect(['running', 'paused', 'minimal'].includes(estimate.state), 'state');
    expect(typeof estimate.totalUsd === 'number', 'totalUsd');
    expect(
      Array.isArray(estimate.assumptions) && estimate.assumptions.every((a: unknown) => typeof a === 'string'),
      'assumptions',
    );
    for (const line of estimate.lines) {
      for (const key of ['stack', 'logicalId', 'type', 'module', 'basis'])
        expect(typeof line[key] === 'string', `line.${key}`);
      expect(typeof line.monthlyUsd === 'number', 'line.monthlyUsd');
      expect(['priced', 'free', 'unpriced'].includes(line.status), 'line.status');
    }
  }
  return problems;
}

describe('booking-infra cost', () => {
  let assemblyDir: string;
  before(() => {
    // The committed platform's cloud assembly, as `npx cdk synth` leaves it in cdk.out.
    assemblyDir = synth().assembly.directory;
  });

  test('--format json prints the documented shape', async () => {
    const result = await cli('cost', 'dev', '--state', 'running', '--format', 'json');
    assert.equal(result.code, 0, result.err);
    const report = JSON.parse(result.out);
    assert.deepEqual(shapeProblems(report), []);
    assert.deepEqual(
      report.summary.map((s: any) => [s.environment, s.state]),
      [['dev', 'running']],
    );
  });

  test('--assembly prices an existing cdk.out in the state it was synthesized in', async () => {
    const fromAssembly = await cli('cost', 'prod', '--assembly', assemblyDir, '--format', 'json');
    const synthesized = await cli('cost', 'prod', '--state', 'running', '--format', 'json');
    assert.equal(fromAssembly.code, 0, fromAssembly.err);
    assert.equal(JSON.parse(fromAssembly.out).summary[0].totalUsd, JSON.parse(synthesized.out).summary[0].totalUsd);
  });

  test('--assembly with a state it does not hold says how to get it', async () => {
    const result = await cli('cost', 'dev', '--assembly', assemblyDir, '--state', 'paused');
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /--state paused: .* holds dev synthesized in state running \(omit --assembly to synthesize paused\)/,
    );
  });

  test('markdown prints the per-state cost table', async () => {
    const result = await cli('cost', 'dev', '--format', 'markdown');
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /\| environment \| state \| USD\/month \| what's running \|/);
    for (const state of ['running', 'paused', 'minimal'])
      assert.match(result.out, new RegExp(`\\| dev \\| ${state} \\| \\d+\\.\\d\\d \\|`));
  });

  test('--state paused prices the running structure with 0 tasks (dev: web, worker and its cache task) and the database stopped', async () => {
    const paused = await cli('cost', 'dev', '--state', 'paused', '--format', 'json');
    const running = await cli('cost', 'dev', '--state', 'running', '--format', 'json');
    assert.equal(paused.code, 0, paused.err);
    const [estimate] = JSON.parse(paused.out).estimates;
    assert.equal(estimate.state, 'paused');
    const services = estimate.lines.filter((line: any) => line.type === 'AWS::ECS::Service');
    assert.deepEqual(services.map((line: any) => line.module).sort(), ['cache', 'web-service', 'worker-service']);
    for (const line of services) {
      assert.equal(line.monthlyUsd, 0, line.logicalId);
      assert.match(line.basis, /0 tasks; scales \d+-\d+ tasks$/);
    }
    assert.ok(estimate.totalUsd < JSON.parse(running.out).summary[0].totalUsd);
  });

  test('the state table is listed with its request units unpriced; the guard is priced in every state', async () => {
    const result = await cli('cost', 'dev', '--state', 'all', '--format', 'json');
    assert.equal(result.code, 0, result.err);
    const estimates = JSON.parse(result.out).estimates.filter((e: any) => e.environment === 'dev');
    assert.deepEqual(estimates.map((e: any) => e.state).sort(), ['minimal', 'paused', 'running']);
    for (const estimate of estimates) {
      const table = estimate.lines.find((line: any) => line.type === 'AWS::DynamoDB::Table');
      assert.equal(table?.status, 'unpriced', estimate.state);
      assert.match(table.basis, /no DynamoDB price in the sourced reference data/);
      const guard = estimate.lines
        .filter((line: any) => line.module === 'state-guard')
        .reduce((sum: number, line: any) => sum + line.monthlyUsd, 0);
      // The running-while-paused alarm (0.10) and the guard's metric (0.30).
      assert.equal(Math.round(guard * 100) / 100, 0.4, estimate.state);
    }
  });

  test('an unknown environment fails naming the ones that exist', async () => {
    const result = await cli('cost', 'staging');
    assert.equal(result.code, 1);
    assert.equal(result.err, 'booking-infra: unknown environment "staging" (use one of: dev, prod)');
  });

  test('a bad --state or --format is refused with the allowed values', async () => {
    const state = await cli('cost', '--state', 'stopped');
    assert.notEqual(state.code, 0);
    assert.match(state.err, /--state "stopped" is not one of: running, paused, minimal, all/);
    const format = await cli('cost', '--format', 'xml');
    assert.notEqual(format.code, 0);
    assert.match(format.err, /--format "xml" is not one of: table, json, markdown/);
  });

  test('a missing assembly directory says what to run', async () => {
    const result = await cli('cost', '--assembly', '/nonexistent');
    assert.equal(result.code, 1);
    assert.match(result.err, /no manifest.json there \(run "npm start" or "npx cdk synth" first/);
  });
});

describe('booking-infra cost --plan', () => {
  test('dev: the database pays a reservation while paused, so it loses; the schedule says why', async () => {
    const result = await cli('cost', 'dev', '--plan');
    assert.equal(result.code, 0, result.err);
    assert.match(
      result.out,
      /^Commitment plan for dev \(eu-west-2\), USD a year; recommendations only, nothing is bought/,
    );
    assert.match(
      result.out,
      /database db\.t4g\.micro Single-AZ\s+65\s+61\.01\s+unpriced\*\s+75\.00 \(loses 13\.99\)\s+n\/a/,
    );
    assert.match(
      result.out,
      /runs 65 of 168 hours a week \(schedule\), but a commitment bills every hour, paused or not: it pays only above 61\.3% off/,
    );
    assert.match(result.out, /nothing to commit to within the expected life of dev \(1 year\)/);
  });

  test('prod --format json: per line, per option; unpriced options carry the reason', async () => {
    const result = await cli('cost', 'prod', '--plan', '--format', 'json', '--expected-life', '3');
    assert.equal(result.code, 0, result.err);
    const plan = JSON.parse(result.out);
    assert.equal(plan.expectedLifeYears, 3);
    const cache = plan.lines.find((line: any) => line.use === 'cache-node');
    assert.deepEqual(cache.options['reserved-3yr'], {
      status: 'priced',
      usdPerYear: 146.08,
      savingUsdPerYear: 106.21,
      basis: '2 reservations (each covers 1.25) x (0.004 USD/h x 8760 h + 114 USD / 3 y)',
    });
    const web = plan.lines.find((line: any) => line.what.startsWith('web'));
    assert.equal(web.options['savings-plan-1yr'].status, 'unpriced');
    assert.match(web.options['savings-plan-1yr'].reason, /AWS publishes only "up to 50%" for Fargate/);
    assert.deepEqual(
      plan.recommendation.choices.find((choice: any) => choice.option !== null),
      {
        what: 'cache cache.t4g.micro valkey (2 nodes)',
        option: 'reserved-3yr',
        savingUsdPerYear: 106.21,
      },
    );
  });

  test('one environment, one mode, table or json', async () => {
    assert.match((await cli('cost', '--plan')).err, /--plan takes one environment \(e\.g\. cost prod --plan\), not 0/);
    assert.match((await cli('cost', 'dev', '--plan', '--actual')).err, /--plan and --actual: give one at a time/);
    assert.match(
      (await cli('cost', 'dev', '--plan', '--format', 'markdown')).err,
      /--format markdown is for the estimate/,
    );
    assert.match(
      (await cli('cost', 'dev', '--plan', '--state', 'paused')).err,
      /--state prices the estimate; it does not go with --plan/,
    );
    assert.match((await cli('cost', 'dev', '--expected-life', '3')).err, /--expected-life goes with --plan/);
    assert.match(
      (await cli('cost', 'dev', '--plan', '--expected-life', '0')).err,
      /--expected-life "0" is not a whole number of years from 1 to 10/,
    );
  });
});

describe('booking-infra cost --activate-tags and --actual (Cost Explorer mocked: moto does not implement it)', () => {
  let fake: FakeAws;
  beforeEach(() => {
    fake = new FakeAws('dev');
  });

  async function awsCli(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const deps: OpsDependencies = {
      clients: () => fake.clients,
      sleep: async () => undefined,
      now: () => Date.parse('2026-11-15T10:00:00Z'),
      interactive: false,
      ask: async () => '',
      resolveNs: async () => [],
      monthlyCost: () => 0,
    };
    const code = await run(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, {}, deps);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const listed = (tags: Array<[string, 'Active' | 'Inactive']>, lastUpdated?: string) => ({
    CostAllocationTags: tags.map(([TagKey, Status]) => ({
      TagKey,
      Status,
      Type: 'UserDefined' as const,
      LastUpdatedDate: lastUpdated,
    })),
  });

  test('--activate-tags activates what is inactive, shows the status; a second run has nothing to do', async () => {
    fake.stubs.costExplorer
      .on(ListCostAllocationTagsCommand)
      .resolvesOnce(
        listed([
          ['app', 'Inactive'],
          ['environment', 'Inactive'],
          ['module', 'Active'],
        ]),
      )
      .resolves(
        listed([
          ['app', 'Active'],
          ['environment', 'Active'],
          ['module', 'Active'],
        ]),
      );
    fake.stubs.costExplorer.on(UpdateCostAllocationTagsStatusCommand).resolves({ Errors: [] });
    const first = await awsCli('cost', '--activate-tags');
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /app\s+Inactive\s+Active\s+activated/);
    assert.match(first.out, /module\s+Active\s+Active\s+already active, nothing to do/);
    assert.match(first.out, /2 activated, 1 already active, 0 not yet known, 0 failed/);
    const second = await awsCli('cost', '--activate-tags');
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /0 activated, 3 already active/);
    assert.equal(fake.stubs.costExplorer.commandCalls(UpdateCostAllocationTagsStatusCommand).length, 1);
  });

  test('--activate-tags: a key billing does not know yet fails with the fix (deploy, wait a day, run again)', async () => {
    fake.stubs.costExplorer.on(ListCostAllocationTagsCommand).resolves(listed([['app', 'Inactive']]));
    fake.stubs.costExplorer.on(UpdateCostAllocationTagsStatusCommand).resolves({
      Errors: [{ TagKey: 'module', Code: 'TagKeysNotFoundException', Message: 'Tag keys not found' }],
    });
    const result = await awsCli('cost', '--activate-tags');
    assert.equal(result.code, 1);
    assert.match(
      result.out,
      /module\s+not listed\s+-\s+not yet known to billing \(TagKeysNotFoundException: Tag keys not found\)/,
    );
    assert.equal(
      result.err,
      "booking-infra: cost --activate-tags: module not yet known to billing, which lists a tag key only once resources carrying it have been billed: deploy (npx cdk deploy 'booking-<env>/*'), wait up to 24 hours, then run this again",
    );
  });

  test("--actual: estimate and actual per Cost Explorer service, with one GetCostAndUsage; dev's cache is an ECS task, so an ElastiCache bill is not in its estimate", async () => {
    fake.stubs.costExplorer.on(ListCostAllocationTagsCommand).resolves(
      listed(
        [
          ['app', 'Active'],
          ['environment', 'Active'],
        ],
        '2026-10-20T00:00:00Z',
      ),
    );
    fake.stubs.costExplorer.on(GetCostAndUsageCommand).resolves({
      ResultsByTime: [
        {
          Estimated: false,
          Groups: [
            {
              Keys: ['Amazon Relational Database Service'],
              Metrics: { UnblendedCost: { Amount: '7.50', Unit: 'USD' } },
            },
            {
              Keys: ['Amazon Elastic Container Service'],
              Metrics: { UnblendedCost: { Amount: '2.20', Unit: 'USD' } },
            },
            // Billed before dev's cache moved to an ECS task (the month of the switch).
            { Keys: ['Amazon ElastiCache'], Metrics: { UnblendedCost: { Amount: '10.71', Unit: 'USD' } } },
            { Keys: ['Tax'], Metrics: { UnblendedCost: { Amount: '3.10', Unit: 'USD' } } },
          ],
        },
      ],
    });
    const result = await awsCli('cost', 'dev', '--actual');
    assert.equal(result.code, 0, result.err);
    assert.equal(fake.stubs.costExplorer.commandCalls(GetCostAndUsageCommand).length, 1);
    assert.match(result.out, /^dev, 2026-10: estimate \(running 38\.7%, paused 61\.3%\) against Cost Explorer/);
    // The database is weighted by the schedule: 730 h running, storage only while paused.
    assert.match(result.out, /Amazon Relational Database Service\s+7\.74\s+7\.50\s+-3\.1%/);
    // Fargate: web and the cache task while running (their public IPv4 addresses are VPC's).
    assert.match(result.out, /Amazon Elastic Container Service\s+2\.10\s+2\.20\s+\+4\.8%/);
    assert.match(result.out, /Amazon ElastiCache\s+0\.00\s+10\.71\s+n\/a/);
    assert.match(result.out, /Tax\s+0\.00\s+3\.10\s+n\/a/);
    assert.match(result.out, /not in the estimate, billed all the same: Amazon ElastiCache, Tax/);
    assert.match(result.out, /the tags were activated on 2026-10-20: costs before that day are untagged/);
    const json = await awsCli('cost', 'dev', '--actual', '--format', 'json');
    assert.equal(JSON.parse(json.out).month, '2026-10');
  });

  test('--actual without active tags: one line naming --activate-tags, and no GetCostAndUsage', async () => {
    fake.stubs.costExplorer.on(ListCostAllocationTagsCommand).resolves(
      listed([
        ['app', 'Active'],
        ['environment', 'Inactive'],
      ]),
    );
    const result = await awsCli('cost', 'dev', '--actual');
    assert.equal(result.code, 1);
    assert.equal(
      result.err,
      'booking-infra: cost dev --actual: the cost allocation tag environment (inactive) must be active: run "npx booking-infra cost --activate-tags" with the payer account\'s credentials, then wait up to 24 hours (costs are tagged from activation on, not before)',
    );
    assert.equal(fake.stubs.costExplorer.commandCalls(GetCostAndUsageCommand).length, 0);
  });

  test('--actual without credentials: one line with the fix, no stack trace', async () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    fake.stubs.costExplorer.on(ListCostAllocationTagsCommand).rejects(noCredentials);
    const result = await awsCli('cost', 'dev', '--actual');
    assert.equal(result.code, 1);
    assert.equal(result.err.split('\n').length, 1);
    assert.match(
      result.err,
      /^booking-infra: cost dev --actual: no AWS credentials found; .* \(Cost Explorer needs the management \(payer\) account's credentials/,
    );
  });
});
