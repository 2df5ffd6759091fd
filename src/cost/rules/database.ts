import { HOURS_PER_MONTH, priceKey } from '../price-table';
import {
  type Charge,
  KEPT_AS_SNAPSHOT_TAG,
  literalNumber,
  type RuleContext,
  type RuleTable,
  tagValue,
} from './context';

/**
 * RDS instances: instance hours while running, storage and the backups beyond it in every state
 * (a stopped instance still bills both).
 */
/**
 * The snapshot keeping the database's data while its instance is deleted (KEPT_AS_SNAPSHOT_TAG on
 * the master secret, the one database resource that stays): the data's size
 * (usage.databaseDataGiB, else 20 GB, the smallest volume it came from) at the backup storage
 * rate, with no free allowance (that comes with an instance). CloudFormation's final snapshot of
 * the stopped instance holds the same blocks (snapshots of one instance are incremental). No
 * charge for any other resource.
 */
export function keptSnapshotCharges(ctx: RuleContext): Charge[] {
  const kept = tagValue(ctx.resource, KEPT_AS_SNAPSHOT_TAG);
  if (!kept) return [];
  const data = ctx.usage.databaseDataGiB ?? 20;
  ctx.assume(
    `${kept}: kept as a snapshot while minimal, ${data} GB of data (usage.databaseDataGiB); CloudFormation's final snapshot of the same instance adds no blocks`,
  );
  return [
    {
      what: `GB of the snapshot keeping ${kept}'s data (no instance, so no free allowance)`,
      quantity: data,
      priceKey: priceKey.rdsBackupGbMonth,
    },
  ];
}

export const databaseRules: RuleTable = {
  'AWS::RDS::DBInstance': (ctx) => {
    const props = ctx.resource.Properties ?? {};
    const instanceClass = String(props.DBInstanceClass);
    const multiAz = props.MultiAZ === true || props.MultiAZ === 'true';
    const storageType = String(props.StorageType ?? 'gp2');
    const storage = literalNumber(props.AllocatedStorage);
    const charges: Charge[] = [];
    const stopped = ctx.state !== 'running';
    if (!stopped) {
      charges.push({
        what: `${instanceClass} ${multiAz ? 'Multi-AZ' : 'Single-AZ'} hours`,
        quantity: HOURS_PER_MONTH,
        priceKey: priceKey.rdsInstanceHour(instanceClass, multiAz),
        commitment: 'database-instance',
      });
    }
    if (storage === undefined) return { unpriced: 'AllocatedStorage is not a literal in the template' };
    charges.push({
      what: `GB ${storageType} storage`,
      quantity: storage,
      priceKey: priceKey.rdsStorageGbMonth(storageType, multiAz),
    });
    const billableBackup = Math.max(0, ctx.usage.databaseBackupGiB - storage);
    charges.push({
      what: `GB backup beyond the free ${storage} GB`,
      quantity: billableBackup,
      priceKey: priceKey.rdsBackupGbMonth,
    });
    const ceiling = literalNumber(props.MaxAllocatedStorage);
    if (ceiling !== undefined)
      ctx.assume(
        `${ctx.stack.stackName} database storage priced at its allocated ${storage} GB; autoscaling may grow it to ${ceiling} GB`,
      );
    return { charges, note: stopped ? 'stopped: storage and backups only' : undefined };
  },
};
