import { RESTORE_DRILL_VARIABLES } from '../../ops/contracts';
import { HOURS_PER_MONTH, priceKey } from '../price-table';
import { type Charge, type CfnResource, literalNumber, type RuleContext, type RuleTable } from './context';

/** Days in the month every estimate uses (730 h / 24). */
const DAYS_PER_MONTH = 730 / 24;

interface PlanRule {
  readonly RuleName?: string;
  readonly Lifecycle?: { readonly DeleteAfterDays?: unknown };
  readonly CopyActions?: ReadonlyArray<{
    readonly DestinationBackupVaultArn?: unknown;
    readonly Lifecycle?: { readonly DeleteAfterDays?: unknown };
  }>;
}

function planRules(resource: CfnResource): PlanRule[] {
  return (resource.Properties?.BackupPlan?.BackupPlanRule ?? []) as PlanRule[];
}

/**
 * The database's size and daily change, from usage (defaults: the allocated storage, 5% of it a
 * day): the first snapshot stores all of it, each later one only the change.
 */
function databaseVolume(ctx: RuleContext): { data: number; change: number } {
  const instance = ctx.all.find((entry) => entry.resource.Type === 'AWS::RDS::DBInstance');
  const allocated = literalNumber(instance?.resource.Properties?.AllocatedStorage) ?? 20;
  const data = ctx.usage.databaseDataGiB ?? allocated;
  const change = ctx.usage.databaseDailyChangeGiB ?? data * 0.05;
  return { data, change };
}

/** GB a chain of daily incremental snapshots kept `days` holds: one full plus a change a day. */
function chainGiB(ctx: RuleContext, days: number): number {
  const { data, change } = databaseVolume(ctx);
  return round(data + change * days);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The copy actions of every plan of the environment that copy into `vaultName` in `region`. */
function copiesInto(ctx: RuleContext, region: string, vaultName: string): number[] {
  const suffix = `:backup-vault:${vaultName}`;
  return ctx.all
    .filter((entry) => entry.resource.Type === 'AWS::Backup::BackupPlan')
    .flatMap((entry) => planRules(entry.resource).flatMap((rule) => rule.CopyActions ?? []))
    .filter((copy) => {
      const arn = copy.DestinationBackupVaultArn;
      return typeof arn === 'string' && arn.includes(`:backup:${region}:`) && arn.endsWith(suffix);
    })
    .map((copy) => literalNumber(copy.Lifecycle?.DeleteAfterDays) ?? 0);
}

/**
 * AWS Backup: a plan's recovery points are RDS snapshots, billed at RDS's snapshot storage rate
 * in its region (the free allowance, one database's size, is counted by the database line against
 * its automated backups, so none is left for these); rules that run on the same day share one
 * snapshot, so the vault holds one incremental chain as long as the longest retention. Copies are
 * billed in the DR region on the copy vault's line, and their transfer here: one day's change per
 * daily copy (the first, full copy once is not counted). Paused, the plan runs on (a paused
 * database cannot be snapshotted: its jobs fail until resume) and the points are still billed;
 * minimal has no plan, and each vault is priced for the points it keeps.
 */
export const backupRules: RuleTable = {
  'AWS::Backup::BackupPlan': (ctx) => {
    const rules = planRules(ctx.resource);
    const retention = Math.max(0, ...rules.map((rule) => literalNumber(rule.Lifecycle?.DeleteAfterDays) ?? 0));
    const { change } = databaseVolume(ctx);
    const copies = rules.some((rule) => (rule.CopyActions ?? []).length > 0);
    const charges: Charge[] = [
      {
        what: `GB of RDS snapshots (one full, then the daily change, kept ${retention} days)`,
        quantity: chainGiB(ctx, retention),
        priceKey: priceKey.rdsBackupGbMonth,
      },
    ];
    if (copies) {
      charges.push({
        what: 'GB copied to the DR region (the daily change)',
        quantity: round(change * DAYS_PER_MONTH),
        priceKey: priceKey.interRegionTransferGb,
      });
    }
    ctx.assume(
      `${ctx.stack.stackName} backups: ${databaseVolume(ctx).data} GB of data changing ${change} GB a day (usage.databaseDataGiB, usage.databaseDailyChangeGiB)`,
    );
    return { charges };
  },
  /**
   * The monthly restore drill: one drill a month, about an hour of a Single-AZ instance of the
   * drill class (RDS bills per second, ten minutes at least) and of its storage (the source's
   * allocated size); the state machine's ~100 transitions are inside Step Functions' free 4,000
   * a month, the verification task's minute of 0.25 vCPU is below a cent.
   */
  'AWS::StepFunctions::StateMachine': (ctx) => {
    const drill = ctx.all.find(
      (entry) =>
        entry.stack === ctx.stack &&
        entry.resource.Type === 'AWS::Lambda::Function' &&
        entry.resource.Properties?.Environment?.Variables?.[RESTORE_DRILL_VARIABLES.instanceClass] !== undefined,
    );
    const instanceClass = drill?.resource.Properties?.Environment?.Variables?.[RESTORE_DRILL_VARIABLES.instanceClass];
    if (typeof instanceClass !== 'string')
      return { unpriced: 'not the restore drill: no price rule for this state machine' };
    const instance = ctx.all.find((entry) => entry.resource.Type === 'AWS::RDS::DBInstance');
    const storage = literalNumber(instance?.resource.Properties?.AllocatedStorage) ?? 20;
    return {
      charges: [
        {
          what: `hour of a ${instanceClass} Single-AZ drill instance (one drill)`,
          quantity: 1,
          priceKey: priceKey.rdsInstanceHour(instanceClass, false),
        },
        {
          what: `GB-months of gp3 storage for that hour (${storage} GB)`,
          quantity: round((storage * 1) / HOURS_PER_MONTH),
          priceKey: priceKey.rdsStorageGbMonth('gp3', false),
        },
      ],
      note: 'one drill a month; its state transitions are inside the Step Functions free tier',
    };
  },
  'AWS::Backup::BackupVault': (ctx) => {
    const name = ctx.resource.Properties?.BackupVaultName;
    const planned = ctx.all.some((entry) => entry.resource.Type === 'AWS::Backup::BackupPlan');
    if (!planned) {
      // No plan in this structure (minimal): nothing new is backed up, what was kept stays until
      // it expires; at least the full snapshot of the data, a lower bound.
      return {
        charges: [
          {
            what: 'GB of recovery points kept while no plan runs (the full snapshot; the changes expire first)',
            quantity: databaseVolume(ctx).data,
            priceKey: priceKey.rdsBackupGbMonth,
          },
        ],
      };
    }
    const copies = typeof name === 'string' ? copiesInto(ctx, ctx.stack.region, name) : [];
    if (copies.length === 0)
      return { free: 'no charge for the vault; its recovery points are billed on the plan line' };
    const retention = Math.max(...copies);
    return {
      charges: [
        {
          what: `GB of copied snapshots kept ${retention} days`,
          quantity: chainGiB(ctx, retention),
          priceKey: priceKey.rdsBackupGbMonth,
        },
      ],
    };
  },
};
