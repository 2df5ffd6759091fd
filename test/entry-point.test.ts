import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { platformConfig } from '../src/config';
import { entryPointSettings } from '../src/entry-point';
import { summarizeStacks } from '../src/summary';
import { synth } from './helpers';

/** Runs an entry point as a user would, with a bad account id in the environment. */
function runWithBadAccount(script: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, BOOKING_ACCOUNT: 'abc' },
    encoding: 'utf8',
  });
}

describe('entry points', () => {
  for (const script of ['scripts/synth-all.ts', 'bin/app.ts']) {
    test(`${script}: a config mistake prints one line per mistake, no stack trace, exit code 2`, () => {
      const result = runWithBadAccount(script);
      assert.equal(result.status, 2, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.deepEqual(lines, [
        'config error in shared.account: "abc" is not an AWS account id (use the 12 digits, or set BOOKING_ACCOUNT)',
        'config error in dev.account: "abc" is not an AWS account id (use the 12 digits, or set BOOKING_DEV_ACCOUNT)',
        'config error in prod.account: "abc" is not an AWS account id (use the 12 digits, or set BOOKING_PROD_ACCOUNT)',
      ]);
      assert.doesNotMatch(result.stderr + result.stdout, /\n\s+at /);
    });
  }

  test('BOOKING_ACCOUNT and BOOKING_<ENV>_ACCOUNT apply to every entry point; BOOKING_FIRST_DEPLOY is read there too', () => {
    const settings = entryPointSettings({
      BOOKING_ACCOUNT: '123456789012',
      BOOKING_PROD_ACCOUNT: '123456789012',
      BOOKING_FIRST_DEPLOY: 'dev',
    });
    assert.equal(settings.config.shared.account, '123456789012');
    assert.deepEqual(
      settings.config.environments.map((env) => env.account),
      ['123456789012', '123456789012'],
    );
    assert.deepEqual(settings.firstDeploy, ['dev']);
    assert.deepEqual(entryPointSettings({}).config, platformConfig);
  });

  test('the stack names npm start prints are the ones npx cdk takes, shared stacks included', () => {
    const ids = summarizeStacks(synth().assembly).map((stack) => [stack.cdkId, stack.stackName]);
    assert.deepEqual(
      ids.filter(([id]) => id.startsWith('booking-shared/')).map(([id]) => id),
      ['booking-shared/baseline', 'booking-shared/dns', 'booking-shared/images', 'booking-shared/source'],
    );
    for (const [id, name] of ids) assert.equal(id.replace('/', '-'), name);
    assert.ok(ids.some(([id]) => id === 'booking-dev/app'));
  });
});
