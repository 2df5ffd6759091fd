import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/types';
import { Networking } from '../modules/networking/networking';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface NetworkStackProps extends PlatformStackProps {
  /**
   * The environment's configuration: AZs, CIDR, subnet masks, egress, flow logs, interface
   * endpoints, app port and the state (`minimal` removes the NAT gateways, 36.50 USD/month each in
   * London, and the interface endpoints).
   */
  readonly config: EnvironmentConfig;
}

/** The environment's VPC, subnets, endpoints and security groups. Stateless. */
export class NetworkStack extends PlatformStack {
  public readonly networking: Networking;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    // Protected environments: deleting the VPC's stack would cut the database (kept) off from its
    // subnets and security groups.
    super(scope, id, { ...props, terminationProtection: props.config.deletionProtection });
    const { network } = props.config;
    this.networking = new Networking(this, 'Networking', {
      availabilityZones: props.config.availabilityZones,
      cidr: network.cidr,
      subnetMasks: network.subnetMasks,
      egress: network.egress,
      flowLogs: network.flowLogs,
      withoutNat: props.config.state === 'minimal',
      appPort: props.config.compute.appPort,
      // Kept while minimal too: the data stack's EFS mount targets use the files group until it goes.
      cacheTask: props.config.cache.hosting === 'task',
      // Not while minimal: the database is stopped and the NAT gateway removed.
      credentialRotation:
        (props.config.database.credentialRotation?.enabled ?? false) && props.config.state !== 'minimal',
      // None while minimal: no task runs to use them, and each costs 8.03 USD/month per AZ.
      interfaceEndpoints: props.config.state === 'minimal' ? [] : network.interfaceEndpoints,
      // The drill runs a task: not while minimal (no NAT, no task runs).
      restoreDrill: (props.config.backup?.enabled ?? false) && props.config.state !== 'minimal',
    });
    new CfnOutput(this, 'VpcId', { value: this.networking.vpc.vpcId, description: 'The environment VPC' });
  }
}
