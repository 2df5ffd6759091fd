import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { environmentNamed, platformConfig } from '../../src/config';
import type { WafConfig } from '../../src/config/types';
import { IssueCollector } from '../../src/config/validate/issues';
import { validateWaf } from '../../src/config/validate/waf';
import {
  ACME_CHALLENGE_PATTERN,
  estimateWebAclCapacity,
  LoadBalancerFirewall,
  PLATFORM_PATHS,
} from '../../src/modules/waf/web-acl';
import { synthesize } from '../../src/quality/synthesize';
import { resourcesOfType } from '../helpers';

const ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-2:111111111111:loadbalancer/app/booking-dev/0123456789abcdef';
const CUSTOM_ARN =
  'arn:aws:wafv2:eu-west-2:111111111111:regional/rulegroup/booking-extra/a1b2c3d4-1111-2222-3333-444455556666';

const full: WafConfig = {
  enabled: true,
  mode: 'block',
  rateLimitPer5Minutes: 2000,
  allowCidrs: ['203.0.113.0/24'],
  blockCidrs: ['198.51.100.7/32', '192.0.2.0/24'],
  managedRuleGroups: ['common', 'known-bad-inputs', 'sql-database', 'ip-reputation'],
  customRuleGroupArns: [CUSTOM_ARN],
  logRetentionDays: 30,
};

/** The firewall alone in a stack; with `gates`, synthesized through cdk-nag and the validator. */
function firewall(patch: Partial<WafConfig> = {}, gates = false) {
  const app = new App({ context: {}, ...(gates ? {} : { builtinCloudFormationValidation: false }) });
  if (gates) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Waf', { env: { account: '111111111111', region: 'eu-west-2' } });
  new LoadBalancerFirewall(stack, 'Firewall', {
    name: 'booking-dev',
    config: { ...full, ...patch },
    loadBalancerArn: ALB_ARN,
  });
  if (gates) synthesize(app);
  const json = Template.fromStack(stack).toJSON();
  const [[aclId, acl]] = resourcesOfType(json, 'AWS::WAFv2::WebACL');
  return { json, aclId, acl: acl.Properties, rules: acl.Properties.Rules as any[] };
}

/** A resource ARN as text, its partition token written `aws` (a plain test stack has no literal partition). */
function arnText(value: any): unknown {
  const join = value?.['Fn::Join'];
  if (!join) return value;
  return join[1].map((part: any) => (part?.Ref === 'AWS::Partition' ? 'aws' : part)).join(join[0]);
}

const byName = (rules: any[], name: string) => {
  const rule = rules.find((candidate) => candidate.Name === name);
  assert.ok(rule, `no rule ${name}`);
  return rule;
};

describe('load balancer firewall (module)', () => {
  let blocking: ReturnType<typeof firewall>;
  let counting: ReturnType<typeof firewall>;
  before(() => {
    blocking = firewall({}, true);
    counting = firewall({ mode: 'count' }, true);
  });

  test('a REGIONAL ACL <name>-alb allowing by default, metrics and samples on for it and every rule', () => {
    const { acl, rules } = blocking;
    assert.equal(acl.Name, 'booking-dev-alb');
    assert.equal(acl.Scope, 'REGIONAL');
    assert.deepEqual(acl.DefaultAction, { Allow: {} });
    assert.deepEqual(acl.VisibilityConfig, {
      CloudWatchMetricsEnabled: true,
      SampledRequestsEnabled: true,
      MetricName: 'booking-dev-alb-acl',
    });
    for (const rule of rules) {
      assert.deepEqual(rule.VisibilityConfig, {
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
        MetricName: `booking-dev-alb-${rule.Name}`,
      });
    }
    assert.deepEqual(acl.Tags, [{ Key: 'module', Value: 'waf' }]);
  });

  test('the rules in order: allow list, block list, platform paths, rate limit, managed groups, custom groups', () => {
    const { rules } = blocking;
    assert.deepEqual(
      rules.map((rule) => [rule.Priority, rule.Name]),
      [
        [0, 'allow-list'],
        [1, 'block-list'],
        [2, 'platform-paths'],
        [3, 'rate-limit-per-ip'],
        [4, 'aws-common'],
        [5, 'aws-known-bad-inputs'],
        [6, 'aws-sql-database'],
        [7, 'aws-ip-reputation'],
        [8, 'custom-1-booking-extra'],
      ],
    );
    assert.deepEqual(byName(rules, 'allow-list').Action, { Allow: {} });
    assert.deepEqual(byName(rules, 'block-list').Action, { Block: {} });
    assert.deepEqual(byName(rules, 'rate-limit-per-ip'), {
      ...byName(rules, 'rate-limit-per-ip'),
      Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: 2000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } },
    });
    assert.deepEqual(
      rules.filter((rule) => rule.Name.startsWith('aws-')).map((rule) => [rule.Statement, rule.OverrideAction]),
      [
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
        'AWSManagedRulesSQLiRuleSet',
        'AWSManagedRulesAmazonIpReputationList',
      ].map((name) => [{ ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } }, { None: {} }]),
    );
    const custom = byName(rules, 'custom-1-booking-extra');
    assert.deepEqual(custom.Statement, { RuleGroupReferenceStatement: { Arn: CUSTOM_ARN } });
    assert.deepEqual(custom.OverrideAction, { None: {} });
  });

  test('the IP sets are IPv4, REGIONAL, hold the configured CIDRs and are what the list rules reference', () => {
    const { json, rules } = blocking;
    const sets = Object.fromEntries(
      resourcesOfType(json, 'AWS::WAFv2::IPSet').map(([id, set]) => [set.Properties.Name, { id, ...set.Properties }]),
    );
    assert.deepEqual(Object.keys(sets).sort(), ['booking-dev-alb-allow-list', 'booking-dev-alb-block-list']);
    for (const [kind, cidrs] of [
      ['allow', full.allowCidrs],
      ['block', full.blockCidrs],
    ] as const) {
      const set = sets[`booking-dev-alb-${kind}-list`];
      assert.equal(set.Scope, 'REGIONAL');
      assert.equal(set.IPAddressVersion, 'IPV4');
      assert.deepEqual(set.Addresses, cidrs);
      assert.deepEqual(byName(rules, `${kind}-list`).Statement, {
        IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [set.id, 'Arn'] } },
      });
    }
  });

  test('an empty IP list makes no IP set and no rule; the priorities stay consecutive', () => {
    for (const [patch, left] of [
      [{ allowCidrs: [] }, ['block-list']],
      [{ blockCidrs: [] }, ['allow-list']],
      [{ allowCidrs: [], blockCidrs: [] }, []],
    ] as const) {
      const { json, rules } = firewall(patch);
      assert.deepEqual(
        resourcesOfType(json, 'AWS::WAFv2::IPSet').map(([, set]) => set.Properties.Name),
        left.map((rule) => `booking-dev-alb-${rule}`),
      );
      assert.deepEqual(
        rules.filter((rule) => rule.Name.endsWith('-list')).map((rule) => rule.Name),
        left,
      );
      assert.deepEqual(
        rules.map((rule) => rule.Priority),
        rules.map((_, index) => index),
      );
    }
  });

  test('count mode turns every block into a count, groups count instead of acting, and the allows stay', () => {
    const { rules } = counting;
    assert.deepEqual(
      rules.map((rule) => [rule.Name, rule.Action ?? rule.OverrideAction]),
      [
        ['allow-list', { Allow: {} }],
        ['block-list', { Count: {} }],
        ['platform-paths', { Allow: {} }],
        ['rate-limit-per-ip', { Count: {} }],
        ['aws-common', { Count: {} }],
        ['aws-known-bad-inputs', { Count: {} }],
        ['aws-sql-database', { Count: {} }],
        ['aws-ip-reputation', { Count: {} }],
        ['custom-1-booking-extra', { Count: {} }],
      ],
    );
    assert.ok(!JSON.stringify(counting.acl).includes('"Block"'), 'no Block anywhere in count mode');
    // The same rules as in block mode, in the same order: only the actions differ.
    assert.deepEqual(
      rules.map((rule) => [rule.Priority, rule.Name, rule.Statement]),
      blocking.rules.map((rule) => [rule.Priority, rule.Name, rule.Statement]),
    );
  });

  test('/health/ and ACME HTTP-01 tokens are allowed before the rate limit and every managed or custom group', () => {
    for (const { rules } of [blocking, counting]) {
      const paths = byName(rules, 'platform-paths');
      assert.deepEqual(paths.Action, { Allow: {} });
      const exactly = (field: object, value: string) => ({
        ByteMatchStatement: {
          FieldToMatch: field,
          PositionalConstraint: 'EXACTLY',
          SearchString: value,
          TextTransformations: [{ Priority: 0, Type: 'NONE' }],
        },
      });
      assert.deepEqual(paths.Statement, {
        AndStatement: {
          Statements: [
            {
              OrStatement: {
                Statements: [
                  exactly({ UriPath: {} }, '/health/'),
                  {
                    RegexMatchStatement: {
                      FieldToMatch: { UriPath: {} },
                      RegexString: ACME_CHALLENGE_PATTERN,
                      TextTransformations: [{ Priority: 0, Type: 'NONE' }],
                    },
                  },
                ],
              },
            },
            { OrStatement: { Statements: [exactly({ Method: {} }, 'GET'), exactly({ Method: {} }, 'HEAD')] } },
          ],
        },
      });
      // Every rule that can block (or counts a group) comes after it; only allows come before.
      const blockers = rules.filter((rule) => rule.Action?.Block || rule.Action?.Count || rule.OverrideAction);
      assert.ok(blockers.length >= 6);
      for (const rule of blockers) {
        if (rule.Name === 'block-list') continue; // an operator's explicit block of an address
        assert.ok(paths.Priority < rule.Priority, `${rule.Name} (${rule.Priority}) runs before platform-paths`);
      }
      for (const rule of rules.filter((candidate) => candidate.Priority < paths.Priority)) {
        assert.ok(['allow-list', 'block-list'].includes(rule.Name), `${rule.Name} precedes the platform paths`);
      }
    }
    // The pattern takes a real token and nothing that leaves the challenge directory.
    const acme = new RegExp(ACME_CHALLENGE_PATTERN);
    assert.ok(acme.test(`${PLATFORM_PATHS.acmeChallengePrefix}LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0`));
    for (const path of [
      PLATFORM_PATHS.acmeChallengePrefix,
      `${PLATFORM_PATHS.acmeChallengePrefix}../../admin/`,
      `${PLATFORM_PATHS.acmeChallengePrefix}token/extra`,
      `${PLATFORM_PATHS.acmeChallengePrefix}%2e%2e`,
      '/api/.well-known/acme-challenge/token',
    ]) {
      assert.ok(!acme.test(path), path);
    }
  });

  test('logs: aws-waf-logs-<name>-alb, authorization and cookie redacted, only blocked or counted requests kept', () => {
    const { json, aclId } = blocking;
    const [[groupId, group]] = resourcesOfType(json, 'AWS::Logs::LogGroup');
    assert.equal(group.Properties.LogGroupName, 'aws-waf-logs-booking-dev-alb');
    assert.equal(group.Properties.RetentionInDays, 30);
    const [[, logging]] = resourcesOfType(json, 'AWS::WAFv2::LoggingConfiguration');
    assert.deepEqual(logging.Properties.ResourceArn, { 'Fn::GetAtt': [aclId, 'Arn'] });
    // The group's ARN as the WAF guide writes it: without the ":*" of the log group's Arn attribute.
    assert.deepEqual(logging.Properties.LogDestinationConfigs.map(arnText), [
      'arn:aws:logs:eu-west-2:111111111111:log-group:aws-waf-logs-booking-dev-alb',
    ]);
    assert.ok(logging.DependsOn.includes(groupId), 'the ARN is written out, so the dependency is explicit');
    assert.deepEqual(logging.Properties.RedactedFields, [
      { SingleHeader: { Name: 'authorization' } },
      { SingleHeader: { Name: 'cookie' } },
    ]);
    assert.deepEqual(logging.Properties.LoggingFilter, {
      DefaultBehavior: 'DROP',
      Filters: [
        {
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: [
            { ActionCondition: { Action: 'BLOCK' } },
            { ActionCondition: { Action: 'COUNT' } },
            { ActionCondition: { Action: 'EXCLUDED_AS_COUNT' } },
          ],
        },
      ],
    });
  });

  test('logRetentionDays 0: no log group and no logging configuration', () => {
    const { json } = firewall({ logRetentionDays: 0 });
    assert.deepEqual(resourcesOfType(json, 'AWS::Logs::LogGroup'), []);
    assert.deepEqual(resourcesOfType(json, 'AWS::WAFv2::LoggingConfiguration'), []);
  });

  test('the ACL is associated with the load balancer', () => {
    const { json, aclId } = blocking;
    const associations = resourcesOfType(json, 'AWS::WAFv2::WebACLAssociation');
    assert.equal(associations.length, 1);
    assert.deepEqual(associations[0][1].Properties, {
      ResourceArn: ALB_ARN,
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
    });
  });

  test('every resource carries the module tag', () => {
    for (const type of ['AWS::WAFv2::WebACL', 'AWS::WAFv2::IPSet', 'AWS::Logs::LogGroup']) {
      for (const [, resource] of resourcesOfType(blocking.json, type)) {
        assert.deepEqual(resource.Properties.Tags, [{ Key: 'module', Value: 'waf' }], type);
      }
    }
  });

  test('the WCU estimate: the four managed groups and the own rules fit the 1,500 an ACL includes', () => {
    // 700 + 200 + 200 + 25 managed, 1 + 1 IP sets, 9 platform paths, 2 rate limit.
    assert.equal(estimateWebAclCapacity(full), 1138);
    assert.equal(estimateWebAclCapacity({ ...full, allowCidrs: [], blockCidrs: [] }), 1136);
  });

  test('managed groups over the 1,500 WCU an ACL includes fail the synth naming waf.managedRuleGroups', () => {
    assert.throws(() => firewall({ managedRuleGroups: ['common', 'common', 'sql-database'] }), {
      message:
        'waf.managedRuleGroups [common, common, sql-database] make the web ACL booking-dev-alb need about 1613 WCU, ' +
        'over the 1500 a web ACL includes (AWS charges extra per request above it): drop a group or a duplicate ' +
        '(common 700, known-bad-inputs 200, sql-database 200, ip-reputation 25 WCU)',
    });
  });
});

describe('waf config validation', () => {
  const dev = environmentNamed(platformConfig, 'dev');
  /** The issues of dev with `waf` set to the full config changed by `patch`. */
  function issuesFor(patch: Partial<WafConfig>): string[] {
    const issues = new IssueCollector();
    validateWaf({ ...dev, waf: { ...full, ...patch } }, issues);
    return issues.issues.map((issue) => `${issue.field}: ${issue.message}`);
  }

  test('the full config is valid, and no waf block checks nothing', () => {
    assert.deepEqual(issuesFor({}), []);
    const issues = new IssueCollector();
    validateWaf({ ...dev, waf: undefined }, issues);
    assert.deepEqual(issues.issues, []);
  });

  test('mode is block or count', () => {
    assert.deepEqual(issuesFor({ mode: 'blok' as WafConfig['mode'] }), [
      'dev.waf.mode: "blok" is not a WAF mode (did you mean "block"?)',
    ]);
  });

  test('the rate limit is a whole number WAF accepts (10 to 2,000,000,000)', () => {
    for (const value of [9, 2_000_000_001, 100.5]) {
      assert.deepEqual(issuesFor({ rateLimitPer5Minutes: value }), [
        `dev.waf.rateLimitPer5Minutes: ${value} is out of range (use a whole number from 10 to 2000000000 requests per client IP in 5 minutes, as WAF allows)`,
      ]);
    }
    assert.deepEqual(issuesFor({ rateLimitPer5Minutes: 10 }), []);
  });

  test('IP lists hold IPv4 CIDRs', () => {
    assert.deepEqual(issuesFor({ allowCidrs: ['203.0.113.7'], blockCidrs: ['2001:db8::/32'] }), [
      'dev.waf.allowCidrs[0]: "203.0.113.7" is not an IPv4 CIDR block (write it as "203.0.113.0/24", or "203.0.113.7/32" for one address)',
      'dev.waf.blockCidrs[0]: "2001:db8::/32" is not an IPv4 CIDR block (write it as "203.0.113.0/24", or "203.0.113.7/32" for one address)',
    ]);
  });

  test('IP lists hold no CIDR with host bits set, and no /0', () => {
    assert.deepEqual(issuesFor({ blockCidrs: ['198.51.100.7/24', '0.0.0.0/0'] }), [
      'dev.waf.blockCidrs[0]: "198.51.100.7/24" has host bits set (did you mean "198.51.100.0/24"?)',
      'dev.waf.blockCidrs[1]: "0.0.0.0/0" matches every address, which WAF refuses in an IP set (drop the list or name the ranges)',
    ]);
  });

  test('no CIDR in both lists', () => {
    assert.deepEqual(issuesFor({ allowCidrs: ['203.0.113.0/24'], blockCidrs: ['192.0.2.0/24', '203.0.113.0/24'] }), [
      'dev.waf.blockCidrs[1]: "203.0.113.0/24" is in allowCidrs too, which WAF checks first, so it is never blocked (remove it from one of the lists)',
    ]);
  });

  test('managed groups are names this platform knows', () => {
    assert.deepEqual(issuesFor({ managedRuleGroups: ['common', 'sql-databse'] as WafConfig['managedRuleGroups'] }), [
      'dev.waf.managedRuleGroups[1]: "sql-databse" is not an AWS managed rule group this platform knows (did you mean "sql-database"?)',
    ]);
  });

  test('managed groups are listed once each', () => {
    assert.deepEqual(issuesFor({ managedRuleGroups: ['common', 'ip-reputation', 'common'] }), [
      'dev.waf.managedRuleGroups[2]: "common" is listed twice (a web ACL takes each rule group once: remove one)',
    ]);
  });

  test('a CIDR is written canonically and listed once', () => {
    assert.deepEqual(issuesFor({ allowCidrs: ['203.000.113.0/24'], blockCidrs: ['192.0.2.0/24', '192.0.2.0/24'] }), [
      'dev.waf.allowCidrs[0]: "203.000.113.0/24" is not written canonically (write it as "203.0.113.0/24")',
      'dev.waf.blockCidrs[1]: "192.0.2.0/24" is listed twice (remove one)',
    ]);
  });

  test('custom rule groups are REGIONAL rule group ARNs in the environment region', () => {
    const arn = (region: string, scope = 'regional') =>
      `arn:aws:wafv2:${region}:222222222222:${scope}/rulegroup/extra/a1b2c3d4-1111-2222-3333-444455556666`;
    assert.deepEqual(
      issuesFor({
        customRuleGroupArns: ['booking-extra', arn('us-east-1'), arn('us-east-1', 'global'), arn('eu-west-2')],
      }),
      [
        'dev.waf.customRuleGroupArns[0]: "booking-extra" is not a WAF rule group ARN (e.g. "arn:aws:wafv2:eu-west-2:111111111111:regional/rulegroup/<name>/<id>", as the WAF console shows it)',
        `dev.waf.customRuleGroupArns[1]: "${arn('us-east-1')}" is in us-east-1, but the web ACL is in eu-west-2 and can use rule groups of its own region only (create the group in eu-west-2)`,
        `dev.waf.customRuleGroupArns[2]: "${arn('us-east-1', 'global')}" is a CloudFront (global) rule group, which a REGIONAL web ACL cannot use (create the group with scope REGIONAL in eu-west-2)`,
      ],
    );
  });

  test('a custom rule group is listed once', () => {
    assert.deepEqual(issuesFor({ customRuleGroupArns: [CUSTOM_ARN, CUSTOM_ARN] }), [
      `dev.waf.customRuleGroupArns[1]: "${CUSTOM_ARN}" is listed twice (a web ACL takes each rule group once: remove one)`,
    ]);
  });

  test('log retention is 0 (no logging) or a retention CloudWatch Logs accepts', () => {
    assert.deepEqual(issuesFor({ logRetentionDays: 0 }), []);
    assert.deepEqual(issuesFor({ logRetentionDays: 100 }), [
      'dev.waf.logRetentionDays: "100" is not a retention CloudWatch Logs accepts, or 0 for no logging (did you mean "120"?)',
    ]);
  });
});
