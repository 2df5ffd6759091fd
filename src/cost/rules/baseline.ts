import { priceKey } from '../price-table';
import type { Charge, RuleContext, RuleTable } from './context';

/**
 * The account baseline (CloudTrail, GuardDuty, Security Hub) is billed by volume, which no
 * template property shows: each of its resources carries the volumes it was configured with
 * (`shared.accountBaseline.usage`) in this metadata entry, and the rules below price them.
 */
export const BASELINE_USAGE_METADATA = 'booking:baseline-usage';

/** Price-table keys of the baseline's services. */
export const baselinePriceKey = {
  cloudTrailDataEventsHundredThousand: 'cloudtrail.data-events.hundred-thousand',
  guardDutyMillionManagementEvents: 'guardduty.cloudtrail-management-events.million',
  guardDutyFlowAndDnsGb: 'guardduty.flow-and-dns-logs.gb',
  guardDutyMillionS3DataEvents: 'guardduty.s3-data-events.million',
  guardDutyFargateVcpuMonth: 'guardduty.runtime-monitoring.fargate.vcpu-month',
  securityHubCheck: 'securityhub.security-check',
  securityHubFindingEvent: 'securityhub.finding-ingestion-event',
} as const;

/** Security Hub ingests this many findings a month per account and region for free. */
export const SECURITY_HUB_FREE_FINDING_EVENTS = 10_000;

/** A volume from the resource's baseline metadata (0 when absent). */
function volume(ctx: RuleContext, name: string): number {
  const usage = ctx.resource.Metadata?.[BASELINE_USAGE_METADATA] as Record<string, unknown> | undefined;
  const value = usage?.[name];
  return typeof value === 'number' ? value : 0;
}

const thousands = (value: number) => value.toLocaleString('en-US');

/** Whether the detector turns on a feature (protection plan). */
function featureOn(ctx: RuleContext, name: string): boolean {
  const features = (ctx.resource.Properties?.Features ?? []) as Array<{ Name?: string; Status?: string }>;
  return features.some((feature) => feature.Name === name && feature.Status === 'ENABLED');
}

/** CloudTrail, GuardDuty and Security Hub, from the volumes each resource declares. */
export const baselineRules: RuleTable = {
  'AWS::CloudTrail::Trail': (ctx) => {
    const dataEvents = volume(ctx, 'trailDataEvents');
    const retentionDays = volume(ctx, 'retentionDays');
    const logGiB = volume(ctx, 'trailLogGiBPerMonth');
    const charges: Charge[] = [
      {
        what: `hundred-thousand S3 data events (${thousands(dataEvents)} a month)`,
        quantity: dataEvents / 100_000,
        priceKey: baselinePriceKey.cloudTrailDataEventsHundredThousand,
      },
      {
        what: `GB-months of log files in S3 (${logGiB} GB a month, ${retentionDays}-day retention, steady state)`,
        quantity: (logGiB * retentionDays) / 30.4,
        priceKey: priceKey.s3StandardGbMonth,
      },
    ];
    const cloudWatchGiB = volume(ctx, 'trailCloudWatchLogsGiB');
    if (ctx.resource.Properties?.CloudWatchLogsLogGroupArn !== undefined) {
      const days = volume(ctx, 'cloudWatchLogsRetentionDays');
      charges.push(
        { what: 'GB to CloudWatch Logs', quantity: cloudWatchGiB, priceKey: priceKey.logsIngestGb },
        {
          what: `GB-months in CloudWatch Logs (${days}-day retention, steady state)`,
          quantity: (cloudWatchGiB * days) / 30.4,
          priceKey: priceKey.logsStorageGbMonth,
        },
      );
    }
    return { charges, note: 'first copy of management events free' };
  },

  'AWS::GuardDuty::Detector': (ctx) => {
    const managementEvents = volume(ctx, 'managementEvents');
    const charges: Charge[] = [
      {
        what: `million CloudTrail management events analysed (${thousands(managementEvents)})`,
        quantity: managementEvents / 1_000_000,
        priceKey: baselinePriceKey.guardDutyMillionManagementEvents,
      },
      {
        what: 'GB of VPC flow and DNS logs analysed',
        quantity: volume(ctx, 'guardDutyFlowAndDnsGiB'),
        priceKey: baselinePriceKey.guardDutyFlowAndDnsGb,
      },
    ];
    if (featureOn(ctx, 'S3_DATA_EVENTS')) {
      const events = volume(ctx, 'guardDutyS3DataEvents');
      charges.push({
        what: `million S3 data events analysed (${thousands(events)})`,
        quantity: events / 1_000_000,
        priceKey: baselinePriceKey.guardDutyMillionS3DataEvents,
      });
    }
    if (featureOn(ctx, 'RUNTIME_MONITORING')) {
      charges.push({
        what: 'Fargate vCPU-months monitored',
        quantity: volume(ctx, 'guardDutyMonitoredVcpus'),
        priceKey: baselinePriceKey.guardDutyFargateVcpuMonth,
      });
    }
    return { charges, note: 'first 30 days free per account and region' };
  },

  'AWS::SecurityHub::Hub': (ctx) => {
    const findings = volume(ctx, 'securityHubFindingEvents');
    return {
      charges: [
        {
          what: `finding ingestion events beyond the free ${thousands(SECURITY_HUB_FREE_FINDING_EVENTS)} (${thousands(findings)} a month)`,
          quantity: Math.max(0, findings - SECURITY_HUB_FREE_FINDING_EVENTS),
          priceKey: baselinePriceKey.securityHubFindingEvent,
        },
      ],
      note: 'security checks priced on the standard; AWS Config recording, which the controls need, not included',
    };
  },

  'AWS::SecurityHub::Standard': (ctx) => {
    const checks = volume(ctx, 'securityHubChecks');
    return {
      charges: [
        {
          what: `security checks (${thousands(checks)} a month)`,
          quantity: checks,
          priceKey: baselinePriceKey.securityHubCheck,
        },
      ],
    };
  },
};
