// Checks more than one section makes: names, host names, account ids, log retention, region and zones.
import { LOG_RETENTION_DAYS, REGION_AZ_LETTERS } from '../aws-catalog';
import type { IssueCollector } from './issues';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME_PATTERN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);
const LABEL_PATTERN = new RegExp(`^${LABEL}$`);
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,14}[a-z0-9]$/;

export function isHostname(value: string): boolean {
  return HOSTNAME_PATTERN.test(value);
}

/** One DNS label, e.g. `usa-berko`. */
export function isLabel(value: string): boolean {
  return LABEL_PATTERN.test(value);
}

/** The app's or an environment's name: the words of stack names, parameter paths and tags. */
export function checkName(issues: IssueCollector, field: string, name: string): void {
  if (!NAME_PATTERN.test(name)) {
    issues.add(
      field,
      `${JSON.stringify(name)} is not a valid name (use 2-16 lowercase letters, digits or hyphens, starting with a letter)`,
    );
  } else if (name.includes('--')) {
    // `<app>-<env>` names the RDS instance and the ElastiCache group, and the app name the ECR
    // repository: none of them takes two hyphens in a row.
    issues.add(
      field,
      `"${name}" has two hyphens in a row, which RDS, ElastiCache and ECR names refuse (did you mean "${name.replace(/-{2,}/g, '-')}"?)`,
    );
  }
}

/**
 * What a mistyped domain or host name most likely meant: lower case, no scheme, path, port or
 * trailing dot. Undefined when that is not a valid host name either.
 */
export function repairedHostname(value: string): string | undefined {
  const repaired = value
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[/:].*$/, '')
    .replace(/\.+$/, '');
  return repaired !== value && isHostname(repaired) ? repaired : undefined;
}

/** A 12-digit account id; the fix names the variable that overrides it. Returns whether it is one. */
export function checkAccountId(issues: IssueCollector, field: string, account: string, variable: string): boolean {
  if (/^\d{12}$/.test(account)) return true;
  issues.add(field, `${JSON.stringify(account)} is not an AWS account id (use the 12 digits, or set ${variable})`);
  return false;
}

export function checkLogRetention(issues: IssueCollector, field: string, days: number): void {
  issues.oneOf(field, String(days), LOG_RETENTION_DAYS.map(String), 'a retention CloudWatch Logs accepts');
}

/**
 * `<prefix>.region` is a known region and each of `<prefix>.availabilityZones` is one of its
 * zones (checked once the region is known and not refused already, e.g. for having no prices or
 * differing from `shared.region`: the zones follow the region). `prefix` is `shared` or an
 * environment's name.
 */
export function checkRegionAndZones(
  issues: IssueCollector,
  prefix: string,
  region: string,
  zones: readonly string[],
): void {
  if (!issues.oneOf(`${prefix}.region`, region, Object.keys(REGION_AZ_LETTERS), 'a known AWS region')) return;
  if (issues.has(`${prefix}.region`)) return;
  const regionZones = [...REGION_AZ_LETTERS[region]].map((letter) => `${region}${letter}`);
  zones.forEach((zone, index) =>
    issues.oneOf(`${prefix}.availabilityZones[${index}]`, zone, regionZones, `an availability zone of ${region}`),
  );
}
