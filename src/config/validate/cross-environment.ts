import { cidrsOverlap, parseCidr } from '../cidr';
import type { PlatformConfig } from '../types';
import { checkName } from './common';
import type { IssueCollector } from './issues';

/**
 * What no single environment can check: each has a valid name of its own, and no two VPC ranges
 * overlap (overlapping environments could never be peered or joined by VPN).
 */
export function validateAcrossEnvironments(config: PlatformConfig, issues: IssueCollector): void {
  const names = new Set<string>();
  config.environments.forEach((env, index) => {
    checkName(issues, `environments[${index}].name`, env.name);
    if (names.has(env.name)) {
      issues.add(`environments[${index}].name`, `"${env.name}" is used twice (give each environment its own name)`);
    }
    names.add(env.name);
  });
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
}
