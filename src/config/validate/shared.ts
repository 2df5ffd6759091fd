import type { SharedConfig } from '../types';
import { checkAccountId, checkName, checkRegionAndZones, isHostname, isLabel } from './common';
import type { IssueCollector } from './issues';

/** The account-level facts: account, region, hosted zone, source repository, domain and its records. */
export function validateShared(shared: SharedConfig, issues: IssueCollector): void {
  checkAccountId(issues, 'shared.account', shared.account, 'BOOKING_ACCOUNT');
  checkRegionAndZones(issues, 'shared', shared.region, shared.availabilityZones);
  if (shared.hostedZone.mode === 'adopt' && !/^Z[A-Z0-9]{1,31}$/.test(shared.hostedZone.id)) {
    issues.add(
      'shared.hostedZone.id',
      `${JSON.stringify(shared.hostedZone.id)} is not a Route 53 hosted zone id (e.g. "Z0123456789ABCDEFGHIJ")`,
    );
  }
  for (const key of ['owner', 'repository'] as const) {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(shared.source[key])) {
      issues.add(
        `shared.source.${key}`,
        `${JSON.stringify(shared.source[key])} is not a GitHub ${key} name (letters, digits, - _ .)`,
      );
    }
  }
  shared.caaIssuers.forEach((issuer, index) => {
    if (!isHostname(issuer))
      issues.add(`shared.caaIssuers[${index}]`, `${JSON.stringify(issuer)} is not a CA domain (e.g. "amazon.com")`);
  });
  checkName(issues, 'shared.appName', shared.appName);
  if (!isHostname(shared.domain)) {
    issues.add(
      'shared.domain',
      `${JSON.stringify(shared.domain)} is not a valid domain name (use lowercase labels separated by dots, e.g. "lichnails.co.uk")`,
    );
  }
  validateFrontendRecords(shared, issues);
}

function validateFrontendRecords(shared: SharedConfig, issues: IssueCollector): void {
  const seen = new Set<string>();
  shared.frontendRecords.forEach((record, index) => {
    const field = `shared.frontendRecords[${index}]`;
    if (!isLabel(record.name)) {
      issues.add(
        `${field}.name`,
        `${JSON.stringify(record.name)} is not a valid DNS label (use lowercase letters, digits and inner hyphens, e.g. "usa-berko")`,
      );
    }
    if (seen.has(record.name)) {
      issues.add(`${field}.name`, `"${record.name}" is listed twice (keep one record per name)`);
    }
    seen.add(record.name);
    if (!isHostname(record.target)) {
      issues.add(
        `${field}.target`,
        `${JSON.stringify(record.target)} is not a valid CNAME target (use a host name such as "cname.vercel-dns.com", without scheme or path)`,
      );
    }
  });
}
