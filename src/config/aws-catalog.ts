/**
 * Static facts about AWS that config validation checks against, kept as data so that
 * validation needs no network and no credentials. Extend the tables when AWS adds a region
 * or an instance class; every table is checked by the tests.
 */

/** Availability-zone letters of each commercial region this project may deploy to. */
export const REGION_AZ_LETTERS: Readonly<Record<string, string>> = {
  'us-east-1': 'abcdef',
  'us-east-2': 'abc',
  'us-west-1': 'ac',
  'us-west-2': 'abcd',
  'ca-central-1': 'abd',
  'eu-west-1': 'abc',
  'eu-west-2': 'abc',
  'eu-west-3': 'abc',
  'eu-central-1': 'abc',
  'eu-central-2': 'abc',
  'eu-north-1': 'abc',
  'eu-south-1': 'abc',
  'eu-south-2': 'abc',
  'ap-southeast-1': 'abc',
  'ap-southeast-2': 'abc',
  'ap-northeast-1': 'acd',
  'ap-northeast-2': 'abcd',
  'ap-south-1': 'abc',
  'sa-east-1': 'abc',
};

/**
 * RDS instance classes offered for PostgreSQL, with their memory in GiB. The memory drives
 * RDS's default `max_connections` (LEAST(DBInstanceClassMemory / 9531392, 5000)).
 */
export const RDS_INSTANCE_MEMORY_GIB: Readonly<Record<string, number>> = {
  'db.t4g.micro': 1,
  'db.t4g.small': 2,
  'db.t4g.medium': 4,
  'db.t4g.large': 8,
  'db.t4g.xlarge': 16,
  'db.t4g.2xlarge': 32,
  'db.t3.micro': 1,
  'db.t3.small': 2,
  'db.t3.medium': 4,
  'db.t3.large': 8,
  'db.t3.xlarge': 16,
  'db.t3.2xlarge': 32,
  'db.m7g.large': 8,
  'db.m7g.xlarge': 16,
  'db.m7g.2xlarge': 32,
  'db.m6g.large': 8,
  'db.m6g.xlarge': 16,
  'db.m6g.2xlarge': 32,
  'db.m6i.large': 8,
  'db.m6i.xlarge': 16,
  'db.r7g.large': 16,
  'db.r7g.xlarge': 32,
  'db.r6g.large': 16,
  'db.r6g.xlarge': 32,
};

/** ElastiCache node types, with their memory in GiB. */
export const CACHE_NODE_MEMORY_GIB: Readonly<Record<string, number>> = {
  'cache.t4g.micro': 0.5,
  'cache.t4g.small': 1.37,
  'cache.t4g.medium': 3.09,
  'cache.t3.micro': 0.5,
  'cache.t3.small': 1.37,
  'cache.t3.medium': 3.09,
  'cache.m7g.large': 6.38,
  'cache.m6g.large': 6.38,
  'cache.r7g.large': 13.07,
  'cache.r6g.large': 13.07,
};

/** Retention values CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** RDS PostgreSQL's default max_connections: LEAST({DBInstanceClassMemory/9531392}, 5000). */
export function maxConnectionsFor(instanceClass: string): number {
  const memoryGiB = RDS_INSTANCE_MEMORY_GIB[instanceClass];
  if (memoryGiB === undefined) throw new Error(`unknown RDS class "${instanceClass}"`);
  return Math.min(Math.floor((memoryGiB * 2 ** 30) / 9531392), 5000);
}

/** Fargate's valid memory sizes (MiB) for each CPU size (units). */
export function fargateMemoryOptions(cpu: number): number[] {
  const range = (from: number, to: number, step: number) =>
    Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return range(1024, 4096, 1024);
    case 1024:
      return range(2048, 8192, 1024);
    case 2048:
      return range(4096, 16384, 1024);
    case 4096:
      return range(8192, 30720, 1024);
    default:
      return [];
  }
}
