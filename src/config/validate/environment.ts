import { DEPLOYED_STRUCTURES, type EnvironmentConfig, type SharedConfig } from '../types';
import { checkLogRetention, isHostname } from './common';
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

  if (!isHostname(env.apiHost)) {
    issues.add(
      at('apiHost'),
      `${JSON.stringify(env.apiHost)} is not a valid host name (e.g. "api-dev.${shared.domain}")`,
    );
  } else if (!env.apiHost.endsWith(`.${shared.domain}`)) {
    issues.add(
      at('apiHost'),
      `"${env.apiHost}" is outside the hosted zone "${shared.domain}" (use a name ending in ".${shared.domain}")`,
    );
  }

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
    }
  });
}
