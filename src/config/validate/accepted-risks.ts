import { PRODUCTION_RISK_NAMES, PRODUCTION_RISKS } from '../production-risks';
import type { EnvironmentConfig } from '../types';
import type { IssueCollector } from './issues';

/**
 * A production environment taking the risk `name` (see `PRODUCTION_RISKS`) must name it in
 * `acceptedRisks`; the issue is on the field that takes it. Each section checks its own risks.
 */
export function checkProductionRisk(env: EnvironmentConfig, name: string, issues: IssueCollector): void {
  const risk = PRODUCTION_RISKS[name];
  if (!env.production || !risk.taken(env) || (env.acceptedRisks ?? []).includes(name)) return;
  issues.add(
    `${env.name}.${risk.field}`,
    `${risk.value(env)} is not allowed for a production environment (set ${risk.fix} so ${risk.benefit}, or add "${name}" to ${env.name}.acceptedRisks to waive the check knowingly)`,
  );
}

/** Each accepted risk is a known name, listed once, and taken by the environment. */
export function validateAcceptedRisks(env: EnvironmentConfig, issues: IssueCollector): void {
  const seen = new Set<string>();
  (env.acceptedRisks ?? []).forEach((name, index) => {
    const field = `${env.name}.acceptedRisks[${index}]`;
    if (!issues.oneOf(field, name, PRODUCTION_RISK_NAMES, 'a production risk')) return;
    if (seen.has(name)) {
      issues.add(field, `"${name}" is listed twice (list each risk once)`);
      return;
    }
    seen.add(name);
    const risk = PRODUCTION_RISKS[name];
    if (!risk.taken(env)) {
      issues.add(
        field,
        `"${name}" is accepted but not taken: ${risk.field} is ${risk.value(env)} (remove it from acceptedRisks)`,
      );
    }
  });
}
