import { Aws, Tags } from 'aws-cdk-lib';
import * as guardduty from 'aws-cdk-lib/aws-guardduty';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import { Construct } from 'constructs';
import type { AccountBaselineUsage } from '../../config/types';
import { BASELINE_USAGE_METADATA } from '../../cost/rules/baseline';

export interface GuardDutyDetectorProps {
  /** S3 Protection (S3 data event analysis). */
  readonly s3Protection: boolean;
  /** Runtime Monitoring of ECS Fargate tasks, GuardDuty managing its agent. */
  readonly runtimeMonitoring: boolean;
  readonly usage: Pick<
    AccountBaselineUsage,
    'managementEvents' | 'guardDutyFlowAndDnsGiB' | 'guardDutyS3DataEvents' | 'guardDutyMonitoredVcpus'
  >;
}

/**
 * The GuardDuty detector of this stack's account and region. Every protection plan is named, on
 * or off, so what is billed is what the config says, not what GuardDuty enables by default for a
 * new detector: there is no EKS or EC2 here, so EKS audit logs and EBS malware scans are off.
 */
export class GuardDutyDetector extends Construct {
  public readonly detector: guardduty.CfnDetector;

  constructor(scope: Construct, id: string, props: GuardDutyDetectorProps) {
    super(scope, id);
    Tags.of(this).add('module', 'account-baseline');
    const status = (on: boolean) => (on ? 'ENABLED' : 'DISABLED');
    this.detector = new guardduty.CfnDetector(this, 'Detector', {
      enable: true,
      findingPublishingFrequency: 'FIFTEEN_MINUTES',
      features: [
        { name: 'S3_DATA_EVENTS', status: status(props.s3Protection) },
        { name: 'EKS_AUDIT_LOGS', status: 'DISABLED' },
        { name: 'EBS_MALWARE_PROTECTION', status: 'DISABLED' },
        { name: 'RDS_LOGIN_EVENTS', status: 'DISABLED' },
        { name: 'LAMBDA_NETWORK_LOGS', status: 'DISABLED' },
        {
          name: 'RUNTIME_MONITORING',
          status: status(props.runtimeMonitoring),
          additionalConfiguration: [
            { name: 'ECS_FARGATE_AGENT_MANAGEMENT', status: status(props.runtimeMonitoring) },
            { name: 'EKS_ADDON_MANAGEMENT', status: 'DISABLED' },
            { name: 'EC2_AGENT_MANAGEMENT', status: 'DISABLED' },
          ],
        },
      ],
    });
    this.detector.addMetadata(BASELINE_USAGE_METADATA, {
      managementEvents: props.usage.managementEvents,
      guardDutyFlowAndDnsGiB: props.usage.guardDutyFlowAndDnsGiB,
      guardDutyS3DataEvents: props.usage.guardDutyS3DataEvents,
      guardDutyMonitoredVcpus: props.usage.guardDutyMonitoredVcpus,
    });
  }
}

/** The AWS Foundational Security Best Practices standard's ARN in a region (it is regional). */
export function foundationalStandardArn(partition = Aws.PARTITION, region = Aws.REGION): string {
  return `arn:${partition}:securityhub:${region}::standards/aws-foundational-security-best-practices/v/1.0.0`;
}

export interface SecurityHubFoundationalProps {
  readonly usage: Pick<AccountBaselineUsage, 'securityHubChecks' | 'securityHubFindingEvents'>;
}

/**
 * Security Hub CSPM in this stack's account and region with the AWS Foundational Security Best
 * Practices standard only: the default standards (which add CIS 1.2, doubling the checks) are
 * not enabled, and findings are consolidated per control (`SECURITY_CONTROL`).
 */
export class SecurityHubFoundational extends Construct {
  public readonly hub: securityhub.CfnHub;
  public readonly standard: securityhub.CfnStandard;

  constructor(scope: Construct, id: string, props: SecurityHubFoundationalProps) {
    super(scope, id);
    Tags.of(this).add('module', 'account-baseline');
    this.hub = new securityhub.CfnHub(this, 'Hub', {
      enableDefaultStandards: false,
      controlFindingGenerator: 'SECURITY_CONTROL',
      autoEnableControls: true,
    });
    this.hub.addMetadata(BASELINE_USAGE_METADATA, { securityHubFindingEvents: props.usage.securityHubFindingEvents });
    this.standard = new securityhub.CfnStandard(this, 'Foundational', { standardsArn: foundationalStandardArn() });
    // The standard can only be enabled once the account is subscribed.
    this.standard.addResourceDependency(this.hub);
    this.standard.addMetadata(BASELINE_USAGE_METADATA, { securityHubChecks: props.usage.securityHubChecks });
  }
}
