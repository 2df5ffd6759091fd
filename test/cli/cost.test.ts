import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { run } from '../../src/cli/main';
import { synth } from '../helpers';

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

  test('--state paused prices the running structure with 0 tasks and the database stopped', async () => {
    const paused = await cli('cost', 'dev', '--state', 'paused', '--format', 'json');
    const running = await cli('cost', 'dev', '--state', 'running', '--format', 'json');
    assert.equal(paused.code, 0, paused.err);
    const [estimate] = JSON.parse(paused.out).estimates;
    assert.equal(estimate.state, 'paused');
    const services = estimate.lines.filter((line: any) => line.type === 'AWS::ECS::Service');
    assert.deepEqual(services.map((line: any) => line.module).sort(), ['web-service', 'worker-service']);
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
