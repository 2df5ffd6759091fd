import { RemovalPolicy, Stack, Tags, ArnFormat } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { WAF_MANAGED_RULE_GROUPS, type WafConfig, type WafManagedRuleGroup } from '../../config/types';

/**
 * The platform's own paths that no WAF rule may block, matched on the raw URI path (no text
 * transformation, so an encoded or case-changed variant is not allowed early: it falls through to
 * the normal rules). `/health/` is Django's health view, matched exactly; the ACME HTTP-01 path is
 * the prefix followed by a token of base64url characters only (so `..` and other paths under the
 * prefix fall through too). Only GET and HEAD: what monitors and ACME issuers send.
 */
export const PLATFORM_PATHS = {
  healthCheck: '/health/',
  acmeChallengePrefix: '/.well-known/acme-challenge/',
} as const;

/** The ACME token path as the platform-path rule matches it (RFC 8555 tokens are base64url). */
export const ACME_CHALLENGE_PATTERN = '^/\\.well-known/acme-challenge/[A-Za-z0-9_-]+$';

/**
 * Web ACL capacity units (WCU) of each AWS managed rule group, as AWS lists them
 * (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html).
 */
export const MANAGED_RULE_GROUP_WCU: Readonly<Record<WafManagedRuleGroup, number>> = {
  common: 700,
  'known-bad-inputs': 200,
  'sql-database': 200,
  'ip-reputation': 25,
};

/**
 * WCU a web ACL includes in its price; AWS accepts up to 5,000 but charges more per request above
 * 1,500, which the cost estimate does not model.
 */
export const WEB_ACL_INCLUDED_WCU = 1500;

/** WCU of the rules the construct writes itself (AWS WAF developer guide, rule statement pages). */
const OWN_RULE_WCU = {
  /** IP set match: 1. */
  ipSet: 1,
  /** Rate-based, aggregated on the IP, no custom keys or scope-down: 2. */
  rate: 2,
  /**
   * AND of (OR of a string match "exactly" 2 and a regex match 3) and (OR of two "exactly"
   * matches on the method, 2 each), no text transformations: 9.
   */
  platformPaths: 2 + 3 + 2 + 2,
} as const;

export interface LoadBalancerFirewallProps {
  /** `<app>-<env>`, e.g. `booking-dev`: the ACL is `<name>-alb`. */
  readonly name: string;
  /** Validated config (`validateWaf`); `enabled` is the caller's decision to build this at all. */
  readonly config: WafConfig;
  /** The ARN of the application load balancer the ACL protects. */
  readonly loadBalancerArn: string;
}

/**
 * Estimated WCU of the ACL built from `config`: the managed groups at AWS's listed capacity, the
 * construct's own rules at their documented cost. Custom rule groups are not counted: their
 * capacity is fixed when they are created, outside this app (WAF refuses the deploy if the total
 * goes over the ACL's limit).
 */
export function estimateWebAclCapacity(config: WafConfig): number {
  const ipSets = [config.allowCidrs, config.blockCidrs].filter((cidrs) => cidrs.length > 0).length;
  const managed = config.managedRuleGroups.reduce((sum, group) => sum + MANAGED_RULE_GROUP_WCU[group], 0);
  return ipSets * OWN_RULE_WCU.ipSet + OWN_RULE_WCU.platformPaths + OWN_RULE_WCU.rate + managed;
}

/**
 * A REGIONAL web ACL on the application load balancer, evaluated in this order (lowest priority
 * first; the first Allow or Block ends the evaluation):
 *
 * 1. the allow-list IP set: Allow (only when `allowCidrs` lists any);
 * 2. the block-list IP set: Block (only when `blockCidrs` lists any);
 * 3. the platform's own paths (health check, ACME HTTP-01): Allow, so nothing after can block them;
 * 4. a rate limit per client IP over 5 minutes: Block;
 * 5. the AWS managed rule groups, in config order;
 * 6. the custom rule groups, in config order.
 *
 * Anything else is allowed. `mode: 'count'` turns every Block into Count (the managed and custom
 * groups count instead of acting); the Allow rules stay. With `logRetentionDays` above 0, blocked
 * and counted requests are logged to `aws-waf-logs-<name>-alb` with the `authorization` and
 * `cookie` headers redacted.
 */
export class LoadBalancerFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup?: logs.LogGroup;
  /** `<name>-alb`. */
  readonly webAclName: string;

  constructor(scope: Construct, id: string, props: LoadBalancerFirewallProps) {
    super(scope, id);
    Tags.of(this).add('module', 'waf');
    const { config } = props;
    const aclName = `${props.name}-alb`;
    this.webAclName = aclName;

    const capacity = estimateWebAclCapacity(config);
    if (capacity > WEB_ACL_INCLUDED_WCU) {
      throw new Error(
        `waf.managedRuleGroups [${config.managedRuleGroups.join(', ')}] make the web ACL ${aclName} need about ${capacity} WCU, ` +
          `over the ${WEB_ACL_INCLUDED_WCU} a web ACL includes (AWS charges extra per request above it): ` +
          `drop a group or a duplicate (common ${MANAGED_RULE_GROUP_WCU.common}, known-bad-inputs ${MANAGED_RULE_GROUP_WCU['known-bad-inputs']}, ` +
          `sql-database ${MANAGED_RULE_GROUP_WCU['sql-database']}, ip-reputation ${MANAGED_RULE_GROUP_WCU['ip-reputation']} WCU)`,
      );
    }

    const counting = config.mode === 'count';
    const blockAction: wafv2.CfnWebACL.RuleActionProperty = counting ? { count: {} } : { block: {} };
    const groupOverride: wafv2.CfnWebACL.OverrideActionProperty = counting ? { count: {} } : { none: {} };
    const visibility = (metric: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${aclName}-${metric}`,
    });

    const rules: Omit<wafv2.CfnWebACL.RuleProperty, 'priority'>[] = [];
    const ipSetRule = (kind: 'allow' | 'block', cidrs: readonly string[]) => {
      if (cidrs.length === 0) return;
      const ipSet = new wafv2.CfnIPSet(this, kind === 'allow' ? 'AllowList' : 'BlockList', {
        name: `${aclName}-${kind}-list`,
        // WAF's descriptions take letters, digits, spaces and = : # @ / - , . only.
        description: `${kind === 'allow' ? 'Always allowed' : 'Always blocked'} client addresses from waf.${kind}Cidrs`,
        scope: 'REGIONAL',
        ipAddressVersion: 'IPV4',
        addresses: [...cidrs],
      });
      rules.push({
        name: `${kind}-list`,
        action: kind === 'allow' ? { allow: {} } : blockAction,
        statement: { ipSetReferenceStatement: { arn: ipSet.attrArn } },
        visibilityConfig: visibility(`${kind}-list`),
      });
    };
    ipSetRule('allow', config.allowCidrs);
    ipSetRule('block', config.blockCidrs);

    // Before the rate limit and the managed groups, so that neither can ever block these paths.
    // Not for the load balancer's own target health checks: those go from the load balancer to
    // the targets and never pass through WAF. Nor for certificate validation: ACM validates by
    // DNS. The rule covers external uptime monitors polling /health/ through the public endpoint
    // and any HTTP-01 issuer (e.g. a certificate for a host ACM does not serve).
    const exactly = (field: wafv2.CfnWebACL.FieldToMatchProperty, value: string) => ({
      byteMatchStatement: {
        fieldToMatch: field,
        positionalConstraint: 'EXACTLY',
        searchString: value,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    });
    rules.push({
      name: 'platform-paths',
      action: { allow: {} },
      statement: {
        andStatement: {
          statements: [
            {
              orStatement: {
                statements: [
                  exactly({ uriPath: {} }, PLATFORM_PATHS.healthCheck),
                  {
                    regexMatchStatement: {
                      fieldToMatch: { uriPath: {} },
                      regexString: ACME_CHALLENGE_PATTERN,
                      textTransformations: [{ priority: 0, type: 'NONE' }],
                    },
                  },
                ],
              },
            },
            { orStatement: { statements: [exactly({ method: {} }, 'GET'), exactly({ method: {} }, 'HEAD')] } },
          ],
        },
      },
      visibilityConfig: visibility('platform-paths'),
    });

    rules.push({
      name: 'rate-limit-per-ip',
      action: blockAction,
      statement: {
        rateBasedStatement: {
          limit: config.rateLimitPer5Minutes,
          evaluationWindowSec: 300,
          aggregateKeyType: 'IP',
        },
      },
      visibilityConfig: visibility('rate-limit-per-ip'),
    });

    for (const group of config.managedRuleGroups) {
      const groupName = WAF_MANAGED_RULE_GROUPS[group];
      rules.push({
        name: `aws-${group}`,
        overrideAction: groupOverride,
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: groupName } },
        visibilityConfig: visibility(`aws-${group}`),
      });
    }

    config.customRuleGroupArns.forEach((arn, index) => {
      // regional/rulegroup/<name>/<id>: the name makes the rule readable in the console.
      const groupName = /\/rulegroup\/([\w-]+)\//.exec(arn)?.[1];
      const ruleName = `custom-${index + 1}${groupName ? `-${groupName}` : ''}`.slice(0, 128);
      rules.push({
        name: ruleName,
        overrideAction: groupOverride,
        statement: { ruleGroupReferenceStatement: { arn } },
        visibilityConfig: visibility(ruleName),
      });
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: aclName,
      description: `${aclName}: ${counting ? 'count-only roll-out, nothing is blocked' : 'blocking'}`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('acl'),
      rules: rules.map((rule, priority) => ({ ...rule, priority })),
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.loadBalancerArn,
      webAclArn: this.webAcl.attrArn,
    });

    if (config.logRetentionDays > 0) {
      // WAF delivers only to a log group whose name starts with aws-waf-logs-.
      const logGroupName = `aws-waf-logs-${aclName}`;
      this.logGroup = new logs.LogGroup(this, 'Logs', {
        logGroupName,
        retention: config.logRetentionDays as logs.RetentionDays,
        // A retained group of this fixed name would stop the stack from being created again.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // The destination is the group's ARN without the trailing ":*" that its Arn attribute has
      // (the form the WAF guide gives): built from the name, so the dependency on the group is
      // declared explicitly. No CloudWatch Logs resource policy here: on PutLoggingConfiguration
      // WAF itself adds the statement letting delivery.logs.amazonaws.com write to the group to
      // the account's resource policy for WAF logs (CloudFormation's deploy role has the
      // logs:PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups and CreateLogDelivery
      // permissions that needs).
      const logGroupArn = Stack.of(this).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
        resourceArn: this.webAcl.attrArn,
        logDestinationConfigs: [logGroupArn],
        // Header names are matched case-insensitively; written lowercase, as HTTP/2 sends them.
        redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
        // Only what a rule blocked or counted (COUNT, and EXCLUDED_AS_COUNT for rules inside the
        // groups a count-mode roll-out overrides): the allowed bulk of the traffic is what
        // ingestion is paid for (0.5985 USD per GB), and tells nothing the ALB access logs do not.
        // The property is untyped JSON in aws-cdk-lib, so it is written in CloudFormation's case.
        loggingFilter: {
          DefaultBehavior: 'DROP',
          Filters: [
            {
              Behavior: 'KEEP',
              Requirement: 'MEETS_ANY',
              Conditions: ['BLOCK', 'COUNT', 'EXCLUDED_AS_COUNT'].map((action) => ({
                ActionCondition: { Action: action },
              })),
            },
          ],
        },
      });
      logging.node.addDependency(this.logGroup);
    }
  }
}
