import { checkProductionRisk } from './accepted-risks';
import { validateBackup } from './backup';
import { validateEdge } from './edge';
import { validateMonitoring } from './monitoring';
import { validateWaf } from './waf';
import { validateIngress } from './ingress';
import type { EnvironmentConfig, PlatformConfig, SharedConfig } from '../types';
import { validateAcceptedRisks } from './accepted-risks';
import { validateBudgetAndUsage } from './budget-and-usage';
import { validateCache } from './cache';
import { validateCompute } from './compute';
import { validateAcrossEnvironments, validateRegions } from './cross-environment';
import { validateDatabase } from './database';
import { validateEnvironmentFields } from './environment';
import { type ConfigIssue, IssueCollector } from './issues';
import { validateNetwork } from './network';
import { validatePipeline } from './pipeline';
import { validatePlacement } from './placement';
import { validateSchedule } from './schedule';
import { validateScheduledScaling } from './scheduled-scaling';
import { validateShared } from './shared';

export { isHostname } from './common';
export { type ConfigIssue, editDistance } from './issues';

/** Thrown before any construct is built when the configuration is invalid; one line per issue. */
export class ConfigValidationError extends Error {
  constructor(public readonly issues: readonly ConfigIssue[]) {
    super(issues.map((issue) => `config error in ${issue.field}: ${issue.message}`).join('\n'));
    this.name = 'ConfigValidationError';
  }
}

/** Returns every issue in the configuration; empty when it is valid. */
export function findConfigIssues(config: PlatformConfig): ConfigIssue[] {
  const issues = new IssueCollector();
  if (config.environments.length === 0) {
    issues.add('environments', 'the list is empty (define at least one environment, e.g. dev)');
  }
  validateRegions(config, issues);
  validateShared(config.shared, issues);
  validateAcrossEnvironments(config, issues);
  for (const env of config.environments) validateEnvironment(env, config.shared, issues);
  return issues.issues;
}

/** Throws a ConfigValidationError naming every bad field, value and fix. */
export function validateConfig(config: PlatformConfig): void {
  const issues = findConfigIssues(config);
  if (issues.length > 0) throw new ConfigValidationError(issues);
}

/** One environment, section by section, in the order of `EnvironmentConfig`. */
function validateEnvironment(env: EnvironmentConfig, shared: SharedConfig, issues: IssueCollector): void {
  validatePlacement(env, shared, issues);
  validateEnvironmentFields(env, shared, issues);
  validateNetwork(env, issues);
  validateDatabase(env, issues);
  validateCache(env, issues);
  validateCompute(env, issues);
  validateIngress(env, issues);
  validatePipeline(env, issues);
  validateSchedule(env, issues);
  validateScheduledScaling(env, issues);
  validateEdge(env, shared, issues);
  validateWaf(env, issues);
  validateMonitoring(env, issues);
  validateBackup(env, issues);
  checkProductionRisk(env, 'no-offsite-backup', issues);
  checkProductionRisk(env, 'no-waf', issues);
  validateBudgetAndUsage(env, issues);
  validateAcceptedRisks(env, issues);
}
