/**
 * Scheduled minimums (issue 17, item 3): the scalable target's scheduled actions in the
 * environment's time zone, suspended while the bounds are 0..0 (deploy-time bounds, pause), lifted
 * on resume; validation of windows against each other and against the pause schedule; their price.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { run } from '../../src/cli/main';
import { platformConfig } from '../../src/config';
import type { PlatformConfig, ScheduledMinimum } from '../../src/config/types';
import { findConfigIssues } from '../../src/config/validate';
import { cronDays, dailyCron } from '../../src/config/validate/scheduled-scaling';
import { estimateEnvironments } from '../../src/cost/environment-cost';
import { FakeAws } from '../ops/fake-aws';
import { resourcesOfType, synth, withEnvironment, type SynthesizedPlatform } from '../helpers';

const issuesOf = (config: PlatformConfig) =>
  findConfigIssues(config).map((issue) => `${issue.field}: ${issue.message}`);
const devWindows = (windows: ScheduledMinimum[], extra: object = {}) =>
  withEnvironment('dev', { compute: { web: { minTasks: 1, maxTasks: 2, scheduledMinimums: windows }, ...extra } });

describe('scheduled minimums: template', () => {
  let platform: SynthesizedPlatform;
  before(() => {
    platform = synth();
  });

  test("prod web: the salons' hours raise the minimum to 3 and give it back, in London time", () => {
    const [, target] = resourcesOfType(
      platform.json('prod', 'app'),
      'AWS::ApplicationAutoScaling::ScalableTarget',
    ).find(([id]) => id.startsWith('WebService'))!;
    assert.deepEqual(target.Properties.ScheduledActions, [
      {
        ScheduledActionName: 'salon-hours-start',
        Schedule: 'cron(0 9 ? * MON-SAT *)',
        Timezone: 'Europe/London',
        ScalableTargetAction: { MinCapacity: 3 },
      },
      {
        ScheduledActionName: 'salon-hours-end',
        Schedule: 'cron(0 19 ? * MON-SAT *)',
        Timezone: 'Europe/London',
        ScalableTargetAction: { MinCapacity: 2 },
      },
    ]);
    // The bounds name the windows: editing one (which registers the target again, bounds and
    // suspension included) resolves the bounds again from the state record in the same deploy.
    const boundsId = target.Properties.MinCapacity['Fn::GetAtt'][0];
    const bounds = platform.json('prod', 'app').Resources[boundsId];
    assert.deepEqual(JSON.parse(bounds.Properties.ScheduledMinimums), [
      { name: 'salon-hours', days: 'MON-SAT', from: '09:00', to: '19:00', minTasks: 3 },
    ]);
    // Suspended whenever the state record holds the service at 0..0 (the bounds resolve it at deploy).
    assert.deepEqual(target.Properties.SuspendedState, {
      ScheduledScalingSuspended: {
        'Fn::GetAtt': [target.Properties.MinCapacity['Fn::GetAtt'][0], 'ScheduledScalingSuspended'],
      },
    });
  });

  test('dev and prod worker: no scheduled action, no suspended state written', () => {
    for (const [env, prefix] of [
      ['dev', 'WebService'],
      ['dev', 'WorkerService'],
      ['prod', 'WorkerService'],
    ]) {
      const [, target] = resourcesOfType(platform.json(env, 'app'), 'AWS::ApplicationAutoScaling::ScalableTarget').find(
        ([id]) => id.startsWith(prefix),
      )!;
      assert.equal(target.Properties.ScheduledActions, undefined, `${env} ${prefix}`);
      assert.equal(target.Properties.SuspendedState, undefined, `${env} ${prefix}`);
    }
  });

  test('the price counts the extra task for the window hours (60 h a week of one more web task)', () => {
    const [prod] = estimateEnvironments(
      platformConfig,
      platformConfig.environments.filter((env) => env.name === 'prod'),
      'running',
    );
    const web = prod.lines.find(
      (line) => line.logicalId.startsWith('WebService') && line.type === 'AWS::ECS::Service',
    )!;
    assert.match(web.basis, /salon-hours \(\+0\.50 for 260\.71 h\)/);
    // 60 h x 730 / 168 = 260.71 h of one more 0.5 vCPU / 1 GB task, half on Spot (70% off).
    const hours = (60 * 730) / 168;
    const perTaskHour = 0.5 * 0.03725 + 1 * 0.00409;
    const extra = hours * perTaskHour * (0.5 + 0.5 * 0.3);
    const noWindows = withEnvironment('prod', { compute: { web: { scheduledMinimums: [] } } });
    const [withoutWindow] = estimateEnvironments(
      noWindows,
      noWindows.environments.filter((env) => env.name === 'prod'),
      'running',
    );
    const base = withoutWindow.lines.find(
      (line) => line.logicalId.startsWith('WebService') && line.type === 'AWS::ECS::Service',
    )!;
    assert.equal(Math.round((web.monthlyUsd - base.monthlyUsd) * 100), Math.round(extra * 100));
  });
});

describe('scheduled minimums: validation', () => {
  test('the committed environments are valid; cron helpers read the schedule forms', () => {
    assert.deepEqual(findConfigIssues(platformConfig), []);
    assert.deepEqual([...cronDays('MON-FRI')!], [1, 2, 3, 4, 5]);
    assert.deepEqual([...cronDays('SAT,SUN')!].sort(), [0, 6]);
    assert.equal(cronDays('FRI-MON'), undefined);
    assert.deepEqual(dailyCron('cron(0 20 ? * MON-FRI *)')?.minutes, 20 * 60);
  });

  test("a window outside dev's running hours (07:00-20:00 on weekdays) is refused: it would fight the pause", () => {
    const issues = issuesOf(devWindows([{ name: 'late', days: 'MON-FRI', from: '18:00', to: '21:00', minTasks: 2 }]));
    assert.equal(issues.length, 1);
    assert.match(
      issues[0],
      /^dev\.compute\.web\.scheduledMinimums\[0\]: "late" \(MON-FRI 18:00-21:00\) reaches outside the hours the schedule runs the environment \(resume 07:00, pause 20:00\)/,
    );
    const weekend = issuesOf(devWindows([{ name: 'sat', days: 'SAT', from: '10:00', to: '12:00', minTasks: 2 }]));
    assert.match(weekend[0], /paused all SAT/);
    assert.deepEqual(
      issuesOf(devWindows([{ name: 'day', days: 'MON-FRI', from: '09:00', to: '17:00', minTasks: 2 }])),
      [],
    );
  });

  test('overlapping windows of one service are refused', () => {
    const issues = issuesOf(
      devWindows([
        { name: 'morning', days: 'MON-FRI', from: '08:00', to: '12:00', minTasks: 2 },
        { name: 'midday', days: 'WED', from: '11:00', to: '14:00', minTasks: 2 },
      ]),
    );
    assert.equal(issues.length, 1);
    assert.match(
      issues[0],
      /^dev\.compute\.web\.scheduledMinimums\[1\]: "midday" \(WED 11:00-14:00\) overlaps "morning"/,
    );
  });

  test('malformed windows name the field and the fix', () => {
    const issues = issuesOf(
      devWindows([{ name: 'bad name', days: 'WEEKDAYS', from: '9am', to: '08:00', minTasks: 5 }]),
    );
    assert.deepEqual(
      issues.map((issue) => issue.split(':')[0]),
      [
        'dev.compute.web.scheduledMinimums[0].name',
        'dev.compute.web.scheduledMinimums[0].days',
        'dev.compute.web.scheduledMinimums[0].from',
        'dev.compute.web.scheduledMinimums[0].minTasks',
      ],
    );
  });

  test("a time zone other than the schedule's is refused", () => {
    const issues = issuesOf(
      devWindows([{ name: 'day', days: 'MON-FRI', from: '09:00', to: '17:00', minTasks: 2 }], { timezone: 'UTC' }),
    );
    assert.deepEqual(issues, [
      'dev.compute.timezone: "UTC" differs from schedule.timezone "Europe/London": the windows and the pause schedule must be read in one time zone (use "Europe/London")',
    ]);
  });
});

describe('scheduled minimums: pause and resume', () => {
  test('pause suspends scheduled scaling with the 0..0 bounds; resume lifts it with the restored bounds', async () => {
    const fake = new FakeAws('dev');
    let clock = Date.parse('2026-11-27T12:00:00Z');
    const deps: OpsDependencies = {
      clients: () => fake.clients,
      sleep: async () => undefined,
      now: () => (clock += 1000),
      interactive: false,
      ask: async () => '',
      resolveNs: async () => [],
      monthlyCost: () => 0,
      actor: 'cli:alice@laptop',
    };
    const io = { out: () => undefined, err: () => undefined };
    assert.equal(await run(['pause', 'dev'], io, {}, deps), 0);
    const paused = fake.stubs.autoscaling.commandCalls(RegisterScalableTargetCommand).map((call) => call.args[0].input);
    assert.ok(paused.length > 0);
    for (const input of paused)
      assert.deepEqual(input.SuspendedState, { ScheduledScalingSuspended: true }, input.ResourceId);
    fake.stubs.autoscaling.resetHistory();
    assert.equal(await run(['resume', 'dev'], io, {}, deps), 0);
    const resumed = fake.stubs.autoscaling
      .commandCalls(RegisterScalableTargetCommand)
      .map((call) => call.args[0].input);
    assert.ok(resumed.length > 0);
    for (const input of resumed) {
      assert.deepEqual(input.SuspendedState, { ScheduledScalingSuspended: input.MaxCapacity === 0 }, input.ResourceId);
    }
    assert.ok(resumed.some((input) => input.SuspendedState?.ScheduledScalingSuspended === false));
  });
});
