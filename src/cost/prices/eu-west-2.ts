import { type CommitmentTerm, type MissingPrice, type PriceTable, priceKey } from '../price-table';
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
    'apigateway.http.requests.million': {
      usd: 1.16,
      unit: 'million HTTP API requests (first 300 million a month; metered in 512 KB increments)',
      source: PL('MFY3FVZZSQWYVNHM'),
      date: DATE,
    },
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
    ...commitmentPrices(),
  },
};

/**
 * Reservations and Savings Plans for the steady part of the bill (`cost --plan`), under the
 * on-demand keys they discount. The Price List copy (PL) holds one Reserved term per product,
 * 3-year Partial Upfront (offer term 38NPMPTW36); every other term stays unpriced with the
 * command that reads it. AWS's "up to N%" figures are ceilings, not rates: none is used.
 */
function commitmentPrices(): PriceTable['prices'] {
  const reserved3yr = '3-year Partial Upfront, standard, offer term 38NPMPTW36';
  const rds = {
    micro: priceKey.rdsInstanceHour('db.t4g.micro', false),
    small: priceKey.rdsInstanceHour('db.t4g.small', true),
  };
  const valkey = priceKey.cacheNodeHour('valkey', 'cache.t4g.micro');
  const redis = priceKey.cacheNodeHour('redis', 'cache.t4g.micro');
  const unsourced = (unit: string, readWith: string, why = ''): MissingPrice => ({
    usd: null,
    unit,
    reason: `no sourced eu-west-2 rate${why}; read it with \`${readWith}\``,
  });
  const rdsOfferings = (instanceClass: string, multiAz: boolean, years: CommitmentTerm) =>
    `aws rds describe-reserved-db-instances-offerings --region eu-west-2 --db-instance-class ${instanceClass} --product-description postgresql ${multiAz ? '--multi-az' : '--no-multi-az'} --duration ${years * 31_536_000}`;
  const cacheOfferings = (years: CommitmentTerm) =>
    `aws elasticache describe-reserved-cache-nodes-offerings --region eu-west-2 --cache-node-type cache.t4g.micro --duration ${years * 31_536_000}`;
  // Database Savings Plans (launched 2025-12) cover generation 7 and newer instance families.
  const databasePlanFor = (family: string, source: string): MissingPrice => ({
    usd: null,
    unit: 'Savings Plan rate per hour',
    notOffered: true,
    reason: `Database Savings Plans do not cover ${family} (${source}); reserved instances or nodes are the commitment for it`,
  });
  const rdsDatabasePlan = databasePlanFor(
    'the burstable db.t4g and db.t3 classes',
    'AWS agent toolkit, aws/agent-toolkit-for-aws database-skills commitment-pricing-mechanics.md, "db.t4g, db.t3: not DSP-eligible"; 3P: cloudyali.io Database Savings Plans guide 2026, "t3, t4g require Reserved Instances"',
  );
  const cacheDatabasePlan = databasePlanFor(
    'cache.t4g nodes',
    '3P: cloudcombinator.ai Database Savings Plans write-up 2025-12, "Generation 7 and newer instances ... for ElastiCache, Valkey"',
  );
  const prices: Record<string, PriceTable['prices'][string]> = {};
  for (const [key, instanceClass, multiAz] of [
    [rds.micro, 'db.t4g.micro', false],
    [rds.small, 'db.t4g.small', true],
  ] as const) {
    for (const years of [1, 3] as const) {
      prices[priceKey.commitmentHour(key, 'reserved', years)] = unsourced(
        'reserved instance-hour',
        rdsOfferings(instanceClass, multiAz, years),
      );
      prices[priceKey.commitmentHour(key, 'database-savings-plan', years)] = rdsDatabasePlan;
    }
  }
  // The one sourced RDS reservation: PostgreSQL db.t4g.micro Single-AZ, 3 years, Partial Upfront.
  prices[priceKey.commitmentHour(rds.micro, 'reserved', 3)] = {
    usd: 0.0043,
    unit: `reserved instance-hour (${reserved3yr})`,
    source: `${PL('ATYF9R3XTURNBSMZ')}, ${reserved3yr}`,
    date: DATE,
  };
  prices[priceKey.commitmentUpfront(rds.micro, 'reserved', 3)] = {
    usd: 112,
    unit: 'reservation (one Single-AZ instance), paid once',
    source: `${PL('ATYF9R3XTURNBSMZ')}, ${reserved3yr}, upfront fee`,
    date: DATE,
  };
  for (const key of [valkey, redis]) {
    for (const years of [1, 3] as const) {
      prices[priceKey.commitmentHour(key, 'reserved', years)] = unsourced('reserved node-hour', cacheOfferings(years));
      prices[priceKey.commitmentHour(key, 'database-savings-plan', years)] = cacheDatabasePlan;
    }
  }
  // ElastiCache sells Redis OSS reservations; size flexibility applies them to Valkey nodes in
  // normalized units (AWS Database Blog, "New - Size flexibility for Amazon ElastiCache reserved
  // nodes", https://aws.amazon.com/blogs/database/new-size-flexibility-for-amazon-elasticache-reserved-nodes/).
  // The Price List gives cache.t4g.micro 0.5 units on Redis OSS and 0.4 on Valkey: one
  // reservation covers 0.5 / 0.4 = 1.25 Valkey nodes.
  const redisReserved = {
    usd: 0.004,
    unit: `reserved node-hour, Redis OSS cache.t4g.micro (${reserved3yr})`,
    source: `${PL('VYC98G9RNMYWYM9D')}, ${reserved3yr}`,
    date: DATE,
  };
  const redisUpfront = {
    usd: 114,
    unit: 'reservation (one Redis OSS cache.t4g.micro node), paid once',
    source: `${PL('VYC98G9RNMYWYM9D')}, ${reserved3yr}, upfront fee`,
    date: DATE,
  };
  prices[priceKey.commitmentHour(redis, 'reserved', 3)] = redisReserved;
  prices[priceKey.commitmentUpfront(redis, 'reserved', 3)] = redisUpfront;
  prices[priceKey.commitmentHour(valkey, 'reserved', 3)] = {
    ...redisReserved,
    covers: 1.25,
    unit: `${redisReserved.unit}; covers 1.25 Valkey nodes`,
    source: `${redisReserved.source}; covers 0.5 / 0.4 Valkey nodes: normalization size factors of ${PL('VYC98G9RNMYWYM9D')} (Redis OSS) and ${PL('AB2C3TZTZR5WDA7N')} (Valkey), applied by size flexibility (AWS Database Blog, 2024)`,
  };
  prices[priceKey.commitmentUpfront(valkey, 'reserved', 3)] = redisUpfront;
  for (const arch of ['arm64', 'x86_64'] as const) {
    const infix = arch === 'arm64' ? '-ARM' : '';
    const usageTypes = `EUW2-Fargate${infix}-vCPU-Hours:perCPU EUW2-Fargate${infix}-GB-Hours`;
    for (const [key, unit] of [
      [priceKey.fargateVcpuHour(arch), 'vCPU-hour'],
      [priceKey.fargateGbHour(arch), 'GB-hour'],
    ] as const) {
      for (const years of [1, 3] as const) {
        prices[priceKey.commitmentHour(key, 'compute-savings-plan', years)] = unsourced(
          `Compute Savings Plan rate per ${unit}`,
          `aws savingsplans describe-savings-plans-offering-rates --region us-east-1 --savings-plan-types Compute --products Fargate --usage-types ${usageTypes} --filters name=region,values=eu-west-2`,
          ' (AWS publishes only "up to 50%" for Fargate, a ceiling)',
        );
      }
    }
  }
  return prices;
}
