import type { EnvironmentConfig, SharedConfig } from '../types';
import { checkAccountId, checkRegionAndZones } from './common';
import type { IssueCollector } from './issues';

/** Where the environment deploys: an account (the shared one or its own), a known region, two or three of its zones. */
export function validatePlacement(env: EnvironmentConfig, shared: SharedConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.${field}`;
  const variable = `BOOKING_${env.name.toUpperCase().replace(/-/g, '_')}_ACCOUNT`;
  if (
    checkAccountId(issues, at('account'), env.account, variable) &&
    env.account !== shared.account &&
    shared.imageRepository?.mode === 'adopt'
  ) {
    // Another account pulls through the repository's policy, which only a repository the
    // platform creates gets (see SharedStage).
    issues.add(
      at('account'),
      `"${env.account}" is not shared.account "${shared.account}", and the adopted image repository "${shared.imageRepository.name}" has no policy letting another account pull (deploy ${env.name} in ${shared.account}, or let the platform create the repository: shared.imageRepository { mode: 'create' })`,
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
