import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge } from '../../quality/acknowledge';

/**
 * A bucket AWS delivers access logs to (the load balancer's, the CDN's): SSE-S3 (log delivery
 * does not support KMS keys), private, TLS only, logs kept 90 days, retained in protected
 * environments. S3 Standard 0.024 USD per GB-month in London.
 */
export function accessLogBucket(
  scope: Construct,
  id: string,
  options: {
    /** Who the log files belong to: CloudFront's standard logs are written with an ACL (OBJECT_WRITER). */
    readonly objectOwnership: s3.ObjectOwnership;
    readonly protect: boolean;
    /** Whose logs it receives, for the acknowledgement, e.g. `the load balancer`. */
    readonly of: string;
  },
): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: options.objectOwnership,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy: options.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  acknowledge(
    bucket,
    'AwsSolutions::AwsSolutions-S1',
    `This bucket is itself the access-log destination (of ${options.of}); logging access to it would need yet another bucket for no audit gain`,
  );
  return bucket;
}
