import { apiGatewayRules } from './api-gateway';
import { backupRules } from './backup';
import { baselineRules } from './baseline';
import { cacheRules } from './cache';
import { computeRules } from './compute';
import type { Rule, RuleTable } from './context';
import { databaseRules } from './database';
import { dnsRules } from './dns';
import { edgeRules } from './edge';
import { customResourceRule, freeRules } from './free';
import { loadBalancerRules } from './load-balancer';
import { monitoringRules } from './monitoring';
import { networkRules } from './network';
import { pipelineRules } from './pipeline';
import { securityRules } from './security';
import { stateRules } from './state';
import { storageRules } from './storage';

/** Joins rule groups into one table; a resource type claimed by two groups is a mistake. */
function joinRules(groups: Readonly<Record<string, RuleTable>>): RuleTable {
  const rules: Record<string, Rule> = {};
  for (const [group, table] of Object.entries(groups)) {
    for (const [type, rule] of Object.entries(table)) {
      if (rules[type]) throw new Error(`cost rules: ${type} is priced twice (again in ${group})`);
      rules[type] = rule;
    }
  }
  return rules;
}

/** Every price rule by CloudFormation resource type, one group per file of this folder. */
export const RULES: RuleTable = joinRules({
  compute: computeRules,
  database: databaseRules,
  cache: cacheRules,
  network: networkRules,
  loadBalancer: loadBalancerRules,
  apiGateway: apiGatewayRules,
  storage: storageRules,
  monitoring: monitoringRules,
  pipeline: pipelineRules,
  dns: dnsRules,
  security: securityRules,
  baseline: baselineRules,
  state: stateRules,
  edge: edgeRules,
  backup: backupRules,
  free: freeRules,
});

/** The rule that prices a resource type, or undefined when there is none (the line is unpriced). */
export function ruleFor(type: string): Rule | undefined {
  return RULES[type] ?? (type.startsWith('Custom::') ? customResourceRule : undefined);
}
