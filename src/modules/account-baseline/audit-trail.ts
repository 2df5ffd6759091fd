import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AccountBaselineUsage } from '../../config/types';
import { BASELINE_USAGE_METADATA } from '../../cost/rules/baseline';
import { acknowledge, acknowledgeFindings } from '../../quality/acknowledge';
import type { PlatformBucket } from './settings';

export interface AuditTrailProps {
  /** The trail's name, e.g. `booking-audit`; its ARN conditions the bucket and key policies. */
  readonly trailName: string;
  /** Days log files (and their previous versions) are kept. */
  readonly retentionDays: number;
  /** Buckets whose S3 object-level events are recorded (none: management events only). */
  readonly dataEventBuckets: readonly PlatformBucket[];
  /** Deliver to CloudWatch Logs too, kept this many days (undefined: S3 only). */
  readonly cloudWatchLogsRetentionDays?: number;
  /** Log name: the log group `/<logGroupName>` when delivering to CloudWatch Logs. */
  readonly logGroupName: string;
  /** S3 server access logs of the trail bucket, in a bucket of their own. */
  readonly accessLogging: boolean;
  /** Volumes the estimator prices the trail with. */
  readonly usage: Pick<AccountBaselineUsage, 'trailDataEvents' | 'trailLogGiBPerMonth' | 'trailCloudWatchLogsGiB'>;
}

/**
 * The account's CloudTrail trail: multi-Region, management events (read and write) plus S3 data
 * events of the platform's buckets, log file validation, SSE-KMS with a rotated customer managed
 * key, delivered to a versioned private TLS-only bucket kept on stack deletion. The bucket and key
 * policies are CloudTrail's documented ones, each statement conditioned on this trail's ARN
 * (`aws:SourceArn`), so no other trail can write to the bucket or use the key.
 */
export class AuditTrail extends Construct {
  public readonly trail: cloudtrail.CfnTrail;
  public readonly bucket: s3.Bucket;
  public readonly key: kms.Key;
  public readonly trailArn: string;
  public readonly logGroup?: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    Tags.of(this).add('module', 'account-baseline');
    const stack = Stack.of(this);
    // Built from the name: the trail's own ARN attribute would make the policies depend on the
    // trail, which CloudTrail only creates once the policies let it write.
    this.trailArn = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: props.trailName });
    const cloudTrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    const fromThisTrail = { StringEquals: { 'aws:SourceArn': this.trailArn } };

    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the ${props.trailName} CloudTrail log files`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToEncryptLogs',
        principals: [cloudTrail],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          ...fromThisTrail,
          StringLike: {
            'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${Aws.PARTITION}:cloudtrail:*:${Aws.ACCOUNT_ID}:trail/*`,
          },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToDescribeKey',
        principals: [cloudTrail],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: fromThisTrail,
      }),
    );

    const accessLogs = props.accessLogging
      ? new s3.Bucket(this, 'AccessLogs', {
          encryption: s3.BucketEncryption.S3_MANAGED,
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          enforceSSL: true,
          objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
          lifecycleRules: [{ expiration: Duration.days(props.retentionDays) }],
          removalPolicy: RemovalPolicy.RETAIN,
        })
      : undefined;
    if (accessLogs) {
      acknowledge(
        accessLogs,
        'AwsSolutions::AwsSolutions-S1',
        'This bucket receives the trail bucket access logs; logging its own access again would only recurse',
      );
    }

    this.bucket = new s3.Bucket(this, 'Logs', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: accessLogs ? 'trail-bucket/' : undefined,
      lifecycleRules: [
        {
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(props.retentionDays),
        },
        { expiredObjectDeleteMarker: true },
      ],
      // The audit record outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (!accessLogs) {
      acknowledge(
        this.bucket,
        'AwsSolutions::AwsSolutions-S1',
        'Audit log bucket: the trail itself records every management call on it, and reading its objects needs the KMS key; access logs are a config switch (accountBaseline.trail.accessLogging) for CIS 3.6',
      );
    }
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSCloudTrailAclCheck',
        principals: [cloudTrail],
        actions: ['s3:GetBucketAcl'],
        resources: [this.bucket.bucketArn],
        conditions: fromThisTrail,
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSCloudTrailWrite',
        principals: [cloudTrail],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`AWSLogs/${Aws.ACCOUNT_ID}/*`)],
        conditions: {
          StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': this.trailArn },
        },
      }),
    );

    let cloudWatchLogs: { logGroupArn: string; roleArn: string; role: iam.Role } | undefined;
    if (props.cloudWatchLogsRetentionDays !== undefined) {
      this.logGroup = new logs.LogGroup(this, 'LogGroup', {
        logGroupName: `/${props.logGroupName}`,
        retention: props.cloudWatchLogsRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const role = new iam.Role(this, 'LogsRole', {
        assumedBy: new iam.ServicePrincipal('cloudtrail.amazonaws.com', { conditions: fromThisTrail }),
        description: `Lets the ${props.trailName} trail write to its log group`,
      });
      const streams = stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: `/${props.logGroupName}:log-stream:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [streams] }),
      );
      // The stack's account and region are concrete, so the ARN is a literal: cdk-nag names it so.
      const resolved = stack.resolve(streams);
      acknowledgeFindings(
        role,
        'AwsSolutions::AwsSolutions-IAM5',
        [`Resource::${typeof resolved === 'string' ? resolved : JSON.stringify(resolved)}`],
        'CloudTrail names its log streams itself (<account>_CloudTrail_<region>): the role may write only streams of its own log group',
      );
      cloudWatchLogs = { logGroupArn: this.logGroup.logGroupArn, roleArn: role.roleArn, role };
    }

    this.trail = new cloudtrail.CfnTrail(this, 'Trail', {
      trailName: props.trailName,
      isLogging: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      s3BucketName: this.bucket.bucketName,
      kmsKeyId: this.key.keyArn,
      cloudWatchLogsLogGroupArn: cloudWatchLogs?.logGroupArn,
      cloudWatchLogsRoleArn: cloudWatchLogs?.roleArn,
      advancedEventSelectors: [
        {
          name: 'Management events, read and write',
          fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }],
        },
        ...(props.dataEventBuckets.length > 0
          ? [
              {
                name: `S3 object events of the platform buckets (${props.dataEventBuckets
                  .map((bucket) => `${bucket.environment} ${bucket.purpose}`)
                  .join(', ')})`.slice(0, 1000),
                fieldSelectors: [
                  { field: 'eventCategory', equalTo: ['Data'] },
                  { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
                  {
                    field: 'resources.ARN',
                    startsWith: props.dataEventBuckets.map(
                      (bucket) => `arn:${Aws.PARTITION}:s3:::${bucket.namePrefix}`,
                    ),
                  },
                ],
              },
            ]
          : []),
      ],
    });
    // CloudTrail checks at creation that it can write to the bucket and use the key.
    this.trail.node.addDependency(this.bucket.policy!);
    this.trail.node.addDependency(this.key);
    if (cloudWatchLogs) this.trail.node.addDependency(cloudWatchLogs.role);
    this.trail.addMetadata(BASELINE_USAGE_METADATA, {
      trailDataEvents: props.dataEventBuckets.length > 0 ? props.usage.trailDataEvents : 0,
      trailLogGiBPerMonth: props.usage.trailLogGiBPerMonth,
      retentionDays: props.retentionDays,
      ...(cloudWatchLogs
        ? {
            trailCloudWatchLogsGiB: props.usage.trailCloudWatchLogsGiB,
            cloudWatchLogsRetentionDays: props.cloudWatchLogsRetentionDays,
          }
        : {}),
    });
  }
}
