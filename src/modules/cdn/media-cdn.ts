import { Duration, Tags } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { CdnPriceClass } from '../../config/types';
import { acknowledge } from '../../quality/acknowledge';
import { accessLogBucket } from '../storage/log-bucket';
import { MEDIA_PREFIX, STATIC_PREFIX } from '../storage/media-storage';

/** What the distribution adds when the config sets no Content-Security-Policy: files only, nothing inline. */
export const DEFAULT_CDN_CSP =
  "default-src 'none'; img-src 'self'; style-src 'self'; font-src 'self'; script-src 'self'; frame-ancestors 'none'";

export interface MediaCdnProps {
  /** `<app>-<env>`: names the policies and the log bucket's prefix. */
  readonly name: string;
  /** The media and static bucket (origin access control: the bucket stays private). */
  readonly bucket: s3.IBucket;
  /** The distribution's host, e.g. `static-dev.lichnails.co.uk`. */
  readonly host: string;
  /** A certificate for `host` in us-east-1 (the environment's edge stack). */
  readonly certificate: acm.ICertificate;
  /**
   * Edge locations: `PriceClass_100` (North America and Europe) is the cheapest. Data out from
   * European edges costs 0.085 USD per GB and HTTPS requests 0.012 USD per 10,000, after the
   * account's always-free tier (1 TB and 10 million requests a month).
   */
  readonly priceClass: CdnPriceClass;
  /** Standard access logs to a bucket of their own (kept 90 days; S3 storage only). */
  readonly accessLogs: boolean;
  /** Origins allowed by CORS (fonts, scripts fetched by the frontend). */
  readonly corsAllowedOrigins: readonly string[];
  /** The Content-Security-Policy header. @default DEFAULT_CDN_CSP */
  readonly contentSecurityPolicy?: string;
  /** The shared hosted zone: its id is read from this SSM parameter, like the API's record. */
  readonly zoneIdParameterName: string;
  /**
   * The zone to write the host's records in instead (the host's own delegated zone, for an
   * environment in another account than the shared zone).
   * @default the shared zone
   */
  readonly zone?: route53.IHostedZone;
  readonly domain: string;
  /** Keep the access-log bucket on stack deletion. */
  readonly protect: boolean;
}

/**
 * The seed's CloudFront module: a distribution for the bucket on its own host, reading the
 * private bucket through origin access control. `static/` files have hashed names
 * (ManifestStaticFilesStorage), so they are cached for a year; uploads under `media/` for a day.
 * HTTPS only (TLS 1.2+), HTTP/2 and HTTP/3, compression, IPv6, security headers on every
 * response.
 */
export class MediaCdn extends Construct {
  public readonly distribution: cloudfront.Distribution;
  public readonly logBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: MediaCdnProps) {
    super(scope, id);
    Tags.of(this).add('module', 'cdn');

    const origin = origins.S3BucketOrigin.withOriginAccessControl(props.bucket);
    const cachePolicy = (kind: string, defaultTtl: Duration, maxTtl: Duration) =>
      new cloudfront.CachePolicy(this, `${kind}CachePolicy`, {
        cachePolicyName: `${props.name}-${kind.toLowerCase()}`,
        comment: `${props.name}: ${kind.toLowerCase()} files`,
        defaultTtl,
        minTtl: Duration.seconds(0),
        maxTtl,
        // Nothing but the path varies a file: no query string, header or cookie in the key.
        queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
        headerBehavior: cloudfront.CacheHeaderBehavior.none(),
        cookieBehavior: cloudfront.CacheCookieBehavior.none(),
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
      });
    const staticPolicy = cachePolicy('Static', Duration.days(365), Duration.days(365));
    const mediaPolicy = cachePolicy('Media', Duration.days(1), Duration.days(7));

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      responseHeadersPolicyName: `${props.name}-cdn-headers`,
      comment: `${props.name}: security headers and CORS for static and media files`,
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        contentSecurityPolicy: {
          contentSecurityPolicy: props.contentSecurityPolicy ?? DEFAULT_CDN_CSP,
          override: true,
        },
      },
      corsBehavior:
        props.corsAllowedOrigins.length > 0
          ? {
              accessControlAllowOrigins: [...props.corsAllowedOrigins],
              accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
              accessControlAllowHeaders: ['*'],
              accessControlAllowCredentials: false,
              accessControlMaxAge: Duration.days(1),
              originOverride: true,
            }
          : undefined,
    });

    const behavior = (policy: cloudfront.ICachePolicy): cloudfront.BehaviorOptions => ({
      origin,
      cachePolicy: policy,
      responseHeadersPolicy: headers,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
      compress: true,
    });

    if (props.accessLogs) {
      // CloudFront's standard logs are written with an ACL: the bucket must accept object writers.
      this.logBucket = accessLogBucket(this, 'AccessLogs', {
        objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
        protect: props.protect,
        of: 'the CDN',
      });
    }

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${props.name}: static and media files`,
      domainNames: [props.host],
      certificate: props.certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      // The enum's values are CloudFront's own names (PriceClass_100, _200, _All).
      priceClass: props.priceClass as cloudfront.PriceClass,
      // Uploads and anything else: a day; static files (hashed names): a year.
      defaultBehavior: behavior(mediaPolicy),
      additionalBehaviors: { [`${STATIC_PREFIX}*`]: behavior(staticPolicy) },
      enableLogging: props.accessLogs,
      logBucket: this.logBucket,
      logFilePrefix: props.accessLogs ? `${props.name}/` : undefined,
    });
    acknowledge(
      this.distribution,
      'AwsSolutions::AwsSolutions-CFR1',
      'Static and media files of a booking service are served worldwide on purpose (customers travel); there is no country to block',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions::AwsSolutions-CFR2',
      'It serves public files only (no API, no form, no cookie): the web ACL protects the API on the load balancer; a CLOUDFRONT-scope ACL here would add 5 USD a month plus rules for files anyone may fetch',
    );
    if (!props.accessLogs) {
      acknowledge(
        this.distribution,
        'AwsSolutions::AwsSolutions-CFR3',
        'Access logs are off by config (cdn.accessLogs) in this non-production environment; production keeps them',
      );
    }

    const zone =
      props.zone ??
      route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: ssm.StringParameter.valueForStringParameter(this, props.zoneIdParameterName),
        zoneName: props.domain,
      });
    const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
    new route53.ARecord(this, 'Alias', { zone, recordName: props.host, target });
    new route53.AaaaRecord(this, 'AliasIpv6', { zone, recordName: props.host, target });
  }
}

/** The bucket keys the two behaviors serve (for the README and the tests). */
export const CDN_PATHS = { static: `${STATIC_PREFIX}*`, media: `${MEDIA_PREFIX}*` } as const;
