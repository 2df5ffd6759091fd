import type {
  AccountBaselineConfig,
  AccountBaselineUsage,
  BaselineServiceMode,
  EnvironmentConfig,
  SharedConfig,
} from '../../config/types';
import { stackName } from '../../ops/contracts';

/** What `accountBaseline` may say for each service's `mode`. */
export const BASELINE_SERVICE_MODES: readonly BaselineServiceMode[] = ['create', 'existing', 'off'];

/** The usage assumptions when the config gives none (per account and region, a month). */
export const DEFAULT_BASELINE_USAGE: AccountBaselineUsage = {
  managementEvents: 500_000,
  trailDataEvents: 20_000,
  trailLogGiBPerMonth: 0.2,
  trailCloudWatchLogsGiB: 2,
  guardDutyFlowAndDnsGiB: 1,
  guardDutyS3DataEvents: 200_000,
  guardDutyMonitoredVcpus: 2,
  securityHubChecks: 15_000,
  securityHubFindingEvents: 2_000,
};

/** `accountBaseline` with every default filled in. */
export interface ResolvedAccountBaseline {
  readonly trail: {
    readonly mode: BaselineServiceMode;
    readonly retentionDays: number;
    readonly s3DataEvents: boolean;
    readonly cloudWatchLogsRetentionDays?: number;
    readonly accessLogging: boolean;
  };
  readonly guardDuty: {
    readonly mode: BaselineServiceMode;
    readonly s3Protection: boolean;
    readonly runtimeMonitoring: boolean;
  };
  readonly securityHub: { readonly mode: BaselineServiceMode };
  readonly usage: AccountBaselineUsage;
}

/** The baseline with its defaults: trail and GuardDuty created, Security Hub off. */
export function resolveAccountBaseline(config: AccountBaselineConfig | undefined): ResolvedAccountBaseline {
  const trail = config?.trail ?? {};
  const guardDuty = config?.guardDuty ?? {};
  return {
    trail: {
      mode: trail.mode ?? 'create',
      retentionDays: trail.retentionDays ?? 365,
      s3DataEvents: trail.s3DataEvents ?? true,
      cloudWatchLogsRetentionDays: trail.cloudWatchLogsRetentionDays,
      accessLogging: trail.accessLogging ?? false,
    },
    guardDuty: {
      mode: guardDuty.mode ?? 'create',
      s3Protection: guardDuty.s3Protection ?? true,
      runtimeMonitoring: guardDuty.runtimeMonitoring ?? false,
    },
    securityHub: { mode: config?.securityHub?.mode ?? 'off' },
    usage: { ...DEFAULT_BASELINE_USAGE, ...config?.usage },
  };
}

/** One account the platform deploys to, the regions its environments use, and its baseline stacks' names. */
export interface BaselineAccount {
  readonly account: string;
  /** The trail's home region first (the shared region for the shared account), then the others. */
  readonly regions: readonly string[];
  /** The environments deployed in this account. */
  readonly environments: readonly EnvironmentConfig[];
  /** Whether this is `shared.account`. */
  readonly shared: boolean;
}

/**
 * Every distinct account the platform deploys to (the shared account first), with the regions
 * its environments use: CloudTrail runs once per account (multi-Region), GuardDuty and Security
 * Hub once per account and region.
 */
export function baselineAccounts(
  shared: SharedConfig,
  environments: readonly EnvironmentConfig[],
): readonly BaselineAccount[] {
  const accounts = [shared.account, ...environments.map((env) => env.account)].filter(
    (account, index, all) => all.indexOf(account) === index,
  );
  return accounts.map((account) => {
    const here = environments.filter((env) => env.account === account);
    const isShared = account === shared.account;
    const regions = [...(isShared ? [shared.region] : []), ...here.map((env) => env.region)].filter(
      (region, index, all) => all.indexOf(region) === index,
    );
    return { account, regions, environments: here, shared: isShared };
  });
}

/**
 * The part of a baseline stack's name and cdk id after `<app>-shared-`: `baseline` in the shared
 * account's home region, `baseline-<account>` in another account's, and `-<region>` appended for
 * each further region.
 */
export function baselineStackPart(account: BaselineAccount, region: string): string {
  const accountPart = account.shared ? 'baseline' : `baseline-${account.account}`;
  return region === account.regions[0] ? accountPart : `${accountPart}-${region}`;
}

/** One bucket (or family of buckets) of the platform whose object-level events the trail records. */
export interface PlatformBucket {
  readonly environment: string;
  readonly purpose: string;
  /**
   * The start of the bucket's name. CloudFormation names a bucket without an explicit name
   * `<stack name>-<logical id>-<random>` in lower case, shortening the logical id to fit 63
   * characters, so the stack's name and a hyphen start it.
   */
  readonly namePrefix: string;
}

/**
 * The buckets of the platform in one account whose S3 data events the trail records: each
 * environment's pipeline artifacts bucket (the only bucket of its pipeline stack). Media buckets
 * (issue 15) join this list, with their own stack's prefix or their exact name.
 */
export function platformBuckets(appName: string, environments: readonly EnvironmentConfig[]): PlatformBucket[] {
  return environments.map((env) => ({
    environment: env.name,
    purpose: 'pipeline artifacts',
    namePrefix: `${stackName(appName, env.name, 'pipeline')}-`,
  }));
}
