import type { PriceTable } from '../price-table';
import { baselinePrices } from './baseline';
import { globalPrices } from './global';

// N. Virginia: the edge region (CloudFront certificates, CLOUDFRONT-scope WAF). Sources: the
// evidence tags of ../shared/reference/aws-prices.md, as in eu-west-2.ts; IC = infracost golden
// outputs (Aug 2026), 3P = a third-party blog or calculator.
const DATE = '2026-11';

export const usEast1: PriceTable = {
  region: 'us-east-1',
  prices: {
    ...globalPrices,
    'fargate.x86_64.vcpu-hour': { usd: 0.04048, unit: 'vCPU-hour', source: 'IC', date: DATE },
    'fargate.x86_64.gb-hour': { usd: 0.004445, unit: 'GB-hour', source: 'IC', date: DATE },
    'fargate.arm64.vcpu-hour': { usd: 0.03238, unit: 'vCPU-hour', source: '3P', date: DATE },
    'fargate.arm64.gb-hour': { usd: 0.00356, unit: 'GB-hour', source: '3P', date: DATE },
    'rds.postgres.db.t4g.micro.single-az.hour': {
      usd: 0.016,
      unit: 'instance-hour',
      source: 'AWS Price List us-east-1',
      date: DATE,
    },
    'rds.postgres.db.t4g.micro.multi-az.hour': {
      usd: 0.032,
      unit: 'instance-hour',
      source: 'AWS Price List us-east-1',
      date: DATE,
    },
    'rds.postgres.db.t4g.small.single-az.hour': { usd: 0.032, unit: 'instance-hour', source: '3P', date: DATE },
    'rds.gp3.single-az.gb-month': { usd: 0.115, unit: 'GB-month', source: 'IC', date: DATE },
    'rds.gp2.single-az.gb-month': { usd: 0.115, unit: 'GB-month', source: 'AWS Price List us-east-1', date: DATE },
    'rds.gp2.multi-az.gb-month': { usd: 0.23, unit: 'GB-month', source: 'AWS Price List us-east-1', date: DATE },
    'rds.backup.gb-month': { usd: 0.095, unit: 'GB-month beyond provisioned storage', source: 'IC', date: DATE },
    'elasticache.redis.cache.t4g.micro.hour': { usd: 0.016, unit: 'node-hour', source: '3P', date: DATE },
    'alb.hour': { usd: 0.0225, unit: 'ALB-hour', source: 'IC', date: DATE },
    'alb.lcu-hour': { usd: 0.008, unit: 'LCU-hour', source: 'IC', date: DATE },
    'apigateway.http.requests.million': {
      usd: 1,
      unit: 'million HTTP API requests (first 300 million a month; metered in 512 KB increments)',
      source: 'AWS API Gateway pricing page (HTTP APIs, US East (N. Virginia): first 300 million 1.00 USD per million)',
      date: DATE,
    },
    'nat.hour': { usd: 0.045, unit: 'NAT gateway-hour', source: 'IC', date: DATE },
    'nat.gb': { usd: 0.045, unit: 'GB processed', source: 'IC', date: DATE },
    'vpce.interface.az-hour': { usd: 0.01, unit: 'endpoint AZ-hour', source: 'IC', date: DATE },
    'vpce.interface.gb': { usd: 0.01, unit: 'GB processed', source: 'IC', date: DATE },
    'ipv4.public.hour': { usd: 0.005, unit: 'address-hour', source: 'AWS VPC pricing', date: DATE },
    'logs.ingest.gb': { usd: 0.5, unit: 'GB ingested', source: 'IC', date: DATE },
    'logs.storage.gb-month': { usd: 0.03, unit: 'GB-month stored', source: 'IC', date: DATE },
    'cloudwatch.metric.month': { usd: 0.3, unit: 'custom metric-month', source: 'IC', date: DATE },
    'cloudwatch.alarm.month': { usd: 0.1, unit: 'standard alarm-month', source: 'IC', date: DATE },
    'cloudwatch.composite-alarm.month': {
      usd: 0.5,
      unit: 'composite alarm-month',
      source:
        '3P: c3x.dev CloudWatch alarm pricing (composite 0.50 per alarm-month, as AWS lists it; not in the reference data)',
      date: DATE,
    },
    'cloudwatch.dashboard.month': { usd: 3, unit: 'dashboard-month', source: 'IC', date: DATE },
    'secretsmanager.secret.month': { usd: 0.4, unit: 'secret-month', source: 'IC', date: DATE },
    'ssm.advanced-parameter.month': { usd: 0.05, unit: 'advanced parameter-month', source: 'IC', date: DATE },
    'kms.key.month': { usd: 1, unit: 'customer managed key-month', source: 'IC', date: DATE },
    'ecr.storage.gb-month': { usd: 0.1, unit: 'GB-month', source: 'IC', date: DATE },
    'codebuild.x86_64.BUILD_GENERAL1_SMALL.minute': { usd: 0.005, unit: 'build minute', source: 'IC', date: DATE },
    's3.standard.gb-month': { usd: 0.023, unit: 'GB-month', source: 'IC', date: DATE },
    'transfer.inter-region.gb': {
      usd: 0.02,
      unit: 'GB to another region',
      source:
        'AWS EC2 pricing, data transfer from US East (N. Virginia) to another AWS Region; 3P: factualminds AWS Backup pricing (2026-06), cross-region copy 0.02 USD/GB',
      date: DATE,
    },
    's3.put.thousand': { usd: 0.005, unit: '1,000 PUT, COPY, POST or LIST requests', source: 'IC', date: DATE },
    's3.get.ten-thousand': { usd: 0.004, unit: '10,000 GET requests', source: 'IC', date: DATE },
    ...baselinePrices((page) => `AWS ${page} pricing (US East figures of its worked examples)`, DATE),
  },
};
