import type { PriceTable } from '../price-table';

// London. Sources (see docs/prices.md and ../shared/reference/aws-prices.md):
//   PL  = AWS Price List offer file row (SKU given), published 2026-08-31..2026-09-04
//   SEC = a cost write-up that read the eu-west-2 offer files, Sep-Oct 2026 (matched PL where both exist)
//   IC  = infracost golden test outputs, Aug 2026
//   AWS = AWS pricing or documentation page
const PL = (sku: string) => `AWS Price List eu-west-2, SKU ${sku}`;
const DATE = '2026-11';

export const euWest2: PriceTable = {
  region: 'eu-west-2',
  prices: {
    'fargate.x86_64.vcpu-hour': { usd: 0.04656, unit: 'vCPU-hour', source: PL('G265XVYY5YDS48U6'), date: DATE },
    'fargate.x86_64.gb-hour': { usd: 0.00511, unit: 'GB-hour', source: PL('JPX9CCYJS97M953T'), date: DATE },
    'fargate.arm64.vcpu-hour': { usd: 0.03725, unit: 'vCPU-hour', source: PL('YEJBN6TMUWD8EV8P'), date: DATE },
    'fargate.arm64.gb-hour': { usd: 0.00409, unit: 'GB-hour', source: PL('ZHQV69PSVX9PGWTQ'), date: DATE },

    'rds.postgres.db.t4g.micro.single-az.hour': {
      usd: 0.018,
      unit: 'instance-hour',
      source: PL('ATYF9R3XTURNBSMZ'),
      date: DATE,
    },
    'rds.postgres.db.t4g.micro.multi-az.hour': {
      usd: 0.036,
      unit: 'instance-hour',
      source: PL('D4PD3WMETNDAM8KK'),
      date: DATE,
    },
    'rds.postgres.db.t3.micro.single-az.hour': {
      usd: 0.021,
      unit: 'instance-hour',
      source: PL('F6VC6CJNFKSKWG9T'),
      date: DATE,
    },
    'rds.postgres.db.t4g.small.single-az.hour': {
      usd: 0.036,
      unit: 'instance-hour',
      source: 'SEC (eu-west-2 offer file)',
      date: DATE,
    },
    'rds.postgres.db.t4g.small.multi-az.hour': {
      usd: 0.072,
      unit: 'instance-hour',
      source:
        'derived: 2 x Single-AZ 0.036 (SEC); Multi-AZ is exactly twice Single-AZ for db.t4g.micro in the Price List',
      date: DATE,
    },
    'rds.gp3.single-az.gb-month': { usd: 0.133, unit: 'GB-month', source: PL('GSPER49HB8KZCR7E'), date: DATE },
    'rds.gp3.multi-az.gb-month': {
      usd: 0.266,
      unit: 'GB-month',
      source: 'derived: 2 x Single-AZ gp3 0.133 (PL); the Price List gives gp2 as 0.133 / 0.266',
      date: DATE,
    },
    'rds.gp2.single-az.gb-month': {
      usd: 0.133,
      unit: 'GB-month',
      source: 'AWS Price List eu-west-2 (gp2)',
      date: DATE,
    },
    'rds.gp2.multi-az.gb-month': { usd: 0.266, unit: 'GB-month', source: 'AWS Price List eu-west-2 (gp2)', date: DATE },
    'rds.backup.gb-month': { usd: 0.1, unit: 'GB-month beyond provisioned storage', source: 'SEC', date: DATE },

    'elasticache.redis.cache.t4g.micro.hour': {
      usd: 0.018,
      unit: 'node-hour',
      source: PL('VYC98G9RNMYWYM9D'),
      date: DATE,
    },
    'elasticache.valkey.cache.t4g.micro.hour': {
      usd: 0.0144,
      unit: 'node-hour',
      source: PL('AB2C3TZTZR5WDA7N'),
      date: DATE,
    },

    'alb.hour': { usd: 0.02646, unit: 'ALB-hour', source: PL('6AP766DZF74JPTE2'), date: DATE },
    'alb.lcu-hour': { usd: 0.0084, unit: 'LCU-hour', source: PL('D4JRRS3AFPHRV7RF'), date: DATE },
    'nat.hour': { usd: 0.05, unit: 'NAT gateway-hour', source: 'AWS Price List eu-west-2', date: DATE },
    'nat.gb': { usd: 0.05, unit: 'GB processed', source: 'AWS Price List eu-west-2', date: DATE },
    'vpce.interface.az-hour': { usd: 0.011, unit: 'endpoint AZ-hour', source: 'SEC', date: DATE },
    'vpce.interface.gb': { usd: 0.01, unit: 'GB processed', source: 'SEC', date: DATE },
    'ipv4.public.hour': {
      usd: 0.005,
      unit: 'address-hour',
      source: 'AWS VPC pricing (public IPv4, since 2024-02-01)',
      date: DATE,
    },

    'route53.zone.month': {
      usd: 0.5,
      unit: 'hosted zone-month (first 25)',
      source: 'AWS Route 53 pricing',
      date: DATE,
    },
    'route53.queries.million': { usd: 0.4, unit: 'million standard queries', source: 'IC', date: DATE },

    'logs.ingest.gb': { usd: 0.5985, unit: 'GB ingested', source: 'SEC', date: DATE },
    'logs.storage.gb-month': { usd: 0.0315, unit: 'GB-month stored', source: 'SEC', date: DATE },
    'cloudwatch.metric.month': { usd: 0.3, unit: 'custom metric-month', source: 'SEC', date: DATE },
    'cloudwatch.alarm.month': { usd: 0.1, unit: 'standard alarm-month', source: 'SEC', date: DATE },
    'cloudwatch.dashboard.month': { usd: 3, unit: 'dashboard-month', source: 'SEC', date: DATE },

    'secretsmanager.secret.month': { usd: 0.4, unit: 'secret-month', source: 'SEC', date: DATE },
    'ssm.advanced-parameter.month': {
      usd: 0.05,
      unit: 'advanced parameter-month',
      source: 'AWS Systems Manager pricing',
      date: DATE,
    },
    'kms.key.month': {
      usd: 1,
      unit: 'customer managed key-month',
      source: 'derived: us-east-1 figure (IC); no eu-west-2 figure was found, KMS key pricing is not listed per region',
      date: DATE,
    },
    'ecr.storage.gb-month': { usd: 0.1, unit: 'GB-month', source: 'SEC', date: DATE },
    'codepipeline.v2.action-minute': {
      usd: 0.002,
      unit: 'action-execution minute',
      source: 'AWS CodePipeline pricing',
      date: DATE,
    },
    'codepipeline.v1.pipeline-month': {
      usd: 1,
      unit: 'active pipeline-month',
      source: 'AWS CodePipeline pricing',
      date: DATE,
    },
    'codebuild.arm64.BUILD_GENERAL1_SMALL.minute': {
      usd: null,
      unit: 'build minute',
      reason: 'no sourced eu-west-2 CodeBuild price (only us-east-1 general1.small x86 is sourced)',
    },
    'codebuild.x86_64.BUILD_GENERAL1_SMALL.minute': {
      usd: null,
      unit: 'build minute',
      reason: 'no sourced eu-west-2 CodeBuild price (only us-east-1 general1.small x86 is sourced)',
    },

    's3.standard.gb-month': { usd: 0.024, unit: 'GB-month', source: PL('DV3FSFEQ3QM4J6VP'), date: DATE },
    's3.put.thousand': {
      usd: 0.0053,
      unit: '1,000 PUT-class requests',
      source: 'AWS Price List eu-west-2',
      date: DATE,
    },
    's3.get.ten-thousand': { usd: 0.0042, unit: '10,000 GET requests', source: 'AWS Price List eu-west-2', date: DATE },
    'cloudfront.europe.gb': { usd: 0.085, unit: 'GB out from European edges', source: 'IC', date: DATE },
    'cloudfront.https.ten-thousand': { usd: 0.012, unit: '10,000 HTTPS requests', source: 'IC', date: DATE },
    'waf.web-acl.month': { usd: 5, unit: 'web ACL-month', source: 'IC / AWS WAF pricing', date: DATE },
    'waf.rule.month': { usd: 1, unit: 'rule-month', source: 'IC / AWS WAF pricing', date: DATE },
    'waf.requests.million': { usd: 0.6, unit: 'million requests', source: 'IC / AWS WAF pricing', date: DATE },
    'lambda.requests.million': {
      usd: null,
      unit: 'million requests',
      reason: 'no Lambda price in the sourced reference data',
    },
    'lambda.arm64.gb-second': { usd: null, unit: 'GB-second', reason: 'no Lambda price in the sourced reference data' },
    'lambda.x86_64.gb-second': {
      usd: null,
      unit: 'GB-second',
      reason: 'no Lambda price in the sourced reference data',
    },
    'data-transfer.out.gb': {
      usd: 0.09,
      unit: 'GB out to the internet (after 100 GB free)',
      source: 'AWS Price List eu-west-2',
      date: DATE,
    },
    'dynamodb.on-demand.write.million': {
      usd: null,
      unit: 'million write request units',
      reason: 'no DynamoDB price in the sourced reference data (npm run refresh-prices reads it from the Price List)',
    },
    'dynamodb.on-demand.read.million': {
      usd: null,
      unit: 'million read request units',
      reason: 'no DynamoDB price in the sourced reference data (npm run refresh-prices reads it from the Price List)',
    },
  },
};
