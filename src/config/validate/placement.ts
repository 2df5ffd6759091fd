import type { EnvironmentConfig, SharedConfig } from '../types';
import { checkAccountId, checkRegionAndZones } from './common';
import type { IssueCollector } from './issues';

/** Where the environment deploys: the shared account, a known region, two or three of its zones. */
export function validatePlacement(env: EnvironmentConfig, shared: SharedConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.${field}`;
  const variable = `BOOKING_${env.name.toUpperCase().replace(/-/g, '_')}_ACCOUNT`;
  if (
    checkAccountId(issues, at('account'), env.account, variable) &&
    env.account !== shared.account &&
    // A refused shared.account (malformed, or the odd one out) has its own issue.
    /^\d{12}$/.test(shared.account) &&
    !issues.has('shared.account')
  ) {
    issues.add(
      at('account'),
      `"${env.account}" differs from shared.account "${shared.account}" (environments deploy in the account that holds the hosted zone and image repository)`,
    );
  }
  checkRegionAndZones(issues, env.name, env.region, env.availabilityZones);
  const zones = env.availabilityZones;
  if (zones.length < 2 || zones.length > 3) {
    issues.add(
      at('availabilityZones'),
      `${zones.length} zones given (list two or three, e.g. ["${env.region}a", "${env.region}b"])`,
    );
  }
  if (new Set(zones).size !== zones.length) {
    issues.add(at('availabilityZones'), `${JSON.stringify(zones)} repeats a zone (list each zone once)`);
  }
}
