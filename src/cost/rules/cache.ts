import { HOURS_PER_MONTH, priceKey } from '../price-table';
import { literalNumber, type RuleTable } from './context';

/** ElastiCache replication groups: node hours of every node (primaries and replicas). */
export const cacheRules: RuleTable = {
  'AWS::ElastiCache::ReplicationGroup': (ctx) => {
    const props = ctx.resource.Properties ?? {};
    const nodes =
      literalNumber(props.NumCacheClusters) ??
      (literalNumber(props.NumNodeGroups) ?? 1) * ((literalNumber(props.ReplicasPerNodeGroup) ?? 0) + 1);
    const engine = String(props.Engine ?? 'redis').toLowerCase();
    const nodeType = String(props.CacheNodeType);
    if ((literalNumber(props.SnapshotRetentionLimit) ?? 0) > 0) {
      ctx.assume(
        `${ctx.stack.stackName} cache snapshots: storage not priced (no sourced price); a snapshot of a micro node is under 0.5 GB`,
      );
    }
    return {
      charges: [
        {
          what: `${nodeType} ${engine} node-hours (${nodes} node${nodes > 1 ? 's' : ''})`,
          quantity: nodes * HOURS_PER_MONTH,
          priceKey: priceKey.cacheNodeHour(engine, nodeType),
          commitment: 'cache-node',
        },
      ],
    };
  },
};
