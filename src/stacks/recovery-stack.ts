import { CfnOutput, Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { BackupConfig, EnvironmentConfig, SharedConfig } from '../config/types';
import { backupVaultName, lockConfiguration, vaultKey } from '../modules/backup/backup-plan';
import { environmentName } from '../ops/contracts';
import { acknowledge } from '../quality/acknowledge';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** The media bucket's replica in the copy region: `<app>-<env>-media-replica-<account>`. */
export function replicaBucketName(name: string, account: string): string {
  return `${name}-media-replica-${account}`;
}

export interface RecoveryStackProps extends PlatformStackProps {
  readonly config: EnvironmentConfig;
  readonly shared: SharedConfig;
}

/**
 * An environment's stack in its DR region (`backup.copy.region`), deployed before the data
 * stack, whose backup rules copy into it: the copy vault (same name as the primary, its own key
 * with `customerManagedKey`, the same lock) and, with `backup.replicateBucket`, the media
 * bucket's replica. Everything here is kept on stack deletion: it is what a regional disaster
 * leaves you.
 */
export class RecoveryStack extends PlatformStack {
  public readonly vault: backup.BackupVault;
  public readonly replicaBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: RecoveryStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.deletionProtection });
    Tags.of(this).add('module', 'backup');
    const { config, shared } = props;
    const settings = config.backup as BackupConfig;
    const name = environmentName(shared.appName, config.name);
    // One construct, so every resource here (tagged or not) is the `backup` module's.
    const module = new Construct(this, 'Backup');

    this.vault = new backup.BackupVault(module, 'CopyVault', {
      backupVaultName: backupVaultName(name),
      encryptionKey: vaultKey(module, name, settings.customerManagedKey),
      lockConfiguration: lockConfiguration(settings.vaultLock),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'CopyVaultArn', { value: this.vault.backupVaultArn });

    if (settings.replicateBucket && config.storage) {
      this.replicaBucket = new s3.Bucket(module, 'MediaReplica', {
        bucketName: replicaBucketName(name, config.account),
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        // S3 replicates only into a versioned bucket.
        versioned: true,
        lifecycleRules: [
          {
            id: 'noncurrent-versions',
            noncurrentVersionExpiration: Duration.days(config.storage.noncurrentVersionDays),
            expiredObjectDeleteMarker: true,
          },
          { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        ],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledge(
        this.replicaBucket,
        'AwsSolutions::AwsSolutions-S1',
        "A replica nobody serves from: only S3 replication writes it, and the account baseline's trail records object-level calls on the platform's buckets; server access logs would add a bucket per region for nothing read",
      );
      new CfnOutput(this, 'MediaReplicaBucketName', { value: this.replicaBucket.bucketName });
    }
  }
}
