import { EXISTING_RECORDS, type SharedConfig } from '../types';
import { BASELINE_SERVICE_MODES, DEFAULT_BASELINE_USAGE } from '../../modules/account-baseline/settings';
import {
  checkAccountId,
  checkLogRetention,
  checkName,
  checkRegionAndZones,
  isHostname,
  isLabel,
  repairedHostname,
} from './common';
import type { IssueCollector } from './issues';

/** The account-level facts: account, region, hosted zone, source repository, domain and its records. */
export function validateShared(shared: SharedConfig, issues: IssueCollector): void {
  checkAccountId(issues, 'shared.account', shared.account, 'BOOKING_ACCOUNT');
  checkRegionAndZones(issues, 'shared', shared.region, shared.availabilityZones);
  issues.oneOf('shared.hostedZone.mode', shared.hostedZone.mode, ['create', 'adopt'], 'a hosted zone mode');
  if (shared.hostedZone.mode === 'adopt' && !/^Z[A-Z0-9]{1,31}$/.test(shared.hostedZone.id)) {
    issues.add(
      'shared.hostedZone.id',
      `${JSON.stringify(shared.hostedZone.id)} is not a Route 53 hosted zone id (e.g. "Z0123456789ABCDEFGHIJ")`,
    );
  }
  if (shared.hostedZone.mode === 'adopt' && shared.hostedZone.existingRecords !== undefined) {
    issues.oneOf(
      'shared.hostedZone.existingRecords',
      shared.hostedZone.existingRecords,
      EXISTING_RECORDS,
      "a way to treat the zone's existing records",
    );
  }
  validateImageRepository(shared, issues);
  for (const key of ['owner', 'repository'] as const) {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(shared.source[key])) {
      issues.add(
        `shared.source.${key}`,
        `${JSON.stringify(shared.source[key])} is not a GitHub ${key} name (letters, digits, - _ .)`,
      );
    }
  }
  validateCaaIssuers(shared, issues);
  checkName(issues, 'shared.appName', shared.appName);
  if (!isHostname(shared.domain)) {
    const repaired = repairedHostname(shared.domain);
    issues.add(
      'shared.domain',
      shared.domain.trim() === ''
        ? `"${shared.domain}" is empty (set the apex domain of the hosted zone, e.g. "example.com")`
        : repaired
          ? `${JSON.stringify(shared.domain)} is not a valid domain name (did you mean "${repaired}"?)`
          : `${JSON.stringify(shared.domain)} is not a valid domain name (use lowercase labels separated by dots, e.g. "lichnails.co.uk")`,
    );
  }
  validateFrontendRecords(shared, issues);
  validateAccountBaseline(shared, issues);
}

/** The CAA domains of the certificate authorities ACM issues from (any one lets ACM issue). */
const AMAZON_CAA_DOMAINS = ['amazon.com', 'amazontrust.com', 'awstrust.com', 'amazonaws.com'];

/** CA domains, each once, and one of Amazon's: without it ACM cannot issue the API certificates. */
function validateCaaIssuers(shared: SharedConfig, issues: IssueCollector): void {
  const seen = new Set<string>();
  shared.caaIssuers.forEach((issuer, index) => {
    const field = `shared.caaIssuers[${index}]`;
    if (!isHostname(issuer)) {
      const repaired = repairedHostname(issuer);
      issues.add(
        field,
        `${JSON.stringify(issuer)} is not a CA domain (${repaired ? `did you mean "${repaired}"?` : 'e.g. "amazon.com"'})`,
      );
    } else if (seen.has(issuer)) {
      issues.add(field, `"${issuer}" is listed twice (list each CA once)`);
    }
    seen.add(issuer);
  });
  if (shared.caaIssuers.length === 0) {
    issues.add(
      'shared.caaIssuers',
      '[] is empty (list "amazon.com" for the API certificates, and the frontend host\'s CA, e.g. "letsencrypt.org")',
    );
  } else if (
    shared.caaIssuers.every((issuer) => isHostname(issuer)) &&
    !shared.caaIssuers.some((issuer) => AMAZON_CAA_DOMAINS.includes(issuer))
  ) {
    issues.add(
      'shared.caaIssuers',
      `${JSON.stringify(shared.caaIssuers)} leaves out Amazon, so ACM cannot issue the API certificates (add "amazon.com")`,
    );
  }
}

function validateFrontendRecords(shared: SharedConfig, issues: IssueCollector): void {
  const seen = new Set<string>();
  shared.frontendRecords.forEach((record, index) => {
    const field = `shared.frontendRecords[${index}]`;
    if (!isLabel(record.name)) {
      const repaired = record.name
        .trim()
        .toLowerCase()
        .replace(/[_\s.]+/g, '-')
        .replace(/^-+|-+$/g, '');
      const taken = new Set(shared.frontendRecords.map((other) => other.name));
      const example = isLabel(repaired) && !taken.has(repaired) ? repaired : undefined;
      issues.add(
        `${field}.name`,
        example
          ? `${JSON.stringify(record.name)} is not a valid DNS label (did you mean "${example}"?)`
          : `${JSON.stringify(record.name)} is not a valid DNS label (use lowercase letters, digits and inner hyphens, e.g. "${['usa-berko', 'www', 'app'].find((name) => !taken.has(name)) ?? 'www-2'}")`,
      );
    } else if (seen.has(record.name)) {
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

/** ECR's repository name rule: lowercase path components joined by `/`, no separator at either end. */
const ECR_REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** `create`, or `adopt` with a name ECR accepts (2-256 characters). */
function validateImageRepository(shared: SharedConfig, issues: IssueCollector): void {
  const repository = shared.imageRepository;
  if (repository === undefined) return;
  if (!issues.oneOf('shared.imageRepository.mode', repository.mode, ['create', 'adopt'], 'an image repository mode')) {
    return;
  }
  if (repository.mode !== 'adopt') return;
  const name = repository.name;
  if (typeof name !== 'string' || name.length < 2 || name.length > 256 || !ECR_REPOSITORY_NAME.test(name)) {
    const repaired =
      typeof name === 'string'
        ? name
            .trim()
            .toLowerCase()
            .replace(/[^a-z0-9._/-]+/g, '-')
            .replace(/([._/-])[._/-]+/g, '$1')
            .replace(/^[._/-]+|[._/-]+$/g, '')
        : '';
    const suggestion =
      repaired !== name && repaired.length >= 2 && repaired.length <= 256 && ECR_REPOSITORY_NAME.test(repaired)
        ? `did you mean "${repaired}"?`
        : 'use 2-256 lowercase letters, digits and . _ - /, starting and ending with a letter or digit, e.g. "booking"';
    issues.add('shared.imageRepository.name', `${JSON.stringify(name)} is not an ECR repository name (${suggestion})`);
  }
}

/**
 * `accountBaseline`: each service's mode, the trail's retention and options, the usage volumes.
 * A service already enabled in the account (e.g. by AWS Organizations) makes `create` fail at
 * deploy time; the mode's message says to use `existing` then.
 */
function validateAccountBaseline(shared: SharedConfig, issues: IssueCollector): void {
  const baseline = shared.accountBaseline;
  if (baseline === undefined) return;
  const field = 'shared.accountBaseline';
  if (typeof baseline !== 'object' || baseline === null) {
    issues.add(
      field,
      `${JSON.stringify(baseline)} is not an object (omit it for the default baseline, or e.g. { securityHub: { mode: 'create' } })`,
    );
    return;
  }
  for (const service of ['trail', 'guardDuty', 'securityHub'] as const) {
    const mode = baseline[service]?.mode;
    if (mode === undefined) continue;
    if (typeof mode === 'string' && (BASELINE_SERVICE_MODES as readonly string[]).includes(mode)) continue;
    issues.oneOf(
      `${field}.${service}.mode`,
      mode,
      BASELINE_SERVICE_MODES,
      "a baseline mode: 'create' builds it, 'existing' when it is already enabled in the account (e.g. by AWS Organizations, which makes 'create' fail), 'off'",
    );
  }
  const trail = baseline.trail;
  if (trail?.retentionDays !== undefined) {
    issues.integerIn(
      `${field}.trail.retentionDays`,
      trail.retentionDays,
      90,
      3653,
      ' days: at least the 90 days of CloudTrail event history, at most 10 years',
    );
  }
  if (trail?.cloudWatchLogsRetentionDays !== undefined) {
    checkLogRetention(issues, `${field}.trail.cloudWatchLogsRetentionDays`, trail.cloudWatchLogsRetentionDays);
  }
  for (const flag of ['s3DataEvents', 'accessLogging'] as const) {
    const value = trail?.[flag];
    if (value !== undefined && typeof value !== 'boolean') {
      issues.add(`${field}.trail.${flag}`, `${JSON.stringify(value)} is not true or false (use a boolean)`);
    }
  }
  for (const flag of ['s3Protection', 'runtimeMonitoring'] as const) {
    const value = baseline.guardDuty?.[flag];
    if (value !== undefined && typeof value !== 'boolean') {
      issues.add(`${field}.guardDuty.${flag}`, `${JSON.stringify(value)} is not true or false (use a boolean)`);
    }
  }
  for (const [name, value] of Object.entries(baseline.usage ?? {})) {
    if (!(name in DEFAULT_BASELINE_USAGE)) {
      issues.add(
        `${field}.usage.${name}`,
        `is not a baseline usage figure (use one of: ${Object.keys(DEFAULT_BASELINE_USAGE).join(', ')})`,
      );
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      issues.add(
        `${field}.usage.${name}`,
        `${JSON.stringify(value)} is not a volume (use a number >= 0, e.g. ${DEFAULT_BASELINE_USAGE[name as keyof typeof DEFAULT_BASELINE_USAGE]})`,
      );
    }
  }
}
