// Issue 15 at the template level: the media and static bucket, its CloudFront distribution with
// a us-east-1 certificate, the WAF web ACL on the load balancer (its rules: test/modules/waf),
// the tasks' access, what each state keeps, the prices, and the config mistakes refused.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, findConfigIssues, platformConfig } from '../../src/config';
import { estimateEnvironments } from '../../src/cost/environment-cost';
import { DEFAULT_CDN_CSP } from '../../src/modules/cdn/media-cdn';
import {
  iamStatements,
  onlyEnvironment,
  resourcesOfType,
  synth,
  type SynthesizedPlatform,
  withEnvironment,
} from '../helpers';

const only = <T>(items: Array<[string, T]>, what: string): [string, T] => {
  assert.equal(items.length, 1, `one ${what}`);
  return items[0];
};

describe('edge: media storage, CDN and WAF', () => {
  let platform: SynthesizedPlatform;
  let minimal: SynthesizedPlatform;
  before(() => {
    platform = synth();
    minimal = synth(onlyEnvironment(withEnvironment('prod', { state: 'minimal' }), 'prod'));
  });

  for (const [envName, versioned, policy] of [
    ['dev', false, 'Delete'],
    ['prod', true, 'Retain'],
  ] as const) {
    test(`${envName}: one private, encrypted, TLS-only bucket; versioning ${versioned ? 'on' : 'off'}; ${policy} on stack deletion`, () => {
      const data = platform.json(envName, 'data');
      const buckets = resourcesOfType(data, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('Storage'));
      const [bucketId, bucket] = only(buckets, 'storage bucket');
      assert.equal(bucket.DeletionPolicy, policy);
      const props = bucket.Properties;
      assert.deepEqual(props.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      assert.equal(
        props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
        'AES256',
      );
      assert.equal(props.VersioningConfiguration?.Status, versioned ? 'Enabled' : undefined);
      assert.deepEqual(props.OwnershipControls.Rules, [{ ObjectOwnership: 'BucketOwnerEnforced' }]);
      // The seed's media_cleanup: only under media/tmp/, never static files.
      const rules = props.LifecycleConfiguration.Rules;
      const cleanup = rules.find((r: any) => r.Id === 'media-cleanup');
      assert.deepEqual([cleanup.Prefix, cleanup.ExpirationInDays, cleanup.Status], ['media/tmp/', 90, 'Enabled']);
      assert.ok(rules.every((r: any) => !String(r.Prefix ?? '').startsWith('static')));
      assert.equal(
        rules.some((r: any) => r.Id === 'noncurrent-versions'),
        versioned,
      );
      if (versioned) {
        assert.equal(
          rules.find((r: any) => r.Id === 'noncurrent-versions').NoncurrentVersionExpiration.NoncurrentDays,
          30,
        );
      }
      const origins = props.CorsConfiguration.CorsRules[0].AllowedOrigins;
      assert.ok(origins.includes('https://usa-berko.lichnails.co.uk'));
      assert.ok(!origins.includes('*'));
      // One bucket policy: TLS only, and CloudFront (this distribution only) may read.
      const [, bucketPolicy] = only(
        resourcesOfType(data, 'AWS::S3::BucketPolicy').filter(([, p]) => p.Properties.Bucket.Ref === bucketId),
        'policy of the storage bucket',
      );
      const statements = bucketPolicy.Properties.PolicyDocument.Statement;
      const tls = statements.find((s: any) => s.Effect === 'Deny');
      assert.deepEqual(tls.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
      const cloudfront = statements.find((s: any) => s.Principal?.Service === 'cloudfront.amazonaws.com');
      assert.equal(cloudfront.Action, 's3:GetObject');
      assert.match(JSON.stringify(cloudfront.Condition), /AWS:SourceArn.*CdnDistribution/);
    });
  }

  test('web reads and writes uploads and reads static files; the worker (and migrate) may also write static; nothing else', () => {
    for (const envName of ['dev', 'prod']) {
      const data = platform.json(envName, 'data');
      const policies = Object.fromEntries(
        resourcesOfType(data, 'AWS::IAM::ManagedPolicy').map(([id, p]) => [id.replace(/[0-9A-F]{8}$/, ''), p]),
      );
      const statements = (id: string) =>
        policies[id].Properties.PolicyDocument.Statement.map((s: any) => {
          const text = JSON.stringify(s.Resource);
          const prefixes = ['media', 'static'].filter((prefix) => text.includes(`/${prefix}/*`));
          return [[s.Action].flat().sort().join(','), prefixes.length > 0 ? prefixes.join('+') : 'bucket'];
        });
      assert.deepEqual(statements('StorageApplicationAccess'), [
        ['s3:GetObject', 'media+static'],
        ['s3:DeleteObject,s3:PutObject', 'media'],
        ['s3:ListBucket', 'bucket'],
      ]);
      assert.deepEqual(statements('StorageStaticWriter'), [['s3:DeleteObject,s3:PutObject', 'static']]);
      const app = platform.json(envName, 'app');
      const attached = (rolePrefix: string) =>
        resourcesOfType(app, 'AWS::IAM::Role')
          .filter(([id]) => id.startsWith(rolePrefix))
          .flatMap(([, role]) => (role.Properties.ManagedPolicyArns ?? []).map((arn: any) => JSON.stringify(arn)))
          .map((arn: string) =>
            /StaticWriter/.test(arn) ? 'static-writer' : /ApplicationAccess/.test(arn) ? 'application' : arn,
          );
      assert.deepEqual(attached('WebServiceTaskTaskDefinitionTaskRole'), ['application']);
      assert.deepEqual(attached('WorkerServiceTaskTaskDefinitionTaskRole').sort(), ['application', 'static-writer']);
      // No S3 grant anywhere else in the app stack's task roles.
      const s3Inline = iamStatements(app).filter(
        ({ owner, statement }) =>
          /TaskRole/.test(owner) && [statement.Action].flat().some((a: string) => a.startsWith('s3:')),
      );
      assert.deepEqual(s3Inline, []);
    }
  });

  test('the containers learn the bucket, its region, the two locations and the CDN host', () => {
    for (const [envName, host] of [
      ['dev', 'static-dev.lichnails.co.uk'],
      ['prod', 'static.lichnails.co.uk'],
    ]) {
      const app = platform.json(envName, 'app');
      const [, web] = resourcesOfType(app, 'AWS::ECS::TaskDefinition').find(([id]) => id.startsWith('WebService'))!;
      const container = web.Properties.ContainerDefinitions.find((c: any) => c.Name === 'app');
      const variables = Object.fromEntries(container.Environment.map((v: any) => [v.Name, v.Value]));
      assert.equal(variables.STORAGE_REGION, 'eu-west-2');
      assert.equal(variables.STORAGE_STATIC_LOCATION, 'static');
      assert.equal(variables.STORAGE_MEDIA_LOCATION, 'media');
      assert.equal(variables.CDN_HOST, host);
      assert.match(JSON.stringify(variables.STORAGE_BUCKET), /StorageBucket/);
    }
  });

  test('the distribution: its host and us-east-1 certificate, private origin, HTTPS only, HTTP/3, security headers, price class', () => {
    for (const [envName, host, logs] of [
      ['dev', 'static-dev.lichnails.co.uk', false],
      ['prod', 'static.lichnails.co.uk', true],
    ] as const) {
      const data = platform.json(envName, 'data');
      const [, distribution] = only(resourcesOfType(data, 'AWS::CloudFront::Distribution'), 'distribution');
      const config = distribution.Properties.DistributionConfig;
      assert.deepEqual(config.Aliases, [host]);
      assert.match(JSON.stringify(config.ViewerCertificate.AcmCertificateArn), /"Region":"us-east-1"/);
      assert.equal(config.ViewerCertificate.MinimumProtocolVersion, 'TLSv1.2_2021');
      assert.equal(config.ViewerCertificate.SslSupportMethod, 'sni-only');
      assert.equal(config.HttpVersion, 'http2and3');
      assert.equal(config.IPV6Enabled, true);
      assert.equal(config.PriceClass, 'PriceClass_100');
      assert.equal(config.DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https');
      assert.equal(config.DefaultCacheBehavior.Compress, true);
      const [staticBehavior] = config.CacheBehaviors;
      assert.equal(staticBehavior.PathPattern, 'static/*');
      // Origin access control: a private bucket, signed requests, no origin access identity.
      const [origin] = config.Origins;
      assert.ok(origin.OriginAccessControlId);
      assert.equal(origin.S3OriginConfig.OriginAccessIdentity, '');
      assert.equal(Boolean(config.Logging), logs);
      // Cache policies: a year for static files (hashed names), a day for uploads.
      const policies = Object.fromEntries(
        resourcesOfType(data, 'AWS::CloudFront::CachePolicy').map(([, p]) => [
          p.Properties.CachePolicyConfig.Name,
          p.Properties.CachePolicyConfig,
        ]),
      );
      assert.equal(policies[`booking-${envName}-static`].DefaultTTL, 365 * 86400);
      assert.equal(policies[`booking-${envName}-media`].DefaultTTL, 86400);
      const [, headers] = only(resourcesOfType(data, 'AWS::CloudFront::ResponseHeadersPolicy'), 'headers policy');
      const security = headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      assert.equal(security.StrictTransportSecurity.AccessControlMaxAgeSec, 730 * 86400);
      assert.equal(security.ContentTypeOptions.Override, true);
      assert.equal(security.FrameOptions.FrameOption, 'DENY');
      assert.equal(security.ReferrerPolicy.ReferrerPolicy, 'strict-origin-when-cross-origin');
      assert.equal(security.ContentSecurityPolicy.ContentSecurityPolicy, DEFAULT_CDN_CSP);
      const records = resourcesOfType(data, 'AWS::Route53::RecordSet').map(([, r]) => [
        r.Properties.Name,
        r.Properties.Type,
      ]);
      assert.deepEqual(records.sort(), [
        [`${host}.`, 'A'],
        [`${host}.`, 'AAAA'],
      ]);
    }
  });

  test('the us-east-1 edge stack: the certificate, validated in the shared zone read from the shared dns stack', () => {
    const edge = platform.artifact('dev', 'edge');
    assert.equal(edge.environment.region, 'us-east-1');
    const [, certificate] = only(resourcesOfType(edge.template, 'AWS::CertificateManager::Certificate'), 'certificate');
    assert.equal(certificate.Properties.DomainName, 'static-dev.lichnails.co.uk');
    assert.deepEqual(certificate.Properties.DomainValidationOptions[0].HostedZoneId, {
      'Fn::GetStackOutput': { StackName: 'booking-shared-dns', OutputName: 'HostedZoneId', Region: 'eu-west-2' },
    });
    assert.ok(platform.json('shared', 'dns').Outputs.HostedZoneId, 'the shared dns stack names that output');
  });

  test('WAF: a regional web ACL on the prod load balancer; none in dev (config)', () => {
    const prod = platform.json('prod', 'app');
    const [aclId, acl] = only(resourcesOfType(prod, 'AWS::WAFv2::WebACL'), 'web ACL');
    assert.equal(acl.Properties.Scope, 'REGIONAL');
    const [, association] = only(resourcesOfType(prod, 'AWS::WAFv2::WebACLAssociation'), 'association');
    assert.deepEqual(association.Properties.WebACLArn, { 'Fn::GetAtt': [aclId, 'Arn'] });
    assert.match(JSON.stringify(association.Properties.ResourceArn), /LoadBalancer/);
    assert.deepEqual(resourcesOfType(platform.json('dev', 'app'), 'AWS::WAFv2::WebACL'), []);
  });

  test('minimal keeps the bucket and drops the distribution, its records and the web ACL', () => {
    const data = minimal.json('prod', 'data');
    assert.equal(resourcesOfType(data, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('Storage')).length, 1);
    assert.deepEqual(resourcesOfType(data, 'AWS::CloudFront::Distribution'), []);
    assert.deepEqual(resourcesOfType(minimal.json('prod', 'app'), 'AWS::WAFv2::WebACL'), []);
  });

  test('prices: the bucket by its storage; CloudFront inside the always-free tier; WAF by ACL, rules and requests', () => {
    const [running, paused, minimalCost] = (['running', 'paused', 'minimal'] as const).map(
      (state) => estimateEnvironments(platformConfig, [environmentNamed(platformConfig, 'prod')], state)[0],
    );
    const line = (estimate: typeof running, type: string) => estimate.lines.find((l) => l.type === type);
    assert.equal(line(running, 'AWS::CloudFront::Distribution')!.monthlyUsd, 0);
    assert.match(line(running, 'AWS::CloudFront::Distribution')!.basis, /always-free tier/);
    const waf = line(running, 'AWS::WAFv2::WebACL')!;
    // 5 USD the ACL + 1 per rule (platform paths, rate limit, four managed groups) + 0.60 per million of 3 M requests.
    assert.equal(waf.monthlyUsd.toFixed(2), (5 + 6 + 0.6 * 3).toFixed(2));
    assert.ok(line(paused, 'AWS::WAFv2::WebACL'), 'paused keeps the web ACL (and its price)');
    assert.equal(line(minimalCost, 'AWS::WAFv2::WebACL'), undefined);
    assert.equal(line(minimalCost, 'AWS::CloudFront::Distribution'), undefined);
  });

  test('config mistakes are refused with the field, the value and the fix', () => {
    const issues = (config: typeof platformConfig) => findConfigIssues(config).map((i) => `${i.field}: ${i.message}`);
    assert.deepEqual(issues(withEnvironment('prod', { storage: { corsAllowedOrigins: ['*'] } })), [
      `prod.storage.corsAllowedOrigins[0]: "*" lets any site read and upload to a production bucket (name the frontend's origin, e.g. "https://usa-berko.lichnails.co.uk")`,
    ]);
    assert.deepEqual(
      issues(withEnvironment('dev', { storage: { corsAllowedOrigins: ['https://usa-berko.lichnails.co.uk/'] } })),
      [
        'dev.storage.corsAllowedOrigins[0]: "https://usa-berko.lichnails.co.uk/" is not an origin (scheme, host and optional port, no path or trailing slash, e.g. "https://usa-berko.lichnails.co.uk")',
      ],
    );
    assert.deepEqual(issues(withEnvironment('dev', { storage: { mediaCleanup: { prefix: 'static/', days: 90 } } })), [
      'dev.storage.mediaCleanup.prefix: "static/" is not a folder under "media/" (static files must never expire: use e.g. "media/tmp/")',
    ]);
    assert.deepEqual(issues(withEnvironment('dev', { cdn: { host: 'static.example.com' } })), [
      'dev.cdn.host: "static.example.com" is not a host inside lichnails.co.uk (e.g. "static-dev.lichnails.co.uk")',
    ]);
    assert.deepEqual(issues(withEnvironment('dev', { cdn: { host: 'api-dev.lichnails.co.uk' } })), [
      `dev.cdn.host: "api-dev.lichnails.co.uk" is the API's host (give the files their own, e.g. "static-dev.lichnails.co.uk")`,
    ]);
    const noStorage = {
      ...platformConfig,
      environments: platformConfig.environments.map((e) => (e.name === 'dev' ? { ...e, storage: undefined } : e)),
    };
    assert.deepEqual(issues(noStorage), [
      'dev.cdn.enabled: true needs a bucket to serve (add storage, or set enabled: false)',
    ]);
    assert.deepEqual(issues(withEnvironment('prod', { storage: { versioning: false } })), [
      'prod.storage.versioning: false is not allowed for a production environment (set versioning: true so an overwritten or deleted upload can be restored, or add "no-bucket-versioning" to prod.acceptedRisks to waive the check knowingly)',
      'prod.backup.replicateBucket: true, but storage.versioning is false: S3 replicates only versioned buckets (set storage.versioning: true, or replicateBucket: false)',
    ]);
    assert.deepEqual(
      issues(withEnvironment('dev', { cdn: { contentSecurityPolicy: `default-src 'self'; ${'x'.repeat(1800)}` } })),
      [
        'dev.cdn.contentSecurityPolicy: is 1820 characters, more than the 1783 a CloudFront response headers policy accepts (shorten it, e.g. with default-src)',
      ],
    );
    assert.match(
      issues(withEnvironment('prod', { waf: { enabled: false } }))[0],
      /^prod\.waf\.enabled: false is not allowed for a production environment/,
    );
  });
});
