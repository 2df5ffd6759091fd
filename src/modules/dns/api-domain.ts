import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface ApiDomainProps {
  /** The API host, e.g. `api-dev.lichnails.co.uk`. */
  readonly apiHost: string;
  /** The apex domain whose zone holds the records. */
  readonly domain: string;
  /** SSM parameter holding the zone id (published by the shared DNS stack), in this account. */
  readonly zoneIdParameterName: string;
  /**
   * The environment is in another account than the shared zone: the API host becomes a zone of
   * its own in this account (0.50 USD/month), delegated from the shared zone by NS records that a
   * role of the shared account writes (`ZoneDelegationRole`, named here).
   * @default undefined: records go straight into the shared zone, found through the parameter
   */
  readonly delegation?: ApiDomainDelegation;
}

/** Where the delegation of an API host's own zone comes from. */
export interface ApiDomainDelegation {
  /** The shared account's role that writes the NS records (its ARN). */
  readonly roleArn: string;
  /**
   * The shared zone's id when config knows it (an adopted zone): looked up by name otherwise,
   * which fails if the shared account holds two public zones of that name.
   * @default looked up by the domain name
   */
  readonly parentZoneId?: string;
}

/**
 * One environment's API name: an ACM certificate validated by DNS in the shared zone (or, for an
 * environment in another account, in the API host's own zone delegated from it), and (while the
 * environment has a load balancer) the alias record pointing at it. The certificate stays
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
    const delegated = props.delegation && this.delegatedZone(props.apiHost, props.domain, props.delegation);
    this.zone =
      delegated?.zone ??
      route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: ssm.StringParameter.valueForStringParameter(this, props.zoneIdParameterName),
        zoneName: props.domain,
      });
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.apiHost,
      validation: acm.CertificateValidation.fromDns(this.zone),
      certificateName: props.apiHost,
    });
    // ACM validates through public DNS: only once the delegation exists do its records resolve.
    if (delegated) this.certificate.node.addDependency(delegated.record);
  }

  /**
   * The API host's own zone and its delegation from the shared zone. The zone is kept in every
   * state (a new zone has new name servers, and the parent's NS records are cached for up to their
   * 2-day TTL); the record is written on create, updated and removed with this stack.
   */
  private delegatedZone(
    apiHost: string,
    domain: string,
    delegation: ApiDomainDelegation,
  ): { zone: route53.IHostedZone; record: route53.CrossAccountZoneDelegationRecord } {
    const zone = new route53.PublicHostedZone(this, 'DelegatedZone', {
      zoneName: apiHost,
      comment: `${apiHost}: delegated from ${domain} in the shared account`,
    });
    const record = new route53.CrossAccountZoneDelegationRecord(this, 'Delegation', {
      delegatedZone: zone,
      ...(delegation.parentZoneId ? { parentHostedZoneId: delegation.parentZoneId } : { parentHostedZoneName: domain }),
      delegationRole: iam.Role.fromRoleArn(this, 'DelegationRole', delegation.roleArn, { mutable: false }),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return { zone, record };
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

  /** Points the API host at an HTTP API's regional custom domain (alias A record). */
  pointAtApi(domainName: apigwv2.IDomainName): route53.ARecord {
    return new route53.ARecord(this, 'Alias', {
      zone: this.zone,
      recordName: this.apiHost,
      target: route53.RecordTarget.fromAlias(
        new targets.ApiGatewayv2DomainProperties(domainName.regionalDomainName, domainName.regionalHostedZoneId),
      ),
      comment: 'API behind the HTTP API',
    });
  }
}
