import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app';
import {
  accountVariable,
  ConfigValidationError,
  findConfigIssues,
  platformConfig,
  type PlatformConfig,
  validateConfig,
  withAccountOverrides,
} from '../../src/config';
import { webCommand, withAppPort } from '../../src/config/application';
import { editDistance } from '../../src/config/validate';
import { type EnvironmentPatch, withEnvironment } from '../helpers';

/** The one error message a config produces; fails when it produces none or several. */
function onlyError(config: PlatformConfig): string {
  const issues = findConfigIssues(config);
  assert.equal(issues.length, 1, `expected one issue, got: ${JSON.stringify(issues)}`);
  return `config error in ${issues[0].field}: ${issues[0].message}`;
}

function errorFor(env: string, patch: EnvironmentPatch): string {
  return onlyError(withEnvironment(env, patch));
}

describe('config validation', () => {
  test('the committed dev and prod configs are valid', () => {
    assert.deepEqual(findConfigIssues(platformConfig), []);
  });

  test('a CIDR that is not a CIDR names the field and the expected shape', () => {
    assert.equal(
      errorFor('dev', { network: { cidr: '10.10.0/16' } }),
      'config error in dev.network.cidr: "10.10.0/16" is not an IPv4 CIDR block (write it as "10.10.0.0/16")',
    );
  });

  test('a CIDR with host bits set suggests the aligned block', () => {
    assert.equal(
      errorFor('dev', { network: { cidr: '10.10.1.0/16' } }),
      'config error in dev.network.cidr: "10.10.1.0/16" has host bits set (did you mean "10.10.0.0/16"?)',
    );
  });

  test('a VPC range outside /16-/28 or outside the private ranges is refused', () => {
    assert.match(
      errorFor('dev', { network: { cidr: '172.16.0.0/12' } }),
      /has prefix \/12 \(a VPC takes \/16 to \/28\)/,
    );
    assert.match(errorFor('dev', { network: { cidr: '8.8.0.0/16' } }), /is not a private range/);
  });

  test('subnets that do not fit the VPC report the addresses needed and held', () => {
    assert.equal(
      errorFor('dev', { network: { cidr: '10.10.0.0/20', subnetMasks: { public: 22, private: 22, isolated: 22 } } }),
      'config error in dev.network.subnetMasks: 3 tiers x 2 zones need 6144 addresses but "10.10.0.0/20" holds 4096 (use longer masks or a larger cidr)',
    );
  });

  test('a subnet mask shorter than the VPC prefix is out of range', () => {
    assert.match(
      errorFor('dev', { network: { cidr: '10.10.0.0/20', subnetMasks: { public: 18 } } }),
      /^config error in dev\.network\.subnetMasks\.public: 18 is out of range \(use a whole number from 20 to 28/,
    );
  });

  test('overlapping environment ranges name both environments', () => {
    assert.equal(
      errorFor('prod', { network: { cidr: '10.10.128.0/17' } }),
      'config error in prod.network.cidr: "10.10.128.0/17" overlaps dev.network.cidr "10.10.0.0/16" (give each environment its own range)',
    );
  });

  test('an unknown region suggests the nearest known one', () => {
    const issues = findConfigIssues(withEnvironment('dev', { region: 'eu-west-22' }));
    assert.equal(
      `config error in ${issues[0].field}: ${issues[0].message}`,
      'config error in dev.region: "eu-west-22" is not a known AWS region (did you mean "eu-west-2"?)',
    );
  });

  test('an AZ outside the region is refused with a suggestion', () => {
    assert.equal(
      errorFor('dev', { availabilityZones: ['eu-west-2a', 'eu-west-1b'] }),
      'config error in dev.availabilityZones[1]: "eu-west-1b" is not an availability zone of eu-west-2 (did you mean "eu-west-2b"?)',
    );
    assert.match(
      errorFor('dev', { availabilityZones: ['eu-west-2a'] }),
      /dev\.availabilityZones: 1 zones given \(list two or three/,
    );
  });

  test('shared availability zones are checked against the shared region the same way', () => {
    const config = {
      ...platformConfig,
      shared: { ...platformConfig.shared, availabilityZones: ['eu-west-2a', 'eu-west-1b'] },
    };
    assert.equal(
      onlyError(config),
      'config error in shared.availabilityZones[1]: "eu-west-1b" is not an availability zone of eu-west-2 (did you mean "eu-west-2b"?)',
    );
  });

  test('the web command binds compute.appPort: {appPort} follows it, another literal port is refused', () => {
    assert.deepEqual(findConfigIssues(withEnvironment('dev', { compute: { appPort: 9000 } })), []);
    assert.equal(withAppPort(webCommand(2), 9000)[3], '0.0.0.0:9000');
    assert.equal(
      errorFor('dev', { compute: { appPort: 9000, web: { command: withAppPort(webCommand(2), 8000) } } }),
      'config error in dev.compute.web.command[3]: "0.0.0.0:8000" binds port 8000, not appPort 9000 (bind "0.0.0.0:{appPort}": the web service writes appPort there)',
    );
    assert.match(
      errorFor('dev', { compute: { appPort: 9000, web: { command: ['gunicorn', 'app:wsgi', '--bind=[::]:8000'] } } }),
      /^config error in dev\.compute\.web\.command\[2\]: "\[::\]:8000" binds port 8000, not appPort 9000/,
    );
    assert.equal(
      errorFor('dev', { compute: { worker: { command: ['worker', '--port', '{appPort}'] } } }),
      'config error in dev.compute.worker.command: uses {appPort}, which only the web command is given (write the port out)',
    );
  });

  test('a malformed domain and an API host outside the zone are refused', () => {
    const malformed = findConfigIssues({
      ...platformConfig,
      shared: { ...platformConfig.shared, domain: 'lichnails..co.uk' },
    });
    assert.ok(
      malformed.some(
        (issue) =>
          issue.field === 'shared.domain' &&
          issue.message ===
            '"lichnails..co.uk" is not a valid domain name (use lowercase labels separated by dots, e.g. "lichnails.co.uk")',
      ),
    );
    assert.equal(
      errorFor('dev', { apiHost: 'api-dev.example.com' }),
      'config error in dev.apiHost: "api-dev.example.com" is outside the hosted zone "lichnails.co.uk" (use a name ending in ".lichnails.co.uk")',
    );
  });

  test('a malformed frontend CNAME target is refused', () => {
    const config = {
      ...platformConfig,
      shared: {
        ...platformConfig.shared,
        frontendRecords: [{ name: 'usa-berko', target: 'https://cname.vercel-dns.com/' }],
      },
    };
    assert.equal(
      onlyError(config),
      'config error in shared.frontendRecords[0].target: "https://cname.vercel-dns.com/" is not a valid CNAME target (use a host name such as "cname.vercel-dns.com", without scheme or path)',
    );
  });

  test('an unknown instance class suggests the nearest known class', () => {
    assert.equal(
      errorFor('prod', { database: { instanceClass: 'db.t4g.mikro' } }),
      'config error in prod.database.instanceClass: "db.t4g.mikro" is not a known RDS class (did you mean "db.t4g.micro"?)',
    );
    assert.equal(
      errorFor('dev', { cache: { nodeType: 'cache.t4g.mirco' } }),
      'config error in dev.cache.nodeType: "cache.t4g.mirco" is not a known ElastiCache node type (did you mean "cache.t4g.micro"?)',
    );
  });

  test('production without deletion protection is refused', () => {
    assert.equal(
      errorFor('prod', { deletionProtection: false }),
      'config error in prod.deletionProtection: false is not allowed for a production environment (set deletionProtection: true; it guards the database and the data stack)',
    );
  });

  test('backup retention outside RDS range, or short in production, is refused', () => {
    assert.equal(
      errorFor('dev', { database: { backupRetentionDays: 40 } }),
      'config error in dev.database.backupRetentionDays: 40 is out of range (use a whole number from 1 to 35, as RDS allows)',
    );
    assert.equal(
      errorFor('prod', { database: { backupRetentionDays: 7 } }),
      'config error in prod.database.backupRetentionDays: 7 is too short for a production environment (keep 14 days or more)',
    );
  });

  test('an unknown state, egress mode or log retention lists what is allowed', () => {
    assert.equal(
      errorFor('dev', { state: 'stopped' as never }),
      'config error in dev.state: "stopped" is not a deployed structure (use one of: running, minimal)',
    );
    assert.equal(
      errorFor('dev', { network: { egress: 'nat' as never } }),
      'config error in dev.network.egress: "nat" is not an egress mode (use one of: public, nat-single, nat-per-az)',
    );
    assert.match(
      errorFor('dev', { logRetentionDays: 10 }),
      /dev\.logRetentionDays: "10" is not a retention CloudWatch Logs accepts/,
    );
  });

  test('state "paused" is refused: pausing is a CLI operation, not a deploy-time state', () => {
    for (const env of ['dev', 'prod']) {
      const message = errorFor(env, { state: 'paused' as never });
      assert.match(message, new RegExp(`^config error in ${env}\\.state: "paused" is not a deploy-time state`));
      assert.ok(message.endsWith(`npx booking-infra pause ${env}`), message);
      assert.match(message, /deploy with "running"/);
    }
    assert.throws(() => validateConfig(withEnvironment('dev', { state: 'paused' as never })), ConfigValidationError);
  });

  test('states "running" and "minimal" are the deployed structures', () => {
    assert.deepEqual(findConfigIssues(withEnvironment('dev', { state: 'minimal' })), []);
    assert.deepEqual(findConfigIssues(withEnvironment('prod', { state: 'running' })), []);
  });

  test('a malformed account id names the override variable', () => {
    assert.equal(
      errorFor('dev', { account: '1234' }),
      'config error in dev.account: "1234" is not an AWS account id (use the 12 digits, or set BOOKING_DEV_ACCOUNT)',
    );
  });

  test('every issue is reported at once, one line each', () => {
    const config = withEnvironment('prod', { deletionProtection: false, database: { instanceClass: 'db.x9.huge' } });
    assert.throws(
      () => validateConfig(config),
      (error: unknown) => {
        assert.ok(error instanceof ConfigValidationError);
        assert.equal(error.issues.length, 2);
        assert.equal(error.message.split('\n').length, 2);
        return true;
      },
    );
  });

  test('buildApp validates before building any construct', () => {
    assert.throws(() => buildApp(withEnvironment('dev', { region: 'mars-1' })), ConfigValidationError);
  });

  test('account ids can be overridden per environment from variables', () => {
    assert.equal(accountVariable('dev'), 'BOOKING_DEV_ACCOUNT');
    const overridden = withAccountOverrides(platformConfig, { BOOKING_PROD_ACCOUNT: '999999999999' });
    assert.deepEqual(
      overridden.environments.map((env) => env.account),
      [platformConfig.environments[0].account, '999999999999'],
    );
  });

  test('edit distance counts single-character edits', () => {
    assert.equal(editDistance('db.t4g.mikro', 'db.t4g.micro'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });
});
