import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app';
import {
  accountVariable,
  ConfigValidationError,
  type EnvironmentConfig,
  environmentNamed,
  findConfigIssues,
  ingressOf,
  platformConfig,
  type PlatformConfig,
  validateConfig,
  withAccountOverrides,
} from '../../src/config';
import { WEB_HEALTH_CHECK, webCommand, withAppPort } from '../../src/config/application';
import { FARGATE_VARIABLES, PLATFORM_VARIABLES } from '../../src/config/platform-variables';
import { PRODUCTION_RISK_NAMES, PRODUCTION_RISKS } from '../../src/config/production-risks';
import type { SharedConfig } from '../../src/config/types';
import { editDistance } from '../../src/config/validate';
import { postgresMinorsKnownToCdk } from '../../src/config/validate/database';
import { validateIngress } from '../../src/config/validate/ingress';
import { IssueCollector } from '../../src/config/validate/issues';
import { PRICED_REGIONS, PRICE_TABLES } from '../../src/cost/prices';
import { APP_CONTAINER_NAME } from '../../src/ops/contracts';
import {
  DEV_BEHIND_ALB,
  DEV_ON_ELASTICACHE,
  type EnvironmentPatch,
  resourcesOfType,
  synth,
  withEnvironment,
} from '../helpers';

/** The one error message a config produces; fails when it produces none or several. */
function onlyError(config: PlatformConfig): string {
  const issues = findConfigIssues(config);
  assert.equal(issues.length, 1, `expected one issue, got: ${JSON.stringify(issues)}`);
  return `config error in ${issues[0].field}: ${issues[0].message}`;
}

function errorFor(env: string, patch: EnvironmentPatch): string {
  return onlyError(withEnvironment(env, patch));
}

function withShared(patch: Partial<SharedConfig>, config: PlatformConfig = platformConfig): PlatformConfig {
  return { ...config, shared: { ...config.shared, ...patch } };
}

function sharedErrorFor(patch: Partial<SharedConfig>): string {
  return onlyError(withShared(patch));
}

const DEV = environmentNamed(platformConfig, 'dev');

/**
 * Dev behind the ALB, as it ran before its HTTP API: what only a load balancer has (its subnet
 * size, its access logs) is checked on it.
 */
const DEV_ALB: EnvironmentConfig = DEV_BEHIND_ALB;

/** `config` with dev replaced by `dev`. */
function withDev(dev: EnvironmentConfig, config: PlatformConfig = platformConfig): PlatformConfig {
  return { ...config, environments: config.environments.map((env) => (env.name === 'dev' ? dev : env)) };
}

/** The committed config with dev behind the ALB (DEV_ALB). */
const DEV_ALB_PLATFORM = withDev(DEV_ALB);

/** The committed config with dev's cache on ElastiCache, as before its cache task: node types are checked on it. */
const DEV_ELASTICACHE_PLATFORM = withDev(DEV_ON_ELASTICACHE);

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

  test('an unknown instance class suggests the nearest known class (a cache node type on dev with ElastiCache)', () => {
    assert.equal(
      errorFor('prod', { database: { instanceClass: 'db.t4g.mikro' } }),
      'config error in prod.database.instanceClass: "db.t4g.mikro" is not a known RDS class (did you mean "db.t4g.micro"?)',
    );
    assert.equal(
      onlyError(withEnvironment('dev', { cache: { nodeType: 'cache.t4g.mirco' } }, DEV_ELASTICACHE_PLATFORM)),
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

describe('config validation: single-field mistakes that used to synthesize (issue 13)', () => {
  test('the priced regions are the price tables', () => {
    assert.deepEqual([...PRICED_REGIONS].sort(), Object.keys(PRICE_TABLES).sort());
    assert.deepEqual([...PRICED_REGIONS].sort(), ['eu-west-2', 'us-east-1']);
  });

  test('a platform moved to a region without a price table is refused once, on shared.region', () => {
    const zones = ['eu-west-1a', 'eu-west-1b'];
    const config: PlatformConfig = {
      shared: { ...platformConfig.shared, region: 'eu-west-1', availabilityZones: zones },
      environments: platformConfig.environments.map((env) => ({
        ...env,
        region: 'eu-west-1',
        availabilityZones: zones,
      })),
    };
    assert.equal(
      onlyError(config),
      'config error in shared.region: "eu-west-1" has no price table, so no cost estimate or budget (use one of: eu-west-2, us-east-1; or add one: npm run refresh-prices -- eu-west-1, then write src/cost/prices/eu-west-1.ts from its output and add it to PRICE_TABLES in src/cost/prices/index.ts)',
    );
  });

  test("an environment's region other than shared.region is refused, its zones unchecked until it is fixed", () => {
    assert.equal(
      errorFor('dev', { region: 'eu-west-1' }),
      'config error in dev.region: "eu-west-1" differs from shared.region "eu-west-2" (use "eu-west-2": the image repository and /booking/shared/* parameters the templates read live there; environments in another region are not supported yet)',
    );
    assert.equal(
      errorFor('prod', { region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1b'] }),
      'config error in prod.region: "us-east-1" differs from shared.region "eu-west-2" (use "eu-west-2": the image repository and /booking/shared/* parameters the templates read live there; environments in another region are not supported yet)',
    );
  });

  test('a shared.region that no environment uses is refused on shared.region, once', () => {
    assert.equal(
      sharedErrorFor({ region: 'us-east-1' }),
      'config error in shared.region: "us-east-1" is not the region of the environments, eu-west-2 (use "eu-west-2": their templates read the image repository and /booking/shared/* parameters in shared.region)',
    );
  });

  test('two environments with the same apiHost: the later one is refused with a free host', () => {
    assert.equal(
      errorFor('prod', { apiHost: 'api-dev.lichnails.co.uk' }),
      'config error in prod.apiHost: "api-dev.lichnails.co.uk" is also dev.apiHost (give each environment its own host, e.g. "api-prod.lichnails.co.uk")',
    );
  });

  test("a frontend record named like an environment's API host is refused with a free name", () => {
    assert.equal(
      sharedErrorFor({ frontendRecords: [{ name: 'api-dev', target: 'cname.vercel-dns.com' }] }),
      'config error in shared.frontendRecords[0].name: "api-dev" is dev.apiHost "api-dev.lichnails.co.uk" (rename the record, e.g. "api-dev-web")',
    );
  });

  test('a frontend record listed twice is refused once', () => {
    const record = { name: 'usa-berko', target: 'cname.vercel-dns.com' };
    assert.equal(
      sharedErrorFor({ frontendRecords: [record, record] }),
      'config error in shared.frontendRecords[1].name: "usa-berko" is listed twice (keep one record per name)',
    );
  });

  test('a public subnet smaller than /27 is refused behind an ALB: an ALB needs /27', () => {
    assert.equal(
      onlyError(withEnvironment('dev', { network: { subnetMasks: { public: 28 } } }, DEV_ALB_PLATFORM)),
      'config error in dev.network.subnetMasks.public: 28 is too small for the load balancer (an ALB needs a /27 or larger subnet in each zone, with at least 8 free addresses: use 27 or less)',
    );
    assert.deepEqual(
      findConfigIssues(withEnvironment('dev', { network: { subnetMasks: { public: 27 } } }, DEV_ALB_PLATFORM)),
      [],
    );
  });

  test('a subnet mask outside /16-/28 is refused, also when the VPC range is refused itself', () => {
    assert.equal(
      errorFor('dev', { network: { subnetMasks: { isolated: 29 } } }),
      'config error in dev.network.subnetMasks.isolated: 29 is out of range (use a whole number from 16 to 28; a subnet is /16 to /28 and inside 10.10.0.0/16)',
    );
    const issues = findConfigIssues(
      withEnvironment('dev', { network: { cidr: '10.10.0/16', subnetMasks: { private: 12 } } }),
    ).map((issue) => `config error in ${issue.field}: ${issue.message}`);
    assert.deepEqual(issues, [
      'config error in dev.network.cidr: "10.10.0/16" is not an IPv4 CIDR block (write it as "10.10.0.0/16")',
      'config error in dev.network.subnetMasks.private: 12 is out of range (use a whole number from 16 to 28; a subnet is /16 to /28)',
    ]);
  });

  test('a cron expression naming hour 25 (and no "?") is refused in one line with each fix', () => {
    assert.equal(
      errorFor('dev', { schedule: { pause: 'cron(0 25 * * MON-FRI *)' } }),
      'config error in dev.schedule.pause: "cron(0 25 * * MON-FRI *)" is not a cron expression EventBridge Scheduler accepts (hour 25 is outside 0-23; day-of-month "*" and day-of-week "MON-FRI" are both set: write "?" in day-of-month)',
    );
  });

  test('cron fields out of range or with wildcards the field does not take are refused', () => {
    const cases: Array<[string, string]> = [
      ['cron(60 20 ? * MON-FRI *)', 'minute 60 is outside 0-59'],
      ['cron(0 20 32 * ? *)', 'day-of-month 32 is outside 1-31'],
      ['cron(0 20 ? 13 MON *)', 'month 13 is outside 1-12'],
      ['cron(0 20 ? JNA MON *)', 'month "JNA" is not 1-12 or JAN-DEC'],
      ['cron(0 20 ? * MOM *)', 'day-of-week "MOM" is not 1-7 or SUN-SAT'],
      ['cron(0 20 ? * 8 *)', 'day-of-week 8 is outside 1-7'],
      ['cron(0 20 ? * MON 1969)', 'year 1969 is outside 1970-2199'],
      ['cron(0 20 ? * 3#6 *)', 'day-of-week "3#6" asks for week 6 of the month: use 1 to 5 after "#"'],
      [
        'cron(0 20 ? * 1#1,2#2 *)',
        'day-of-week "1#1,2#2" lists a "#" value with others: EventBridge takes one n#k alone',
      ],
      ['cron(0 20 ? * MON/2 *)', 'day-of-week "MON/2" uses "/", which day-of-week does not take: use , - * ? L #'],
      ['cron(0/0 20 ? * MON *)', 'minute "0/0" has increment "0": write a whole number of 1 or more after "/"'],
      ['cron(0 ? * * ? *)', 'hour "?" is not allowed: only day-of-month and day-of-week take "?", use "*"'],
      [
        'cron(0 20 ? * ? *)',
        'day-of-month and day-of-week are both "?": give one of them a value, e.g. "*" in day-of-month',
      ],
      ['cron(0 20 * * * *)', 'day-of-month "*" and day-of-week "*" are both set: write "?" in day-of-week'],
      [
        'cron(0 20 * * 1-5)',
        'it has 5 fields, not 6: minute hour day-of-month month day-of-week year, e.g. "cron(0 20 ? * MON-FRI *)"',
      ],
    ];
    for (const [expression, problem] of cases) {
      assert.equal(
        errorFor('dev', { schedule: { resume: expression } }),
        `config error in dev.schedule.resume: "${expression}" is not a cron expression EventBridge Scheduler accepts (${problem})`,
      );
    }
  });

  test('cron, rate and at expressions EventBridge Scheduler documents are accepted', () => {
    for (const expression of [
      'cron(0 10 * * ? *)',
      'cron(0/15 * * * ? *)',
      'cron(*/5 8-17 ? * MON-FRI *)',
      'cron(0 9 ? * 2#1 *)',
      'cron(0 12 L * ? *)',
      'cron(0 12 LW * ? *)',
      'cron(0 12 15W * ? *)',
      'cron(0 12 ? * 6L *)',
      'cron(30 7 ? JAN,FEB MON 2026-2027)',
      'rate(1 hour)',
      'rate(12 hours)',
      'at(2030-01-07T07:00:00)',
    ]) {
      assert.deepEqual(findConfigIssues(withEnvironment('dev', { schedule: { pause: expression } })), [], expression);
    }
  });

  test('rate and at expressions EventBridge Scheduler refuses are refused', () => {
    assert.equal(
      errorFor('dev', { schedule: { pause: 'rate(0 hours)' } }),
      'config error in dev.schedule.pause: "rate(0 hours)" is not a rate EventBridge Scheduler accepts (write rate(N unit) with N a whole number of 1 or more and unit minutes, hours or days, e.g. "rate(12 hours)")',
    );
    assert.equal(
      errorFor('dev', { schedule: { pause: 'at(2030-02-30T07:00:00)' } }),
      'config error in dev.schedule.pause: "at(2030-02-30T07:00:00)" is not a date and time EventBridge Scheduler accepts (write at(yyyy-mm-ddThh:mm:ss), e.g. "at(2030-01-07T07:00:00)")',
    );
    assert.equal(
      errorFor('dev', { schedule: { pause: 'weekdays at 8' } }),
      'config error in dev.schedule.pause: "weekdays at 8" is not a schedule expression (e.g. "cron(0 20 ? * MON-FRI *)")',
    );
  });

  test('pause and resume at the same time are refused', () => {
    assert.equal(
      errorFor('dev', { schedule: { resume: 'cron(0 20 ? * MON-FRI *)' } }),
      'config error in dev.schedule.resume: "cron(0 20 ? * MON-FRI *)" is also the pause expression (resume at another time, e.g. "cron(0 7 ? * MON-FRI *)")',
    );
  });

  test('a misspelt time zone suggests the IANA name; UTC and aliases are accepted', () => {
    assert.equal(
      errorFor('dev', { schedule: { timezone: 'Europe/Londn' } }),
      'config error in dev.schedule.timezone: "Europe/Londn" is not an IANA time zone (did you mean "Europe/London"?)',
    );
    assert.equal(
      errorFor('dev', { schedule: { timezone: 'europe/london' } }),
      'config error in dev.schedule.timezone: "europe/london" is not an IANA time zone (did you mean "Europe/London"?)',
    );
    assert.equal(
      errorFor('dev', { schedule: { timezone: 'Nowhere/Atlantis' } }),
      'config error in dev.schedule.timezone: "Nowhere/Atlantis" is not an IANA time zone (e.g. "Europe/London")',
    );
    for (const timezone of ['UTC', 'Europe/Kyiv', 'Europe/Kiev', 'America/New_York']) {
      assert.deepEqual(findConfigIssues(withEnvironment('dev', { schedule: { timezone } })), [], timezone);
    }
  });

  test('production with a single-AZ database is refused unless the risk is accepted by name', () => {
    assert.equal(
      errorFor('prod', { database: { multiAz: false } }),
      'config error in prod.database.multiAz: false is not allowed for a production environment (set multiAz: true so a standby in a second zone takes over when the primary fails, or add "single-az-database" to prod.acceptedRisks to waive the check knowingly)',
    );
    assert.deepEqual(
      findConfigIssues(
        withEnvironment('prod', { database: { multiAz: false }, acceptedRisks: ['single-az-database'] }),
      ),
      [],
    );
  });

  test('production with one cache node is refused unless the risk is accepted by name', () => {
    assert.equal(
      errorFor('prod', { cache: { nodes: 1 } }),
      'config error in prod.cache.nodes: 1 is not allowed for a production environment (set nodes: 2 so a replica takes over when the primary fails, or add "single-node-cache" to prod.acceptedRisks to waive the check knowingly)',
    );
    assert.deepEqual(
      findConfigIssues(withEnvironment('prod', { cache: { nodes: 1 }, acceptedRisks: ['single-node-cache'] })),
      [],
    );
  });

  test('production without flow logs is refused unless the risk is accepted by name', () => {
    assert.equal(
      errorFor('prod', { network: { flowLogs: { enabled: false } } }),
      `config error in prod.network.flowLogs.enabled: false is not allowed for a production environment (set flowLogs.enabled: true so the VPC's traffic is recorded for incident analysis, or add "no-flow-logs" to prod.acceptedRisks to waive the check knowingly)`,
    );
  });

  test('production without load-balancer access logs is refused unless the risk is accepted by name', () => {
    assert.equal(
      errorFor('prod', { compute: { loadBalancerAccessLogs: false } }),
      'config error in prod.compute.loadBalancerAccessLogs: false is not allowed for a production environment (set loadBalancerAccessLogs: true so every request to the API is recorded, or add "no-load-balancer-access-logs" to prod.acceptedRisks to waive the check knowingly)',
    );
  });

  test('accepted risks must be known names, listed once, and taken', () => {
    assert.equal(
      errorFor('prod', { acceptedRisks: ['single-az-databse'] }),
      'config error in prod.acceptedRisks[0]: "single-az-databse" is not a production risk (did you mean "single-az-database"?)',
    );
    assert.equal(
      errorFor('prod', { acceptedRisks: ['single-az-database'] }),
      'config error in prod.acceptedRisks[0]: "single-az-database" is accepted but not taken: database.multiAz is true (remove it from acceptedRisks)',
    );
    assert.equal(
      errorFor('dev', { acceptedRisks: ['no-flow-logs', 'no-flow-logs'] }),
      'config error in dev.acceptedRisks[1]: "no-flow-logs" is listed twice (list each risk once)',
    );
  });

  test('every production risk is a setting dev behind an ALB takes and prod does not', () => {
    const prod = environmentNamed(platformConfig, 'prod');
    assert.deepEqual(PRODUCTION_RISK_NAMES, [
      'single-az-database',
      'single-node-cache',
      'no-flow-logs',
      'no-load-balancer-access-logs',
      'ecs-exec',
      'no-credential-rotation',
      'no-bucket-versioning',
      'no-waf',
      'no-offsite-backup',
      'no-alert-subscribers',
    ]);
    for (const name of PRODUCTION_RISK_NAMES) {
      assert.ok(PRODUCTION_RISKS[name].taken(DEV_ALB), name);
      assert.ok(!PRODUCTION_RISKS[name].taken(prod), name);
    }
    assert.deepEqual(
      findConfigIssues(withEnvironment('dev', { acceptedRisks: [...PRODUCTION_RISK_NAMES] }, DEV_ALB_PLATFORM)),
      [],
    );
  });

  test('dev behind the HTTP API takes every production risk but no-load-balancer-access-logs: it has no load balancer, and the API logs every request', () => {
    const taken = PRODUCTION_RISK_NAMES.filter((name) => PRODUCTION_RISKS[name].taken(DEV));
    assert.deepEqual(
      taken,
      PRODUCTION_RISK_NAMES.filter((name) => name !== 'no-load-balancer-access-logs'),
    );
    assert.equal(
      errorFor('dev', { acceptedRisks: ['no-load-balancer-access-logs'] }),
      'config error in dev.acceptedRisks[0]: "no-load-balancer-access-logs" is accepted but not taken: compute.loadBalancerAccessLogs is false (remove it from acceptedRisks)',
    );
    assert.deepEqual(findConfigIssues(withEnvironment('dev', { acceptedRisks: taken })), []);
  });

  test('promotion and scan gates: a known other environment, no cycle, a known severity', () => {
    assert.equal(
      errorFor('prod', { pipeline: { promoteFrom: 'prod' } }),
      'config error in prod.pipeline.promoteFrom: "prod" is this environment (name the one whose releases it promotes, e.g. "dev", or remove the field)',
    );
    assert.equal(
      errorFor('prod', { pipeline: { promoteFrom: 'deb' } }),
      'config error in prod.pipeline.promoteFrom: "deb" is not an environment (did you mean "dev"?)',
    );
    assert.equal(
      errorFor('dev', { pipeline: { promoteFrom: 'prod' } }),
      'config error in dev.pipeline.promoteFrom: "prod" leads back to dev (dev promotes from prod promotes from dev), a cycle in which no release can start (remove promoteFrom from one of them)',
    );
    assert.equal(
      errorFor('dev', { pipeline: { scanGate: 'medium' as never } }),
      'config error in dev.pipeline.scanGate: "medium" is not a scan gate (use one of: off, critical, high)',
    );
  });

  test('prod names someone to alert and runs without ECS Exec unless the risk is accepted (issue 14)', () => {
    assert.equal(
      errorFor('prod', { alertEmails: [] }),
      'config error in prod.alertEmails: [] is not allowed for a production environment (set alertEmails: ["ops@your-domain"] so alarms, budget alerts and failed releases reach a person, or add "no-alert-subscribers" to prod.acceptedRisks to waive the check knowingly)',
    );
    assert.equal(
      errorFor('prod', { compute: { ecsExec: true } }),
      'config error in prod.compute.ecsExec: true is not allowed for a production environment (set ecsExec: false so nobody gets a shell in a task that holds the database and cache credentials (accept the risk only to break glass, then deploy it off again), or add "ecs-exec" to prod.acceptedRisks to waive the check knowingly)',
    );
    // Break glass: named in config, so the deploy that turns it on is in the history.
    assert.deepEqual(
      findConfigIssues(withEnvironment('prod', { compute: { ecsExec: true }, acceptedRisks: ['ecs-exec'] })),
      [],
    );
  });

  test('a variable the platform sets is refused in compute.environment and applicationSecrets', () => {
    assert.equal(
      errorFor('dev', { compute: { environment: { ALLOWED_HOSTS: '*' } } }),
      'config error in dev.compute.environment.ALLOWED_HOSTS: "*" clashes with the value the platform sets from apiHost (remove the key)',
    );
    assert.equal(
      errorFor('dev', { compute: { environment: { DATABASE_HOST: 'db.internal' } } }),
      'config error in dev.compute.environment.DATABASE_HOST: "db.internal" clashes with the value the platform sets from the database (through PgBouncer in web and worker tasks) (remove the key)',
    );
    assert.equal(
      errorFor('dev', { compute: { environment: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/x' } } }),
      'config error in dev.compute.environment.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x" clashes with the value ECS on Fargate sets in every container (remove the key)',
    );
    assert.equal(
      errorFor('dev', { applicationSecrets: ['DJANGO_SECRET_KEY', 'REDIS_PASSWORD'] }),
      `config error in dev.applicationSecrets[1]: "REDIS_PASSWORD" is set by the platform from the cache's AUTH token (remove it from applicationSecrets)`,
    );
    assert.ok(FARGATE_VARIABLES.every((name) => PLATFORM_VARIABLES[name] === undefined));
  });

  test("PLATFORM_VARIABLES is what the synthesized app containers get besides the config (not dev's cache task: Valkey, no app)", () => {
    const platform = synth();
    for (const env of platformConfig.environments) {
      const fromConfig = new Set([...Object.keys(env.compute.environment), ...env.applicationSecrets]);
      const all = resourcesOfType(platform.json(env.name, 'app'), 'AWS::ECS::TaskDefinition');
      // Every task runs the application but the database roles and restore drill tasks (psql, no
      // app) and, with cache.hosting task (dev), the cache task (Valkey and its TLS tunnel).
      const tasks = all.filter(
        ([, task]) => !/-(database-roles|restore-drill|cache)$/.test(String(task.Properties.Family)),
      );
      const cacheTasks = env.cache.hosting === 'task' ? 1 : 0;
      assert.equal(
        all.length - tasks.length,
        2 + cacheTasks,
        `${env.name}: the database roles and restore drill tasks${cacheTasks ? ', the cache task' : ''}`,
      );
      assert.equal(tasks.length, 3, `${env.name}: web, worker and migrate tasks`);
      for (const [logicalId, task] of tasks) {
        const app = task.Properties.ContainerDefinitions.find((c: any) => c.Name === APP_CONTAINER_NAME);
        assert.ok(app, `${env.name} ${logicalId}: an app container`);
        const names = [...(app.Environment ?? []), ...(app.Secrets ?? [])]
          .map((variable: any) => variable.Name as string)
          .filter((name) => !fromConfig.has(name));
        assert.deepEqual(names.sort(), Object.keys(PLATFORM_VARIABLES).sort(), `${env.name} ${logicalId}`);
      }
    }
  });

  test('an empty or mixed-case domain gets a valid suggestion, and no API host issue follows', () => {
    assert.equal(
      sharedErrorFor({ domain: '' }),
      'config error in shared.domain: "" is empty (set the apex domain of the hosted zone, e.g. "example.com")',
    );
    assert.equal(
      sharedErrorFor({ domain: 'LichNails.co.uk' }),
      'config error in shared.domain: "LichNails.co.uk" is not a valid domain name (did you mean "lichnails.co.uk"?)',
    );
    assert.equal(
      sharedErrorFor({ domain: 'lichnails.co.uk.' }),
      'config error in shared.domain: "lichnails.co.uk." is not a valid domain name (did you mean "lichnails.co.uk"?)',
    );
  });

  test('a domain that holds none of the API hosts is refused once, with the zone they share', () => {
    assert.equal(
      sharedErrorFor({ domain: 'example.com' }),
      'config error in shared.domain: "example.com" holds none of the API hosts, dev "api-dev.lichnails.co.uk", prod "api.lichnails.co.uk" (did you mean "lichnails.co.uk"?)',
    );
  });

  test('a mixed-case API host, the zone apex, or a name too long for ACM is refused with a valid host', () => {
    assert.equal(
      errorFor('dev', { apiHost: 'API-dev.lichnails.co.uk' }),
      'config error in dev.apiHost: "API-dev.lichnails.co.uk" is not a valid host name (did you mean "api-dev.lichnails.co.uk"?)',
    );
    assert.equal(
      errorFor('dev', { apiHost: 'lichnails.co.uk' }),
      'config error in dev.apiHost: "lichnails.co.uk" is the apex of the hosted zone (use a name inside it, e.g. "api-dev.lichnails.co.uk")',
    );
    const long = `${'a'.repeat(50)}.lichnails.co.uk`;
    assert.equal(
      errorFor('dev', { apiHost: long }),
      `config error in dev.apiHost: "${long}" has 66 characters, more than the 64 an ACM certificate's name takes (use a shorter name, e.g. "api-dev.lichnails.co.uk")`,
    );
  });

  test('CAA issuers must include an Amazon CA, each once', () => {
    assert.equal(
      sharedErrorFor({ caaIssuers: ['letsencrypt.org'] }),
      'config error in shared.caaIssuers: ["letsencrypt.org"] leaves out Amazon, so ACM cannot issue the API certificates (add "amazon.com")',
    );
    assert.equal(
      sharedErrorFor({ caaIssuers: ['amazon.com', 'letsencrypt.org', 'amazon.com'] }),
      'config error in shared.caaIssuers[2]: "amazon.com" is listed twice (list each CA once)',
    );
    assert.equal(
      sharedErrorFor({ caaIssuers: [] }),
      `config error in shared.caaIssuers: [] is empty (list "amazon.com" for the API certificates, and the frontend host's CA, e.g. "letsencrypt.org")`,
    );
  });

  test('alert e-mails are listed once', () => {
    assert.equal(
      errorFor('dev', { alertEmails: ['ops@lichnails.co.uk', 'Ops@lichnails.co.uk'] }),
      'config error in dev.alertEmails[1]: "Ops@lichnails.co.uk" is listed twice (subscribe each address once)',
    );
  });

  test('worker queues are listed once', () => {
    assert.equal(
      errorFor('dev', { compute: { worker: { queues: ['default', 'emails', 'default'] } } }),
      'config error in dev.compute.worker.queues[2]: "default" is listed twice (list each queue once)',
    );
  });

  test('a storage ceiling less than 10% above the allocated storage is refused, as RDS does', () => {
    assert.equal(
      errorFor('dev', { database: { maxAllocatedStorageGiB: 21 } }),
      'config error in dev.database.maxAllocatedStorageGiB: 21 is less than 10% above allocatedStorageGiB 20, which RDS refuses (set a ceiling between 22 and 65536)',
    );
    assert.equal(
      errorFor('dev', { database: { maxAllocatedStorageGiB: 20 } }),
      'config error in dev.database.maxAllocatedStorageGiB: 20 is not above allocatedStorageGiB 20 (set a ceiling between 22 and 65536)',
    );
  });

  test('names with two hyphens in a row, and an environment named "shared", are refused', () => {
    assert.equal(
      sharedErrorFor({ appName: 'book--ing' }),
      'config error in shared.appName: "book--ing" has two hyphens in a row, which RDS, ElastiCache and ECR names refuse (did you mean "book-ing"?)',
    );
    const renamed: PlatformConfig = {
      ...platformConfig,
      environments: platformConfig.environments.map((env) => (env.name === 'dev' ? { ...env, name: 'shared' } : env)),
    };
    assert.equal(
      onlyError(renamed),
      `config error in environments[0].name: "shared" is the name of the shared stacks' stage, booking-shared (choose another, e.g. "staging")`,
    );
  });

  test('environments may deploy in accounts of their own; an adopted repository keeps them in the shared one', () => {
    // AWS's recommended layout: prod apart, shared resources in one account (issue 13 item 2).
    assert.deepEqual(findConfigIssues(withEnvironment('prod', { account: '222222222222' })), []);
    assert.deepEqual(findConfigIssues(withShared({ account: '333333333333' })), []);
    assert.equal(
      sharedErrorFor({ account: '1111' }),
      'config error in shared.account: "1111" is not an AWS account id (use the 12 digits, or set BOOKING_ACCOUNT)',
    );
    assert.equal(
      onlyError(
        withEnvironment(
          'prod',
          { account: '222222222222' },
          withShared({ imageRepository: { mode: 'adopt', name: 'booking-api' } }),
        ),
      ),
      `config error in prod.account: "222222222222" is not shared.account "111111111111", and the adopted image repository "booking-api" has no policy letting another account pull (deploy prod in 111111111111, or let the platform create the repository: shared.imageRepository { mode: 'create' })`,
    );
  });

  test('one out-of-range value is one line: no follow-on pool or production issue', () => {
    assert.equal(
      errorFor('prod', { compute: { web: { maxTasks: 1000 } } }),
      'config error in prod.compute.web.maxTasks: 1000 is out of range (use a whole number from 2 to 100, at least minTasks 2)',
    );
    assert.equal(
      errorFor('prod', { cache: { snapshotRetentionDays: -1 } }),
      'config error in prod.cache.snapshotRetentionDays: -1 is out of range (use a whole number from 0 to 35, as ElastiCache allows)',
    );
  });

  test('an unknown hosted zone mode and an empty worker health check are refused', () => {
    assert.equal(
      sharedErrorFor({ hostedZone: { mode: 'adopted' } as never }),
      'config error in shared.hostedZone.mode: "adopted" is not a hosted zone mode (did you mean "adopt"?)',
    );
    assert.equal(
      errorFor('dev', { compute: { worker: { healthCheckCommand: ' ' } } }),
      'config error in dev.compute.worker.healthCheckCommand: " " is empty, a health check that never passes (give a shell command, e.g. "pgrep -f rundramatiq > /dev/null || exit 1")',
    );
  });

  test('a branch name git refuses is refused', () => {
    for (const branch of ['release/', 'feature/.hidden', 'main.lock', '-main', 'a//b']) {
      assert.equal(
        errorFor('dev', { pipeline: { branch } }),
        `config error in dev.pipeline.branch: "${branch}" is not a branch name (e.g. "main")`,
      );
    }
  });

  test('an adopted zone takes existingRecords "leave" or "manage" only', () => {
    const zone = { mode: 'adopt', id: 'Z0123456789ABCDEFGHIJ' } as const;
    for (const existingRecords of [undefined, 'leave', 'manage'] as const) {
      assert.deepEqual(findConfigIssues(withShared({ hostedZone: { ...zone, existingRecords } })), []);
    }
    assert.equal(
      sharedErrorFor({ hostedZone: { ...zone, existingRecords: 'keep' as never } }),
      'config error in shared.hostedZone.existingRecords: "keep" is not a way to treat the zone\'s existing records (use one of: leave, manage)',
    );
  });

  test('an adopted image repository needs a name ECR accepts', () => {
    for (const name of ['booking', 'lichnails/booking-api', 'a.b_c-d/e2']) {
      assert.deepEqual(findConfigIssues(withShared({ imageRepository: { mode: 'adopt', name } })), [], name);
    }
    assert.deepEqual(findConfigIssues(withShared({ imageRepository: { mode: 'create' } })), []);
    assert.equal(
      sharedErrorFor({ imageRepository: { mode: 'adopt', name: 'Booking_API' } }),
      'config error in shared.imageRepository.name: "Booking_API" is not an ECR repository name (did you mean "booking_api"?)',
    );
    for (const name of ['b', '-booking', 'booking/', 'a//b', 'x'.repeat(257), '']) {
      assert.match(
        sharedErrorFor({ imageRepository: { mode: 'adopt', name } }),
        /^config error in shared\.imageRepository\.name: .* is not an ECR repository name/,
        name,
      );
    }
    assert.equal(
      sharedErrorFor({ imageRepository: { mode: 'adopted' } as never }),
      'config error in shared.imageRepository.mode: "adopted" is not an image repository mode (did you mean "adopt"?)',
    );
  });

  test('a snapshot to restore needs a valid identifier or ARN and a master user name RDS accepts', () => {
    const restore = (snapshotIdentifier: string, masterUsername = 'booking') =>
      withEnvironment('dev', { database: { restoreFromSnapshot: { snapshotIdentifier, masterUsername } } });
    for (const id of [
      'booking-dev-final',
      'rds:booking-dev-2025-01-01-01-00',
      'arn:aws:rds:eu-west-2:111111111111:snapshot:booking-dev-final',
    ]) {
      assert.deepEqual(findConfigIssues(restore(id)), [], id);
    }
    // postgres is RDS's default master user name, so many snapshots have it.
    assert.deepEqual(findConfigIssues(restore('booking-dev-final', 'postgres')), []);
    assert.equal(
      onlyError(restore(' ')),
      'config error in dev.database.restoreFromSnapshot.snapshotIdentifier: " " is empty (name the DB snapshot to restore, e.g. "booking-dev-final", or its ARN)',
    );
    for (const id of ['1final', 'final-', 'a--b', 'a_b', 'arn:aws:rds:eu-west-2:1111:snapshot:x', ' final']) {
      assert.match(
        onlyError(restore(id)),
        /^config error in dev\.database\.restoreFromSnapshot\.snapshotIdentifier: .* is not an RDS snapshot identifier or ARN/,
        id,
      );
    }
    for (const user of ['', '1admin', 'booking-admin', 'a'.repeat(64)]) {
      assert.match(
        onlyError(restore('booking-dev-final', user)),
        /^config error in dev\.database\.restoreFromSnapshot\.masterUsername: .* is not a PostgreSQL user name RDS accepts/,
        user,
      );
    }
    for (const user of ['rdsadmin', 'rds_superuser', 'pg_monitor', 'user', 'SELECT', 'public']) {
      assert.equal(
        onlyError(restore('booking-dev-final', user)),
        `config error in dev.database.restoreFromSnapshot.masterUsername: "${user}" is a reserved name RDS refuses for the master user (use the snapshot's master user, e.g. "booking_admin")`,
      );
    }
  });

  test('the engine version is major.minor, of a major aws-cdk-lib knows, not older than its newest minor', () => {
    const known = postgresMinorsKnownToCdk();
    const newest = known.get(18)!;
    assert.ok(newest >= 1, 'aws-cdk-lib lists 18.x minors');
    for (const engineVersion of [`18.${newest}`, `18.${newest + 5}`]) {
      assert.deepEqual(findConfigIssues(withEnvironment('dev', { database: { engineVersion } })), [], engineVersion);
    }
    assert.match(
      errorFor('dev', { database: { engineVersion: '18' } }),
      /^config error in dev\.database\.engineVersion: "18" is not a PostgreSQL version in major\.minor form/,
    );
    assert.match(
      errorFor('dev', { database: { engineVersion: '18.6.1' } }),
      /is not a PostgreSQL version in major\.minor form/,
    );
    assert.match(
      errorFor('dev', { database: { engineVersion: '99.1' } }),
      /^config error in dev\.database\.engineVersion: "99\.1" names PostgreSQL 99, which aws-cdk-lib does not know/,
    );
    if (newest > 0) {
      assert.equal(
        errorFor('dev', { database: { engineVersion: `18.${newest - 1}` } }),
        `config error in dev.database.engineVersion: "18.${newest - 1}" is older than 18.${newest}, the newest 18.x aws-cdk-lib lists (use "18.${newest}" or newer)`,
      );
    }
  });

  test('the committed engine versions are not older than what aws-cdk-lib lists (update them after a library upgrade)', () => {
    const known = postgresMinorsKnownToCdk();
    for (const env of platformConfig.environments) {
      const [major, minor] = env.database.engineVersion.split('.').map(Number);
      const newest = known.get(major);
      assert.ok(newest !== undefined, `${env.name}: aws-cdk-lib lists no PostgreSQL ${major}`);
      assert.ok(
        minor >= newest,
        `${env.name}: database.engineVersion ${env.database.engineVersion} is older than ${major}.${newest} that aws-cdk-lib lists: update it`,
      );
    }
  });
});

describe('config validation: ingress (the ALB or an HTTP API)', () => {
  /** The committed config with dev's web health check changed (a patch cannot remove a field). */
  const withDevHealthCheck = (healthCheckCommand: string | undefined) =>
    withDev({ ...DEV, compute: { ...DEV.compute, web: { ...DEV.compute.web, healthCheckCommand } } });

  test('dev (an HTTP API) and prod (the ALB, by default) are valid as shipped', () => {
    assert.equal(ingressOf(DEV).kind, 'http-api');
    const prod = environmentNamed(platformConfig, 'prod');
    assert.equal(prod.ingress, undefined);
    assert.equal(ingressOf(prod).kind, 'alb');
    for (const env of [DEV, prod]) {
      const issues = new IssueCollector();
      validateIngress(env, issues);
      assert.deepEqual(issues.issues, [], env.name);
    }
    assert.deepEqual(findConfigIssues(platformConfig), []);
    assert.deepEqual(findConfigIssues(DEV_ALB_PLATFORM), []);
  });

  test('what only the load balancer has is refused with an HTTP API: WAF, request-count scaling, load-balancer access logs', () => {
    assert.equal(
      errorFor('dev', { waf: { enabled: true } }),
      `config error in dev.waf.enabled: true needs ingress.kind "alb": the web ACL is regional and attaches to the load balancer, and an API Gateway HTTP API cannot carry one (set ingress.kind: 'alb', or waf.enabled: false and rely on ingress.throttle)`,
    );
    assert.equal(
      errorFor('dev', { compute: { web: { requestsPerTaskPerMinute: 1000 } } }),
      `config error in dev.compute.web.requestsPerTaskPerMinute: 1000 needs ingress.kind "alb": request-count scaling reads the load balancer's target group, which an HTTP API ingress has not (remove it: web scales on CPU, cpuTargetPercent)`,
    );
    assert.equal(
      errorFor('dev', { compute: { loadBalancerAccessLogs: true } }),
      'config error in dev.compute.loadBalancerAccessLogs: true needs ingress.kind "alb": there is no load balancer (set it false; the HTTP API keeps its own access logs in CloudWatch Logs)',
    );
    // Behind the ALB the same settings are valid.
    assert.deepEqual(
      findConfigIssues(
        withEnvironment('dev', { waf: { enabled: true }, compute: { loadBalancerAccessLogs: true } }, DEV_ALB_PLATFORM),
      ),
      [],
    );
  });

  test('an HTTP API needs the web container to check its own health: a missing or empty command is refused', () => {
    const fix =
      'with ingress.kind "http-api": no load balancer checks /health/, so the web container must check itself or a hung task keeps receiving requests and the deployment circuit breaker cannot see a bad release (use WEB_HEALTH_CHECK from src/config/application.ts, which asks /health/ on the app port)';
    assert.equal(
      onlyError(withDevHealthCheck(undefined)),
      `config error in dev.compute.web.healthCheckCommand: is missing ${fix}`,
    );
    assert.equal(
      onlyError(withDevHealthCheck(' ')),
      `config error in dev.compute.web.healthCheckCommand: " " is empty ${fix}`,
    );
    assert.deepEqual(findConfigIssues(withDevHealthCheck(WEB_HEALTH_CHECK)), []);
    // Behind the ALB the target group checks /health/: the container's own check is optional.
    assert.equal(DEV_ALB.compute.web.healthCheckCommand, undefined);
    assert.deepEqual(findConfigIssues(DEV_ALB_PLATFORM), []);
  });

  test('throttling is for the HTTP API only, with a burst of at least one second of the rate, within the account quota', () => {
    assert.equal(
      errorFor('dev', { ingress: { kind: 'alb' } }),
      'config error in dev.ingress.throttle: {"ratePerSecond":50,"burst":100} is set, but throttling applies to the HTTP API only and ingress.kind is "alb" (remove it, or limit request rates with waf.rateLimitPer5Minutes)',
    );
    assert.equal(
      errorFor('dev', { ingress: { throttle: { ratePerSecond: 100, burst: 50 } } }),
      'config error in dev.ingress.throttle.burst: 50 is below ratePerSecond 100: the bucket could never hold one second of the steady rate (make burst at least 100)',
    );
    assert.equal(
      errorFor('dev', { ingress: { throttle: { ratePerSecond: 0 } } }),
      "config error in dev.ingress.throttle.ratePerSecond: 0 is out of range (use a whole number from 1 to 10000, API Gateway's default account quota)",
    );
    assert.deepEqual(
      findConfigIssues(withEnvironment('dev', { ingress: { throttle: { ratePerSecond: 100, burst: 100 } } })),
      [],
    );
  });

  test('an unknown ingress kind names the kinds there are, and a near miss suggests the one meant', () => {
    assert.equal(
      errorFor('dev', { ingress: { kind: 'http' as never } }),
      'config error in dev.ingress.kind: "http" is not an ingress kind (use one of: alb, http-api)',
    );
    assert.equal(
      errorFor('dev', { ingress: { kind: 'http-apl' as never } }),
      'config error in dev.ingress.kind: "http-apl" is not an ingress kind (did you mean "http-api"?)',
    );
  });
});
