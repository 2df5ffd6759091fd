import type { PriceTable } from '../price-table';
import { baselinePrices } from './baseline';
import { globalPrices } from './global';

// London. Sources (evidence tags as in ../shared/reference/aws-prices.md):
//   PL  = AWS Price List offer file row (SKU given), published 2026-08-31..2026-09-04
//   SEC = a cost write-up that read the eu-west-2 offer files, Sep-Oct 2026 (matched PL where both exist)
//   IC  = infracost golden test outputs, Aug 2026
//   AWS = AWS pricing or documentation page
const PL = (sku: string) => `AWS Price List eu-west-2, SKU ${sku}`;
const DATE = '2026-11';

export const euWest2: PriceTable = {
  region: 'eu-west-2',
  prices: {
    ...globalPrices,
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
    // PrivateLink data processing, first PB a month (tiers below 0.01 only beyond it).
    'vpce.interface.gb': { usd: 0.01, unit: 'GB processed', source: 'SEC', date: DATE },
    'ipv4.public.hour': {
      usd: 0.005,
      unit: 'address-hour',
      source: 'AWS VPC pricing (public IPv4, since 2024-02-01)',
      date: DATE,
    },

    'logs.ingest.gb': { usd: 0.5985, unit: 'GB ingested', source: 'SEC', date: DATE },
    'logs.storage.gb-month': { usd: 0.0315, unit: 'GB-month stored', source: 'SEC', date: DATE },
    'cloudwatch.metric.month': { usd: 0.3, unit: 'custom metric-month', source: 'SEC', date: DATE },
    'cloudwatch.alarm.month': { usd: 0.1, unit: 'standard alarm-month', source: 'SEC', date: DATE },
    'cloudwatch.composite-alarm.month': {
      usd: 0.5,
      unit: 'composite alarm-month',
      source:
        '3P: c3x.dev CloudWatch alarm pricing (composite 0.50 per alarm-month, as AWS lists it; not in the reference data)',
      date: DATE,
    },
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
    'transfer.inter-region.gb': {
      usd: 0.02,
      unit: 'GB to another region',
      source:
        'AWS EC2 pricing, data transfer from Europe (London) to another AWS Region; 3P: factualminds AWS Backup pricing (2026-06), cross-region copy 0.02 USD/GB',
      date: DATE,
    },
    's3.put.thousand': { usd: 0.0053, unit: '1,000 PUT, COPY, POST or LIST requests', source: 'PL / IC', date: DATE },
    's3.get.ten-thousand': { usd: 0.0042, unit: '10,000 GET requests', source: 'PL / IC', date: DATE },
    // No London figure was found for GuardDuty or Security Hub (their pricing pages render the
    // regional tables client-side); the US East figures are used, openly, until
    // `npm run refresh-prices` reads the Price List.
    ...baselinePrices(
      (page) => `derived: US East figure of the AWS ${page} pricing page; no eu-west-2 figure was found`,
      DATE,
    ),
    'lambda.requests.million': {
      usd: null,
      unit: 'million requests',
      reason: 'no Lambda price in the sourced reference data',
    },
  },
};
