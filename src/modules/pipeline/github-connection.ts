import { CfnOutput, Tags } from 'aws-cdk-lib';
import * as codestarconnections from 'aws-cdk-lib/aws-codestarconnections';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface GitHubConnectionProps {
  /** Connection name, e.g. `booking-github`. */
  readonly connectionName: string;
  /** SSM parameter that hands the ARN to every pipeline at deploy time. */
  readonly arnParameterName: string;
}

/**
 * The account's GitHub connection. CloudFormation creates it PENDING: someone must open it once
 * in the console (Developer Tools > Settings > Connections) and choose "Update pending
 * connection" to authorize the GitHub app; `booking-infra doctor` checks it is AVAILABLE.
 */
export class GitHubConnection extends Construct {
  public readonly connection: codestarconnections.CfnConnection;

  constructor(scope: Construct, id: string, props: GitHubConnectionProps) {
    super(scope, id);
    Tags.of(this).add('module', 'pipeline');
    this.connection = new codestarconnections.CfnConnection(this, 'Connection', {
      connectionName: props.connectionName,
      providerType: 'GitHub',
    });
    new ssm.StringParameter(this, 'ArnParameter', {
      parameterName: props.arnParameterName,
      stringValue: this.connection.attrConnectionArn,
      description: 'GitHub connection used by every release pipeline',
    });
    new CfnOutput(this, 'ConnectionArn', {
      value: this.connection.attrConnectionArn,
      description: 'Activate once in the console: Developer Tools > Settings > Connections',
    });
  }
}
