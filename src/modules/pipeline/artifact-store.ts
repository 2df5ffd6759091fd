import { type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { acknowledge, acknowledgeFindings } from '../../quality/acknowledge';

/**
 * The pipeline's artifacts bucket: the source archive and the two image-definition files of each
 * release, expired after 30 days.
 *
 * Not a construct of its own, like every step of the release pipeline: it creates its resources
 * directly in `scope` (the `ReleasePipeline`), so their construct paths and logical IDs are those
 * the pipeline had when it was one constructor (see `ReleasePipeline`).
 */
export class ArtifactStore {
  public readonly bucket: s3.Bucket;
  /** ARN pattern of every object in the bucket, for the steps' read and write grants. */
  public readonly objectsArn: string;
  /** How cdk-nag names a grant on {@link objectsArn} (`Resource::<Logical.Arn>/*`), to acknowledge it. */
  public readonly objectsFinding: string;
  /** The AWS-managed S3 key (`alias/aws/s3`) the CodeBuild projects encrypt their output with: no key to pay for. */
  public readonly encryptionKey: kms.IAlias;

  constructor(scope: IConstruct) {
    this.bucket = new s3.Bucket(scope, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(30) }],
      // Emptied by its lifecycle rule; kept on stack deletion rather than failing on leftovers.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.bucket,
      'AwsSolutions::AwsSolutions-S1',
      'Pipeline artifacts are two small image-definition files per release that expire after 30 days; CloudTrail already records who read or wrote them',
    );
    this.objectsArn = this.bucket.arnForObjects('*');
    const bucketLogicalId = Stack.of(scope).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    this.objectsFinding = `Resource::<${bucketLogicalId}.Arn>/*`;
    this.encryptionKey = kms.Alias.fromAliasName(scope, 'S3Key', 'alias/aws/s3');
  }

  /**
   * Acknowledges the grants the CDK itself gives the pipeline and its source action on this
   * bucket (read, write, abort uploads, delete), on each of `scopes`.
   */
  public acknowledgePipelineGrants(scopes: readonly IConstruct[]): void {
    const cdkArtifactGrants = [
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      this.objectsFinding,
    ];
    for (const scope of scopes) {
      acknowledgeFindings(
        scope,
        'AwsSolutions::AwsSolutions-IAM5',
        cdkArtifactGrants,
        "CodePipeline's standard artifact grants (read, write, abort uploads, delete) on this pipeline's own artifacts bucket and its objects, nothing else",
      );
    }
  }
}
