import { priceKey } from '../price-table';
import { evenShare, type RuleTable } from './context';

/**
 * S3 buckets and ECR repositories: the environment's assumed storage, split evenly between the
 * resources of the type. (Log groups are billed by the estimator's CloudWatch Logs usage line.)
 */
export const storageRules: RuleTable = {
  'AWS::S3::Bucket': (ctx) => ({
    charges: [
      { what: 'GB Standard', quantity: evenShare(ctx, ctx.usage.s3StorageGiB), priceKey: priceKey.s3StandardGbMonth },
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
