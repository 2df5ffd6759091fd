import { checkProductionRisk } from './accepted-risks';
import { DEPLOYED_STRUCTURES, type EnvironmentConfig, type SharedConfig } from '../types';
import { checkLogRetention, isHostname, repairedHostname } from './common';
import type { IssueCollector } from './issues';

/**
 * The environment's own fields that no section holds: the deployed structure, the API host,
 * deletion protection, log retention and the alert e-mails.
 */
export function validateEnvironmentFields(env: EnvironmentConfig, shared: SharedConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.${field}`;
  if ((env.state as string) === 'paused') {
    issues.add(
      at('state'),
      `"paused" is not a deploy-time state any more (a deploy never stops tasks or the database): deploy with "running" and pause with: npx booking-infra pause ${env.name}`,
    );
  } else {
    issues.oneOf(at('state'), env.state, DEPLOYED_STRUCTURES, 'a deployed structure');
  }

  checkApiHost(env, shared, issues);

  if (env.production && !env.deletionProtection) {
    issues.add(
      at('deletionProtection'),
      'false is not allowed for a production environment (set deletionProtection: true; it guards the database and the data stack)',
    );
  }
  checkLogRetention(issues, at('logRetentionDays'), env.logRetentionDays);

  env.alertEmails.forEach((email, index) => {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      issues.add(
        at(`alertEmails[${index}]`),
        `${JSON.stringify(email)} is not an e-mail address (e.g. "ops@lichnails.co.uk")`,
      );
    } else if (env.alertEmails.findIndex((other) => other.toLowerCase() === email.toLowerCase()) !== index) {
      issues.add(at(`alertEmails[${index}]`), `"${email}" is listed twice (subscribe each address once)`);
    }
  });
  checkProductionRisk(env, 'no-alert-subscribers', issues);
}

/** The longest name an ACM certificate's domain name (its Common Name) takes. */
const ACM_NAME_MAX = 64;

/**
 * A host name inside the zone (not its apex) that an ACM certificate can name. Checked against
 * the domain only once the domain is valid and not refused: its own issue says what to fix first.
 */
function checkApiHost(env: EnvironmentConfig, shared: SharedConfig, issues: IssueCollector): void {
  const field = `${env.name}.apiHost`;
  const domainValid = isHostname(shared.domain) && !issues.has('shared.domain');
  const inZone = (host: string) => !domainValid || host.endsWith(`.${shared.domain}`);
  const example = `api-${env.name}.${domainValid ? shared.domain : 'example.com'}`;
  if (!isHostname(env.apiHost)) {
    const repaired = repairedHostname(env.apiHost);
    issues.add(
      field,
      repaired && inZone(repaired)
        ? `${JSON.stringify(env.apiHost)} is not a valid host name (did you mean "${repaired}"?)`
        : `${JSON.stringify(env.apiHost)} is not a valid host name (e.g. "${example}")`,
    );
  } else if (env.apiHost.length > ACM_NAME_MAX) {
    issues.add(
      field,
      `"${env.apiHost}" has ${env.apiHost.length} characters, more than the ${ACM_NAME_MAX} an ACM certificate's name takes (use a shorter name, e.g. "${example}")`,
    );
  } else if (!domainValid) {
    return;
  } else if (env.apiHost === shared.domain) {
    issues.add(field, `"${env.apiHost}" is the apex of the hosted zone (use a name inside it, e.g. "${example}")`);
  } else if (!inZone(env.apiHost)) {
    issues.add(
      field,
      `"${env.apiHost}" is outside the hosted zone "${shared.domain}" (use a name ending in ".${shared.domain}")`,
    );
  }
}
