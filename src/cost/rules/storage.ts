import { priceKey } from '../price-table';
import { evenShare, type RuleContext, type RuleTable } from './context';

/** The files bucket (the storage module's) and its replica hold the files; the others hold logs. */
const holdsFiles = (logicalId: string) => logicalId.startsWith('StorageBucket') || logicalId.includes('MediaReplica');

/**
 * GB in one bucket: the files bucket and its replica each hold `s3StorageGiB` (the replica copies
 * every object); the log and artifact buckets share `s3LogsGiB` evenly.
 */
function bucketGiB(ctx: RuleContext): number {
  if (holdsFiles(ctx.logicalId)) return ctx.usage.s3StorageGiB;
  const logBuckets = ctx.all.filter(
    (entry) => entry.resource.Type === 'AWS::S3::Bucket' && !holdsFiles(entry.logicalId),
  ).length;
  return logBuckets > 0 ? (ctx.usage.s3LogsGiB ?? 0) / logBuckets : 0;
}

/**
 * S3 buckets (the files, their replica, the log and artifact buckets) and ECR repositories (the
 * assumed image storage split evenly). Log groups are billed by the estimator's CloudWatch Logs
 * usage line.
 */
export const storageRules: RuleTable = {
  /**
   * The cache task's file system (`cache.hosting: task`): Valkey's append-only file, a few MB of
   * queued messages. No sourced EFS price for London: unpriced, saying what it would be at most.
   */
  'AWS::EFS::FileSystem': () => ({
    unpriced:
      "efs.standard.gb-month: no sourced EFS price for eu-west-2 in the reference data; the cache's append-only file (a few MB of queued messages) costs under 0.01 USD/month at any EFS Standard rate (about 0.3 USD per GB-month)",
  }),
  'AWS::S3::Bucket': (ctx) => ({
    charges: [
      { what: 'GB Standard', quantity: bucketGiB(ctx), priceKey: priceKey.s3StandardGbMonth },
      // The files bucket (the storage module's) takes the application's requests; log buckets
      // receive a few deliveries an hour.
      ...(ctx.logicalId.startsWith('StorageBucket')
        ? [
            {
              what: 'thousand PUT/LIST requests',
              quantity: ctx.usage.s3PutThousands ?? 0,
              priceKey: priceKey.s3PutThousand,
            },
            {
              what: '10k GET requests',
              quantity: ctx.usage.s3GetTenThousands ?? 0,
              priceKey: priceKey.s3GetTenThousand,
            },
          ]
        : []),
      // The media bucket's replica in the DR region (backup.replicateBucket): each new object
      // version is copied across regions and written there with a PUT.
      ...(ctx.logicalId.includes('MediaReplica')
        ? [
            {
              what: 'GB replicated from the media bucket',
              quantity: ctx.usage.s3NewGiBPerMonth ?? ctx.usage.s3StorageGiB * 0.1,
              priceKey: priceKey.interRegionTransferGb,
            },
            {
              what: 'thousand replicated PUT requests',
              quantity: ctx.usage.s3PutThousands ?? 0,
              priceKey: priceKey.s3PutThousand,
            },
          ]
        : []),
    ],
  }),

  'AWS::ECR::Repository': (ctx) => ({
    charges: [{ what: 'GB stored', quantity: evenShare(ctx, ctx.usage.ecrStorageGiB), priceKey: priceKey.ecrGbMonth }],
  }),
};
