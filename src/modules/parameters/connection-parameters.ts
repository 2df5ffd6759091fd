import { Tags } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Database } from '../database/database';
import { CONNECTION_PARAMETERS, environmentPrefix } from './parameter-names';

export interface ConnectionParametersProps {
  /** Application name, the first part of every parameter path, e.g. `booking`. */
  readonly appName: string;
  /** Environment name, the second part, e.g. `dev`: parameters are `/<app>/<env>/...`. */
  readonly environmentName: string;
  /** The database whose host, port, name, secret ARN and `max_connections` are published. */
  readonly database: Database;
  /**
   * The cache whose host, port, TLS flag and token secret ARN are published. Absent in the
   * `minimal` state.
   * @default no cache parameters
   */
  readonly cache?: {
    readonly host: string;
    readonly port: number;
    readonly tls: boolean;
    readonly authToken: secretsmanager.ISecret;
  };
}

/**
 * The seed's Parameter Store integration: non-secret connection facts as standard (free) String
 * parameters under `/<app>/<env>/`. Secrets stay in Secrets Manager; only their ARNs are here.
 */
export class ConnectionParameters extends Construct {
  /** Parameter name -> value, as published. */
  public readonly parameters: Readonly<Record<string, ssm.StringParameter>>;

  constructor(scope: Construct, id: string, props: ConnectionParametersProps) {
    super(scope, id);
    Tags.of(this).add('module', 'parameters');
    const prefix = environmentPrefix(props.appName, props.environmentName);
    const { database, cache } = props;
    const values: Array<[string, string]> = [
      // None while the database is kept as a snapshot (minimal): there is no host to publish.
      ...(database.instance
        ? [[CONNECTION_PARAMETERS.databaseHost, database.instance.dbInstanceEndpointAddress] as [string, string]]
        : []),
      [CONNECTION_PARAMETERS.databasePort, String(database.port)],
      [CONNECTION_PARAMETERS.databaseName, database.databaseName],
      [CONNECTION_PARAMETERS.databaseSecretArn, database.secret.secretArn],
      [CONNECTION_PARAMETERS.databaseMaxConnections, String(database.maxConnections)],
    ];
    if (cache) {
      values.push(
        [CONNECTION_PARAMETERS.cacheHost, cache.host],
        [CONNECTION_PARAMETERS.cachePort, String(cache.port)],
        [CONNECTION_PARAMETERS.cacheTls, String(cache.tls)],
        [CONNECTION_PARAMETERS.cacheAuthTokenSecretArn, cache.authToken.secretArn],
      );
    }
    const parameters: Record<string, ssm.StringParameter> = {};
    for (const [relative, value] of values) {
      const name = `${prefix}/${relative}`;
      parameters[name] = new ssm.StringParameter(this, relative.replace(/[^A-Za-z0-9]/g, ''), {
        parameterName: name,
        stringValue: value,
        description: `${props.appName} ${props.environmentName}: ${relative.replace('/', ' ')}`,
        tier: ssm.ParameterTier.STANDARD,
      });
    }
    this.parameters = parameters;
  }
}
