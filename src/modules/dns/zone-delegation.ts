import { Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { acknowledgeFindings } from '../../quality/acknowledge';

export interface ZoneDelegationRoleProps {
  /** The shared (parent) zone, e.g. `lichnails.co.uk`. */
  readonly zone: route53.IHostedZone;
  /** The role's name, which the other account's stack names in its delegation record. */
  readonly roleName: string;
  /** The account whose environment owns the delegated zone. */
  readonly account: string;
  /**
   * The names of the roles of that account that may assume this one (prefixes, e.g.
   * `booking-prod-app-` and `booking-prod-edge-`: the stacks holding delegation records).
   */
  readonly assumingRolePrefixes: readonly string[];
  /** The names that account may delegate, e.g. `api.lichnails.co.uk` and the CDN host. */
  readonly delegatedZoneNames: readonly string[];
}

/**
 * A role in the shared account that one other account assumes to write the NS records
 * delegating exactly its environment's names (API host, CDN host) from the shared zone: nothing else in
 * the zone, no other record type (CDK's `grantDelegation` conditions). The other account's
 * `CrossAccountZoneDelegationRecord` assumes it on deploy; no charge.
 */
export class ZoneDelegationRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ZoneDelegationRoleProps) {
    super(scope, id);
    Tags.of(this).add('module', 'dns');
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      // Only the delegation record's handler role (named after the environment's app stack), not
      // any principal of the account.
      assumedBy: new iam.AccountPrincipal(props.account).withConditions({
        ArnLike: {
          'aws:PrincipalArn': props.assumingRolePrefixes.map(
            (prefix) => `arn:${Stack.of(this).partition}:iam::${props.account}:role/${prefix}*`,
          ),
        },
      }),
      description: `Account ${props.account} writes the NS records delegating ${props.delegatedZoneNames.join(', ')}`,
    });
    props.zone.grantDelegation(this.role, { delegatedZoneNames: [...props.delegatedZoneNames] });
    acknowledgeFindings(
      this.role,
      'AwsSolutions-IAM5',
      ['Resource::*'],
      'route53:ListHostedZonesByName has no resource-level permissions; the delegation record looks the parent zone up by name with it, and the only write allowed is NS records of one name in one zone',
    );
  }
}
