import { PRICED_REGIONS } from '../../cost/prices';
import { REGION_AZ_LETTERS } from '../aws-catalog';
import { cidrsOverlap, parseCidr } from '../cidr';
import type { EnvironmentConfig, PlatformConfig } from '../types';
import { checkName, isHostname, isLabel } from './common';
import type { IssueCollector } from './issues';

/** The stage of the shared stacks is `<app>-shared`: no environment may take that name. */
const SHARED_STAGE = 'shared';

/**
 * What no single environment can check: each has a valid name of its own, no two VPC ranges
 * overlap (overlapping environments could never be peered or joined by VPN), and no two DNS names
 * in the zone (API hosts, frontend records) are the same.
 */
export function validateAcrossEnvironments(config: PlatformConfig, issues: IssueCollector): void {
  const names = new Set<string>();
  config.environments.forEach((env, index) => {
    checkName(issues, `environments[${index}].name`, env.name);
    if (names.has(env.name)) {
      issues.add(`environments[${index}].name`, `"${env.name}" is used twice (give each environment its own name)`);
    } else if (env.name === SHARED_STAGE) {
      issues.add(
        `environments[${index}].name`,
        `"${SHARED_STAGE}" is the name of the shared stacks' stage, ${config.shared.appName}-${SHARED_STAGE} (choose another, e.g. "${['staging', 'test', 'qa'].find((name) => !config.environments.some((other) => other.name === name)) ?? 'stage-2'}")`,
      );
    }
    names.add(env.name);
  });
  checkPromotions(config, issues);
  for (let i = 0; i < config.environments.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = config.environments[i];
      const b = config.environments[j];
      const cidrA = parseCidr(a.network.cidr);
      const cidrB = parseCidr(b.network.cidr);
      if (cidrA && cidrB && cidrsOverlap(cidrA, cidrB)) {
        issues.add(
          `${a.name}.network.cidr`,
          `"${a.network.cidr}" overlaps ${b.name}.network.cidr "${b.network.cidr}" (give each environment its own range)`,
        );
      }
    }
  }
  validateZoneNames(config, issues);
}

/**
 * One owner per name in the hosted zone: each environment's API host (an alias record and its
 * certificate) and each frontend CNAME. Route 53 refuses a second record of the same name at
 * deploy time, long after synth; here the later of the two is named, with a free name to use.
 */
function validateZoneNames(config: PlatformConfig, issues: IssueCollector): void {
  const { domain } = config.shared;
  if (!isHostname(domain)) return;
  if (!checkDomainHoldsApiHosts(config, issues)) return;
  const owners = new Map<string, string>();
  config.environments.forEach((env) => {
    if (!isHostname(env.apiHost)) return;
    const owner = owners.get(env.apiHost);
    if (owner) {
      issues.add(
        `${env.name}.apiHost`,
        `"${env.apiHost}" is also ${owner} (give each environment its own host, e.g. "${freeHost(config, `api-${env.name}`)}")`,
      );
    } else {
      owners.set(env.apiHost, `${env.name}.apiHost`);
    }
  });
  config.shared.frontendRecords.forEach((record, index) => {
    if (!isLabel(record.name)) return;
    const host = `${record.name}.${domain}`;
    const owner = owners.get(host);
    const apiOwner = config.environments.find((env) => env.apiHost === host);
    // Repeated records have their own issue (validateShared); here only a clash with an API host.
    if (owner && apiOwner) {
      issues.add(
        `shared.frontendRecords[${index}].name`,
        `"${record.name}" is ${owner} "${host}" (rename the record, e.g. "${freeHost(config, `${record.name}-web`).slice(0, -domain.length - 1)}")`,
      );
    }
    if (!owner) owners.set(host, `shared.frontendRecords[${index}]`);
  });
}

/**
 * With two or more environments, a domain none of their API hosts is inside is the mistake (one
 * line here, none per environment): suggests the zone they share. Returns whether it holds them.
 */
function checkDomainHoldsApiHosts(config: PlatformConfig, issues: IssueCollector): boolean {
  const { domain } = config.shared;
  const hosts = config.environments.map((env) => env.apiHost);
  if (
    hosts.length < 2 ||
    !hosts.every(isHostname) ||
    hosts.some((host) => host === domain || host.endsWith(`.${domain}`))
  ) {
    return true;
  }
  const labels = hosts.map((host) => host.split('.').reverse());
  const common: string[] = [];
  while (labels.every((host) => host.length > common.length + 1 && host[common.length] === labels[0][common.length])) {
    common.push(labels[0][common.length]);
  }
  // A registrable-looking zone: two labels or more, and not a country's second level ("co.uk").
  const plausible = common.length >= 3 || (common.length === 2 && common[0].length > 2);
  const zone = common.reverse().join('.');
  const listed = config.environments.map((env) => `${env.name} "${env.apiHost}"`).join(', ');
  issues.add(
    'shared.domain',
    plausible
      ? `"${domain}" holds none of the API hosts, ${listed} (did you mean "${zone}"?)`
      : `"${domain}" holds none of the API hosts, ${listed} (set the zone they are in, and each apiHost inside it)`,
  );
  return false;
}

/** `<label>.<domain>`, or `<label>-2.<domain>`, ...: the first no environment or record holds. */
function freeHost(config: PlatformConfig, label: string): string {
  const { domain } = config.shared;
  const taken = new Set([
    ...config.environments.map((env) => env.apiHost),
    ...config.shared.frontendRecords.map((record) => `${record.name}.${domain}`),
  ]);
  for (let n = 1; ; n++) {
    const host = `${n === 1 ? label : `${label}-${n}`}.${domain}`;
    if (!taken.has(host)) return host;
  }
}

/**
 * Regions: every environment deploys in `shared.region` (the image repository its tasks pull
 * from and the `/<app>/shared/*` parameters its templates read live there only), and that region
 * has a price table (the cost estimate and the budget are computed from it). Runs before the
 * sections: a refused region keeps its zones from being checked against it.
 */
export function validateRegions(config: PlatformConfig, issues: IssueCollector): void {
  const known = (region: string) => REGION_AZ_LETTERS[region] !== undefined;
  const shared = config.shared.region;
  if (!known(shared)) return;
  const environments = config.environments.filter((env) => known(env.region));
  const regions = new Set(environments.map((env) => env.region));
  // Every environment (two or more) agrees on another priced region: shared.region is the odd one out.
  if (config.environments.length > 1 && environments.length === config.environments.length && regions.size === 1) {
    const [region] = regions;
    if (region !== shared && PRICED_REGIONS.includes(region)) {
      issues.add(
        'shared.region',
        `"${shared}" is not the region of the environments, ${region} (use "${region}": their templates read the image repository and /${config.shared.appName}/shared/* parameters in shared.region)`,
      );
      return;
    }
  }
  if (!PRICED_REGIONS.includes(shared)) {
    issues.add(
      'shared.region',
      `"${shared}" has no price table, so no cost estimate or budget (use one of: ${PRICED_REGIONS.join(', ')}; or add one: npm run refresh-prices -- ${shared}, then write src/cost/prices/${shared}.ts from its output and add it to PRICE_TABLES in src/cost/prices/index.ts)`,
    );
    return;
  }
  for (const env of environments) checkEnvironmentRegion(env, shared, config.shared.appName, issues);
}

function checkEnvironmentRegion(env: EnvironmentConfig, shared: string, appName: string, issues: IssueCollector): void {
  if (env.region === shared) return;
  issues.add(
    `${env.name}.region`,
    `"${env.region}" differs from shared.region "${shared}" (use "${shared}": the image repository and /${appName}/shared/* parameters the templates read live there; environments in another region are not supported yet)`,
  );
}

/**
 * `pipeline.promoteFrom` names another environment, and promotions form no cycle (dev from prod
 * and prod from dev would each wait for the other's release forever).
 */
function checkPromotions(config: PlatformConfig, issues: IssueCollector): void {
  const names = config.environments.map((env) => env.name);
  // A refused environment name has its own issue; a promotion naming it is not another mistake.
  if (config.environments.some((_, index) => issues.has(`environments[${index}].name`))) return;
  const inCycle = new Set<string>();
  for (const env of config.environments) {
    const upstream = env.pipeline.promoteFrom;
    if (upstream === undefined) continue;
    const field = `${env.name}.pipeline.promoteFrom`;
    const others = names.filter((name) => name !== env.name);
    if (upstream === env.name) {
      issues.add(
        field,
        `"${upstream}" is this environment (name the one whose releases it promotes, e.g. "${others[0] ?? 'dev'}", or remove the field)`,
      );
      continue;
    }
    if (!issues.oneOf(field, upstream, others, 'an environment')) continue;
    if (inCycle.has(env.name)) continue; // reported once, on the first environment of the cycle
    const path = [env.name];
    for (let next: string | undefined = upstream; next !== undefined;) {
      if (path.includes(next)) {
        if (next === env.name) {
          for (const name of path) inCycle.add(name);
          issues.add(
            field,
            `"${upstream}" leads back to ${env.name} (${[...path, next].join(' promotes from ')}), a cycle in which no release can start (remove promoteFrom from one of them)`,
          );
        }
        break;
      }
      path.push(next);
      next = config.environments.find((other) => other.name === next)?.pipeline.promoteFrom;
    }
  }
}
