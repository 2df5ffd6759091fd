import { Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StorageConfig } from '../../config/types';
import { acknowledge, acknowledgeFindings } from '../../quality/acknowledge';

/** Where collectstatic writes (read by everyone through the CDN). */
export const STATIC_PREFIX = 'static/';
/** Where the application stores user uploads. */
export const MEDIA_PREFIX = 'media/';

export interface MediaStorageProps {
  /**
   * Versioning, noncurrent-version expiry, CORS origins and the media cleanup rule. S3 Standard
   * costs 0.024 USD per GB-month in London; noncurrent versions are billed until they expire.
   */
  readonly config: StorageConfig;
  /** RETAIN on stack deletion (protected environments); otherwise a deletion fails while the bucket holds objects. */
  readonly protect: boolean;
  /**
   * Replicate every new object version to this bucket (another region's, `backup.replicateBucket`),
   * delete markers excepted: a deletion here leaves the replica's object. Needs `versioning`.
   */
  readonly replicateTo?: { readonly bucketName: string; readonly region: string; readonly account: string };
}

/**
 * The seed's S3 module: one bucket for Django's static files (`static/`, written by
 * `collectstatic`) and user uploads (`media/`). One bucket rather than two: django-storages
 * serves both from one bucket with a location per storage, one CloudFront origin and one access
 * policy cover both, and the prefixes keep the rules apart (the media cleanup expires only under
 * `media/`, never a static file). Encrypted (SSE-S3, which CloudFront's origin access control
 * reads without a key policy), private (CloudFront reads it through origin access control; the
 * tasks through their roles), TLS only, objects owned by the bucket owner.
 */
export class MediaStorage extends Construct {
  public readonly bucket: s3.Bucket;
  /** Uploads read/write, static read: web and worker. */
  public readonly applicationPolicy: iam.ManagedPolicy;
  /** Static write: collectstatic in the migrate task (the worker's role). */
  public readonly staticWriterPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: MediaStorageProps) {
    super(scope, id);
    Tags.of(this).add('module', 'storage');
    const { config } = props;
    const lifecycleRules: s3.LifecycleRule[] = [
      // Uploads a browser started and never finished are billed until removed.
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
    ];
    if (config.mediaCleanup.days > 0) {
      lifecycleRules.push({
        id: 'media-cleanup',
        prefix: config.mediaCleanup.prefix,
        expiration: Duration.days(config.mediaCleanup.days),
      });
    }
    if (config.versioning) {
      lifecycleRules.push({
        id: 'noncurrent-versions',
        noncurrentVersionExpiration: Duration.days(config.noncurrentVersionDays),
        expiredObjectDeleteMarker: true,
      });
    }
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: config.versioning,
      cors:
        config.corsAllowedOrigins.length > 0
          ? [
              {
                // Direct uploads from the browser (presigned PUT or POST) and reads.
                allowedOrigins: [...config.corsAllowedOrigins],
                allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD, s3.HttpMethods.PUT, s3.HttpMethods.POST],
                allowedHeaders: ['*'],
                exposedHeaders: ['ETag'],
                maxAge: 3000,
              },
            ]
          : undefined,
      lifecycleRules,
      replicationRules: props.replicateTo
        ? [
            {
              destination: s3.Bucket.fromBucketAttributes(this, 'Replica', props.replicateTo),
              id: 'to-recovery-region',
              priority: 1,
              deleteMarkerReplication: false,
            },
          ]
        : undefined,
      removalPolicy: props.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const objects = (prefix: string) => this.bucket.arnForObjects(`${prefix}*`);
    this.applicationPolicy = new iam.ManagedPolicy(this, 'ApplicationAccess', {
      description: 'Web and worker tasks: uploads read/write/delete, static files read',
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [objects(MEDIA_PREFIX), objects(STATIC_PREFIX)],
        }),
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [objects(MEDIA_PREFIX)] }),
        // Unconditioned: a HEAD or GET of a missing key carries no s3:prefix, and without
        // ListBucket S3 answers 403 instead of 404, which django-storages' exists() re-raises
        // (collectstatic and the manifest storage fail on an empty bucket). Listing names only.
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
      ],
    });
    this.staticWriterPolicy = new iam.ManagedPolicy(this, 'StaticWriter', {
      description: 'collectstatic (the migrate task): static files write/delete',
      statements: [
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [objects(STATIC_PREFIX)] }),
      ],
    });
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    for (const policy of [this.applicationPolicy, this.staticWriterPolicy]) {
      acknowledgeFindings(
        policy,
        'AwsSolutions::AwsSolutions-IAM5',
        [MEDIA_PREFIX, STATIC_PREFIX].map((prefix) => `Resource::<${bucketId}.Arn>/${prefix}*`),
        "Objects under the application's prefixes of its own bucket: the keys are the application's to choose, and the actions are named one by one",
      );
    }

    if (props.replicateTo) {
      const role = this.bucket.node.findChild('ReplicationRole');
      acknowledgeFindings(
        role,
        'AwsSolutions::AwsSolutions-IAM5',
        [`Resource::<${bucketId}.Arn>/*`, `Resource::arn:aws:s3:::${props.replicateTo.bucketName}/*`],
        "S3 replication's role reads every object version of this bucket and writes replicas into its one replica bucket: replication covers the whole bucket, so its objects are named by the bucket's ARN and a wildcard; the actions are S3 replication's own (GetObjectVersionForReplication, ReplicateObject, ...)",
      );
    }
    acknowledge(
      this.bucket,
      'AwsSolutions::AwsSolutions-S1',
      'Reads go through CloudFront, whose access logs are configured per environment (cdn.accessLogs), and the account baseline records object-level API calls on this bucket as CloudTrail data events; S3 server access logs would duplicate both into another bucket',
    );
  }

  /**
   * Web and worker: read, write and delete uploads (`media/`), read static files, list both
   * prefixes. `writeStatic` also lets the role write `static/` (the worker's role, which the
   * migrate task runs with, for `collectstatic`). Object actions are named one by one: no
   * `s3:*`, no ACL or legal-hold changes. The policies live beside the bucket (customer managed,
   * attached to the roles of the app stack by ARN).
   */
  grantApplication(role: iam.IRole, options: { writeStatic: boolean }): void {
    role.addManagedPolicy(this.applicationPolicy);
    if (options.writeStatic) role.addManagedPolicy(this.staticWriterPolicy);
  }
}
