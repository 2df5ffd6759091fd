import { CfnOutput, Duration, Fn, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { FrontendRecord, HostedZoneConfig } from '../../config/types';

export interface DomainZoneProps {
  /** The apex domain, e.g. `lichnails.co.uk`. */
  readonly domain: string;
  /**
   * Create the zone (`{ mode: 'create' }`: 0.50 USD/month, with new name servers to set at the
   * registrar) or adopt an existing one by id (`{ mode: 'adopt', id }`). An adopted zone gets no
   * frontend CNAMEs and no CAA records unless `existingRecords: 'manage'`: by default (`leave`) they
   * are taken to exist in it already, and CloudFormation would fail creating them.
   */
  readonly hostedZone: HostedZoneConfig;
  /** CNAMEs to frontends hosted elsewhere (Vercel). */
  readonly frontendRecords: readonly FrontendRecord[];
  /** CAs allowed to issue certificates for the domain. */
  readonly caaIssuers: readonly string[];
  /** SSM parameter that hands the zone id to the environments at deploy time. */
  readonly zoneIdParameterName: string;
}

/**
 * The seed's Route 53 module, account level: one hosted zone for the domain (created, or an
 * existing one adopted by id), the frontend CNAMEs and CAA records (left to an adopted zone unless
 * `existingRecords: 'manage'`), and the zone id published in SSM
 * for every environment's certificate validation and API record.
 *
 * The hand-off goes through SSM rather than a CDK reference because environments are separate
 * CDK stages, between which references are not allowed; the environments read the parameter at
 * deploy time (a CloudFormation SSM parameter type), so nothing is looked up at synth.
 */
export class DomainZone extends Construct {
  public readonly zone: route53.IHostedZone;

  constructor(scope: Construct, id: string, props: DomainZoneProps) {
    super(scope, id);
    Tags.of(this).add('module', 'dns');
    if (props.hostedZone.mode === 'create') {
      const zone = new route53.PublicHostedZone(this, 'Zone', {
        zoneName: props.domain,
        comment: `${props.domain}: API and frontend records`,
      });
      // A new zone gets new name servers, breaking the registrar's delegation: keep it.
      zone.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.zone = zone;
      new CfnOutput(this, 'NameServers', {
        value: Fn.join(', ', zone.hostedZoneNameServers!),
        description: `Set these as the name servers of ${props.domain} at its registrar`,
      });
    } else {
      this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.hostedZone.id,
        zoneName: props.domain,
      });
    }

    // An adopted zone (from the Terraform platform) already holds its frontend CNAMEs and CAA by
    // default: creating them again would fail the deploy, so they are left as they are.
    const writeRecords = props.hostedZone.mode === 'create' || props.hostedZone.existingRecords === 'manage';
    for (const record of writeRecords ? props.frontendRecords : []) {
      new route53.CnameRecord(this, `Frontend-${record.name}`, {
        zone: this.zone,
        recordName: record.name,
        domainName: record.target,
        ttl: Duration.minutes(5),
        comment: 'Frontend hosted elsewhere',
      });
    }

    if (writeRecords) {
      new route53.CaaRecord(this, 'Caa', {
        zone: this.zone,
        values: props.caaIssuers.map((issuer) => ({ flag: 0, tag: route53.CaaTag.ISSUE, value: issuer })),
        ttl: Duration.hours(1),
      });
    }

    new ssm.StringParameter(this, 'ZoneIdParameter', {
      parameterName: props.zoneIdParameterName,
      stringValue: this.zone.hostedZoneId,
      description: `Hosted zone id of ${props.domain}, read by every environment at deploy time`,
    });
    // A fixed output name: an environment's us-east-1 edge stack reads it (Fn::GetStackOutput)
    // to validate the CDN certificate in this zone, across stages and regions.
    new CfnOutput(this, 'HostedZoneId', { value: this.zone.hostedZoneId }).overrideLogicalId(HOSTED_ZONE_ID_OUTPUT);
  }
}

/** The shared dns stack's output holding the zone id. */
export const HOSTED_ZONE_ID_OUTPUT = 'HostedZoneId';
