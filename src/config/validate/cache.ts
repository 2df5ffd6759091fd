import { CACHE_NODE_MEMORY_GIB, fargateMemoryOptions } from '../aws-catalog';
import { CACHE_ENGINES, CACHE_HOSTINGS, type EnvironmentConfig } from '../types';
import { checkProductionRisk } from './accepted-risks';
import type { IssueCollector } from './issues';

/**
 * A supported engine and node type, nodes that can fail over (a replica in production unless
 * `single-node-cache` is an accepted risk), snapshots (kept in production).
 */
export function validateCache(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.cache.${field}`;
  const cache = env.cache;
  if (cache.hosting !== undefined) {
    issues.oneOf(at('hosting'), cache.hosting, CACHE_HOSTINGS, 'a cache hosting');
  }
  if (cache.hosting === 'task') {
    validateCacheTask(env, issues);
    return;
  }
  if (cache.task !== undefined) {
    issues.add(
      at('task'),
      `is set, but cache.hosting is "${cache.hosting ?? 'elasticache'}" (remove it, or set hosting: 'task')`,
    );
  }
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

/** `hosting: 'task'`: never in production, Valkey, one node, a Fargate size. */
function validateCacheTask(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.cache.${field}`;
  const cache = env.cache;
  if (env.production) {
    issues.add(
      at('hosting'),
      '"task" is not allowed for a production environment: one task has no replica and no failover (use "elasticache" with nodes: 2)',
    );
  }
  if (cache.engine !== 'valkey') {
    issues.add(
      at('engine'),
      `${JSON.stringify(cache.engine)} with hosting "task": the cache task runs Valkey (use "valkey")`,
    );
  }
  if (cache.nodes !== 1) {
    issues.add(at('nodes'), `${JSON.stringify(cache.nodes)} with hosting "task": the cache task is one node (use 1)`);
  }
  const task = cache.task;
  if (task === undefined) {
    issues.add(at('task'), 'is missing with hosting "task" (e.g. task: { cpu: 256, memoryMiB: 512, spot: true })');
    return;
  }
  const memoryOptions = fargateMemoryOptions(task.cpu);
  if (memoryOptions.length === 0) {
    issues.add(
      at('task.cpu'),
      `${JSON.stringify(task.cpu)} is not a Fargate CPU size (use 256, 512, 1024, 2048 or 4096)`,
    );
  } else if (!memoryOptions.includes(task.memoryMiB)) {
    issues.add(
      at('task.memoryMiB'),
      `${JSON.stringify(task.memoryMiB)} is not a Fargate memory size for cpu ${task.cpu} (use one of: ${memoryOptions.join(', ')})`,
    );
  }
  if (typeof task.spot !== 'boolean') {
    issues.add(at('task.spot'), `${JSON.stringify(task.spot)} is not true or false`);
  }
}
