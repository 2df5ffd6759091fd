import { LOG_RETENTION_DAYS } from '../aws-catalog';
import { formatCidr, networkAddress, parseCidr } from '../cidr';
import { type EnvironmentConfig, WAF_MANAGED_RULE_GROUPS } from '../types';
import type { IssueCollector } from './issues';

const WAF_MODES = ['block', 'count'];

/** WAF's bounds on a rate-based rule's limit (RateBasedStatement.Limit). */
const RATE_LIMIT_MIN = 10;
const RATE_LIMIT_MAX = 2_000_000_000;

/** arn:<partition>:wafv2:<region>:<account>:<scope>/rulegroup/<name>/<id> */
const RULE_GROUP_ARN =
  /^arn:aws(?:-[a-z]+)*:wafv2:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):(regional|global)\/rulegroup\/([\w-]{1,128})\/([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})$/;

/**
 * `waf`, when present: the mode, a rate limit WAF accepts, IP lists of aligned IPv4 CIDRs that do
 * not name the same block twice, known managed groups once each, custom groups that a REGIONAL web
 * ACL in the environment's region can reference, and a log retention CloudWatch Logs accepts.
 */
export function validateWaf(env: EnvironmentConfig, issues: IssueCollector): void {
  const waf = env.waf;
  if (waf === undefined) return;
  const at = (field: string) => `${env.name}.waf.${field}`;

  issues.oneOf(at('mode'), waf.mode, WAF_MODES, 'a WAF mode');
  issues.integerIn(
    at('rateLimitPer5Minutes'),
    waf.rateLimitPer5Minutes,
    RATE_LIMIT_MIN,
    RATE_LIMIT_MAX,
    ' requests per client IP in 5 minutes, as WAF allows',
  );

  const allowed = checkCidrs(at('allowCidrs'), waf.allowCidrs, issues);
  const blocked = checkCidrs(at('blockCidrs'), waf.blockCidrs, issues);
  for (const [index, cidr] of blocked) {
    if ([...allowed.values()].includes(cidr)) {
      issues.add(
        at(`blockCidrs[${index}]`),
        `"${cidr}" is in allowCidrs too, which WAF checks first, so it is never blocked (remove it from one of the lists)`,
      );
    }
  }

  const known = Object.keys(WAF_MANAGED_RULE_GROUPS);
  const seenGroups = new Set<string>();
  waf.managedRuleGroups.forEach((group, index) => {
    const field = at(`managedRuleGroups[${index}]`);
    if (!issues.oneOf(field, group, known, 'an AWS managed rule group this platform knows')) return;
    if (seenGroups.has(group)) {
      issues.add(field, `"${group}" is listed twice (a web ACL takes each rule group once: remove one)`);
    }
    seenGroups.add(group);
  });

  const seenArns = new Set<string>();
  waf.customRuleGroupArns.forEach((arn, index) => {
    const field = at(`customRuleGroupArns[${index}]`);
    const match = typeof arn === 'string' ? RULE_GROUP_ARN.exec(arn) : null;
    if (!match) {
      issues.add(
        field,
        `${JSON.stringify(arn)} is not a WAF rule group ARN (e.g. "arn:aws:wafv2:${env.region}:${env.account}:regional/rulegroup/<name>/<id>", as the WAF console shows it)`,
      );
    } else if (match[3] !== 'regional') {
      issues.add(
        field,
        `"${arn}" is a CloudFront (global) rule group, which a REGIONAL web ACL cannot use (create the group with scope REGIONAL in ${env.region})`,
      );
    } else if (match[1] !== env.region) {
      issues.add(
        field,
        `"${arn}" is in ${match[1]}, but the web ACL is in ${env.region} and can use rule groups of its own region only (create the group in ${env.region})`,
      );
    } else if (seenArns.has(arn)) {
      issues.add(field, `"${arn}" is listed twice (a web ACL takes each rule group once: remove one)`);
    }
    seenArns.add(arn);
  });

  issues.oneOf(
    at('logRetentionDays'),
    String(waf.logRetentionDays),
    ['0', ...LOG_RETENTION_DAYS.map(String)],
    'a retention CloudWatch Logs accepts, or 0 for no logging',
  );
}

/**
 * Each entry an aligned IPv4 CIDR WAF accepts (not /0), once; returns the valid ones by index, in
 * canonical form.
 */
function checkCidrs(field: string, cidrs: readonly string[], issues: IssueCollector): Map<number, string> {
  const valid = new Map<number, string>();
  cidrs.forEach((text, index) => {
    const entry = `${field}[${index}]`;
    const cidr = typeof text === 'string' ? parseCidr(text) : undefined;
    if (!cidr) {
      issues.add(
        entry,
        `${JSON.stringify(text)} is not an IPv4 CIDR block (write it as "203.0.113.0/24", or "203.0.113.7/32" for one address)`,
      );
      return;
    }
    if (cidr.prefix === 0) {
      issues.add(
        entry,
        `"${text}" matches every address, which WAF refuses in an IP set (drop the list or name the ranges)`,
      );
      return;
    }
    const aligned = formatCidr({ base: networkAddress(cidr), prefix: cidr.prefix });
    if (formatCidr(cidr) !== text) {
      // e.g. leading zeros: valid to the parser, but not the form WAF and the other list compare.
      issues.add(entry, `"${text}" is not written canonically (write it as "${formatCidr(cidr)}")`);
      return;
    }
    if (aligned !== text) {
      issues.add(entry, `"${text}" has host bits set (did you mean "${aligned}"?)`);
      return;
    }
    if ([...valid.values()].includes(text)) {
      issues.add(entry, `"${text}" is listed twice (remove one)`);
      return;
    }
    valid.set(index, text);
  });
  return valid;
}
