import { CACHE_NODE_MEMORY_GIB } from '../aws-catalog';
import { CACHE_ENGINES, type EnvironmentConfig } from '../types';
import { checkProductionRisk } from './accepted-risks';
import type { IssueCollector } from './issues';

/**
 * A supported engine and node type, nodes that can fail over (a replica in production unless
 * `single-node-cache` is an accepted risk), snapshots (kept in production).
 */
export function validateCache(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.cache.${field}`;
  const cache = env.cache;
  issues.oneOf(at('engine'), cache.engine, CACHE_ENGINES, 'a supported cache engine');
  issues.oneOf(at('nodeType'), cache.nodeType, Object.keys(CACHE_NODE_MEMORY_GIB), 'a known ElastiCache node type');
  if (issues.integerIn(at('nodes'), cache.nodes, 1, 6, ': a primary and up to five replicas')) {
    if (cache.nodes > 1 && env.availabilityZones.length < 2) {
      issues.add(
        at('nodes'),
        `${cache.nodes} nodes need two availability zones for failover (add a zone or use 1 node)`,
      );
    }
    checkProductionRisk(env, 'single-node-cache', issues);
  }
  if (
    issues.integerIn(at('snapshotRetentionDays'), cache.snapshotRetentionDays, 0, 35, ', as ElastiCache allows') &&
    env.production &&
    cache.snapshotRetentionDays < 1
  ) {
    issues.add(
      at('snapshotRetentionDays'),
      '0 is not allowed for a production environment (keep at least 1 day so queued jobs survive a deletion)',
    );
  }
}
