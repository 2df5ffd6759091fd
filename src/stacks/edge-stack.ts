import { CfnOutput, Fn, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { HOSTED_ZONE_ID_OUTPUT } from '../modules/dns/hosted-zone';
import { dnsDelegationRoleName, EDGE_REGION, environmentName } from '../ops/contracts';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export { EDGE_REGION };
/** us-east-1's AZs, given explicitly like every stack's (nothing here uses them). */
export const EDGE_AVAILABILITY_ZONES = ['us-east-1a', 'us-east-1b'];

export interface EdgeStackProps extends PlatformStackProps {
  readonly config: EnvironmentConfig;
  readonly shared: SharedConfig;
}

/**
 * An environment's us-east-1 stack: the CDN host's certificate (ACM certificates for CloudFront
 * must be in us-east-1), DNS-validated in the shared hosted zone, whose id it reads from the
 * shared dns stack's output (or the adopted zone's id from config); for an environment in another
 * account, in the CDN host's own zone delegated from the shared one. Public ACM certificates are
 * free. The distribution itself is in the data stack, next to its bucket.
 */
export class EdgeStack extends PlatformStack {
  public readonly certificate: acm.Certificate;
  /**
   * The zone the CDN host's records go in: the shared zone, or, for an environment in another
   * account, the CDN host's own zone delegated from it (0.50 USD/month).
   */
  public readonly zone: route53.IHostedZone;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    Tags.of(this).add('module', 'cdn');
    const { config, shared } = props;
    const host = config.cdn!.host;
    let validated: route53.CrossAccountZoneDelegationRecord | undefined;
    if (config.account === shared.account) {
      const hostedZoneId =
        shared.hostedZone.mode === 'adopt'
          ? shared.hostedZone.id
          : Fn.getStackOutput(`${environmentName(shared.appName, 'shared')}-dns`, HOSTED_ZONE_ID_OUTPUT, shared.region);
      this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId, zoneName: shared.domain });
    } else {
      // Another account cannot write in the shared zone: the host gets a zone of its own here,
      // delegated by the shared account's delegation role (which allows NS records of exactly
      // this name and the API host), as the API host's zone is in the app stack.
      this.zone = new route53.PublicHostedZone(this, 'CdnZone', {
        zoneName: host,
        comment: `${host}: delegated from ${shared.domain} in the shared account`,
      });
      validated = new route53.CrossAccountZoneDelegationRecord(this, 'Delegation', {
        delegatedZone: this.zone,
        ...(shared.hostedZone.mode === 'adopt'
          ? { parentHostedZoneId: shared.hostedZone.id }
          : { parentHostedZoneName: shared.domain }),
        delegationRole: iam.Role.fromRoleArn(
          this,
          'DelegationRole',
          this.formatArn({
            service: 'iam',
            region: '',
            account: shared.account,
            resource: 'role',
            resourceName: dnsDelegationRoleName(shared.appName, config.name),
          }),
          { mutable: false },
        ),
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    this.certificate = new acm.Certificate(this, 'CdnCertificate', {
      domainName: host,
      validation: acm.CertificateValidation.fromDns(this.zone),
    });
    // ACM can only validate once the delegation answers for the host.
    if (validated) this.certificate.node.addDependency(validated);
    new CfnOutput(this, 'CdnCertificateArn', { value: this.certificate.certificateArn });
  }
}
