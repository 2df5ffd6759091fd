/**
 * Prices as data. Every figure carries its unit, its source and the date it was read, so the
 * estimate can be reproduced and refreshed (`npm run refresh-prices`). A price that no source
 * gives is recorded as unpriced with the reason, never invented.
 */

/** A sourced list price in USD. */
export interface Price {
  readonly usd: number;
  /** What one unit is, e.g. "vCPU-hour", "GB-month". */
  readonly unit: string;
  /** Where the figure comes from: a Price List SKU, a document, or an open derivation. */
  readonly source: string;
  /** When it was read (YYYY-MM). */
  readonly date: string;
  /**
   * How many units of the priced item one unit of this price covers, where they differ: a
   * size-flexible reservation bought for one engine or size and applied to another (one Redis OSS
   * cache.t4g.micro reservation covers 1.25 Valkey cache.t4g.micro nodes).
   * @default 1
   */
  readonly covers?: number;
}

/** A price the sources do not give for this region. */
export interface MissingPrice {
  readonly usd: null;
  readonly unit: string;
  readonly reason: string;
  /**
   * AWS does not sell this at all (the reason says why, and where that is written): shown as
   * "not offered", not as a figure to look up.
   * @default false
   */
  readonly notOffered?: boolean;
}

export type PriceEntry = Price | MissingPrice;

export interface PriceTable {
  readonly region: string;
  readonly prices: Readonly<Record<string, PriceEntry>>;
}

/** Hours in the month every estimate uses (AWS's own convention). */
export const HOURS_PER_MONTH = 730;

export function isPriced(entry: PriceEntry | undefined): entry is Price {
  return entry !== undefined && entry.usd !== null;
}

/** Terms of the commitments `cost --plan` prices, in years. */
export type CommitmentTerm = 1 | 3;

/**
 * A commitment that lowers an on-demand price: a reservation (RDS reserved DB instances,
 * ElastiCache reserved nodes) or a Savings Plan (Compute for Fargate, Database for RDS and
 * ElastiCache). Both bill every hour of their term, whether the resource runs or not.
 */
export type CommitmentType = 'reserved' | 'compute-savings-plan' | 'database-savings-plan';

/** Price-table keys, built in one place so rules and tables cannot drift apart. */
export const priceKey = {
  fargateVcpuHour: (arch: 'arm64' | 'x86_64') => `fargate.${arch}.vcpu-hour`,
  fargateGbHour: (arch: 'arm64' | 'x86_64') => `fargate.${arch}.gb-hour`,
  rdsInstanceHour: (instanceClass: string, multiAz: boolean) =>
    `rds.postgres.${instanceClass}.${multiAz ? 'multi-az' : 'single-az'}.hour`,
  rdsStorageGbMonth: (storageType: string, multiAz: boolean) =>
    `rds.${storageType}.${multiAz ? 'multi-az' : 'single-az'}.gb-month`,
  rdsBackupGbMonth: 'rds.backup.gb-month',
  cacheNodeHour: (engine: string, nodeType: string) => `elasticache.${engine}.${nodeType}.hour`,
  albHour: 'alb.hour',
  albLcuHour: 'alb.lcu-hour',
  apiGatewayHttpMillionRequests: 'apigateway.http.requests.million',
  cloudMapInstanceMonth: 'cloudmap.instance.month',
  cloudMapDiscoveryMillion: 'cloudmap.discovery.million',
  natHour: 'nat.hour',
  natGb: 'nat.gb',
  interfaceEndpointAzHour: 'vpce.interface.az-hour',
  interfaceEndpointGb: 'vpce.interface.gb',
  publicIpv4Hour: 'ipv4.public.hour',
  hostedZoneMonth: 'route53.zone.month',
  logsIngestGb: 'logs.ingest.gb',
  logsStorageGbMonth: 'logs.storage.gb-month',
  customMetricMonth: 'cloudwatch.metric.month',
  alarmMonth: 'cloudwatch.alarm.month',
  compositeAlarmMonth: 'cloudwatch.composite-alarm.month',
  dashboardMonth: 'cloudwatch.dashboard.month',
  secretMonth: 'secretsmanager.secret.month',
  advancedParameterMonth: 'ssm.advanced-parameter.month',
  kmsKeyMonth: 'kms.key.month',
  ecrGbMonth: 'ecr.storage.gb-month',
  pipelineV2ActionMinute: 'codepipeline.v2.action-minute',
  pipelineV1Month: 'codepipeline.v1.pipeline-month',
  codeBuildMinute: (computeType: string, arch: string) => `codebuild.${arch}.${computeType}.minute`,
  s3StandardGbMonth: 's3.standard.gb-month',
  interRegionTransferGb: 'transfer.inter-region.gb',
  xrayMillionTraces: 'xray.traces.million',
  s3PutThousand: 's3.put.thousand',
  s3GetTenThousand: 's3.get.ten-thousand',
  cloudFrontGb: 'cloudfront.europe.gb',
  cloudFrontTenThousandHttps: 'cloudfront.https.ten-thousand',
  wafWebAclMonth: 'waf.web-acl.month',
  wafRuleMonth: 'waf.rule.month',
  wafMillionRequests: 'waf.requests.million',
  lambdaMillionRequests: 'lambda.requests.million',
  dynamodbMillionWrites: 'dynamodb.on-demand.write.million',
  dynamodbMillionReads: 'dynamodb.on-demand.read.million',
  /**
   * The hourly rate of a commitment on the usage `onDemandKey` prices, e.g.
   * `rds.postgres.db.t4g.micro.single-az.hour.reserved-3yr`: the recurring part of a reservation,
   * or a Savings Plan's rate for that usage.
   */
  commitmentHour: (onDemandKey: string, type: CommitmentType, years: CommitmentTerm) =>
    `${onDemandKey}.${type}-${years}yr`,
  /** A reservation's one-time fee, per reservation (0 for No Upfront). */
  commitmentUpfront: (onDemandKey: string, type: CommitmentType, years: CommitmentTerm) =>
    `${onDemandKey}.${type}-${years}yr.upfront`,
} as const;
