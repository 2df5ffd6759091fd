import { Tags } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface ApiDomainProps {
  /** The API host, e.g. `api-dev.lichnails.co.uk`. */
  readonly apiHost: string;
  /** The apex domain whose zone holds the records. */
  readonly domain: string;
  /** SSM parameter holding the zone id (published by the shared DNS stack). */
  readonly zoneIdParameterName: string;
}

/**
 * One environment's API name: an ACM certificate validated by DNS in the shared zone, and (while
 * the environment has a load balancer) the alias record pointing at it. The certificate stays
 * in every state so going back from `minimal` needs no new validation.
 */
export class ApiDomain extends Construct {
  public readonly zone: route53.IHostedZone;
  public readonly certificate: acm.Certificate;
  private readonly apiHost: string;

  constructor(scope: Construct, id: string, props: ApiDomainProps) {
    super(scope, id);
    Tags.of(this).add('module', 'api-domain');
    this.apiHost = props.apiHost;
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: ssm.StringParameter.valueForStringParameter(this, props.zoneIdParameterName),
      zoneName: props.domain,
    });
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.apiHost,
      validation: acm.CertificateValidation.fromDns(this.zone),
      certificateName: props.apiHost,
    });
  }

  /** Points the API host at the load balancer (alias A record; the VPC is IPv4-only, so no AAAA). */
  pointAt(loadBalancer: elbv2.IApplicationLoadBalancer): route53.ARecord {
    return new route53.ARecord(this, 'Alias', {
      zone: this.zone,
      recordName: this.apiHost,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer)),
      comment: 'API behind the load balancer',
    });
  }
}
