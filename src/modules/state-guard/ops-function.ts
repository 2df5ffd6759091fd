import * as path from 'node:path';
import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OPS_LAMBDA_VARIABLES as V } from '../../ops/contracts';
import type { ConfiguredCapacity } from '../../ops/resources';

/** The operations Lambda's source (bundled with esbuild at synth; the AWS SDK comes with the runtime). */
export const OPS_LAMBDA_ENTRY = path.join(__dirname, '..', '..', 'lambda', 'ops', 'index.ts');

export interface OpsFunctionProps {
  /** What the function does: the description of the function and of its role. */
  readonly description: string;
  /** Variables the handler reads (resourcesFromEnvironment). */
  readonly environment: Readonly<Record<string, string>>;
  /** How long one invocation may run (Lambda allows up to 15 minutes). */
  readonly timeout: Duration;
  /**
   * Days the function's log group keeps its logs (a value CloudWatch Logs accepts). Stored logs
   * cost 0.0315 USD per GB-month.
   */
  readonly logRetentionDays: number;
  /** Exactly what it may do. */
  readonly statements: readonly iam.PolicyStatement[];
  /**
   * The handler's source file.
   * @default the operations Lambda (src/lambda/ops/index.ts)
   */
  readonly entry?: string;
}

/** What every operations Lambda is told about its environment (read by `resourcesFromEnvironment`). */
export interface OpsEnvironment {
  readonly environmentName: string;
  /** The environment's database identifier, which is also its stage name (`<app>-<env>`). */
  readonly databaseId: string;
  readonly stateTableName: string;
  readonly metricNamespace: string;
  readonly configured: ConfiguredCapacity;
}

/** The variables every operations Lambda gets; callers add their own (services, pipeline...). */
export function opsVariables(env: OpsEnvironment): Record<string, string> {
  return {
    [V.environment]: env.environmentName,
    [V.stage]: env.databaseId,
    [V.databaseId]: env.databaseId,
    [V.stateTable]: env.stateTableName,
    [V.metricNamespace]: env.metricNamespace,
    [V.configuredCapacity]: JSON.stringify(env.configured),
  };
}

/** Access to the environment's state table (record, lock, journal): the table only. */
export function stateTableStatement(stack: Stack, tableName: string, actions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [...actions],
    resources: [`arn:${stack.partition}:dynamodb:${stack.region}:${stack.account}:table/${tableName}`],
  });
}

/** The operations library as a Lambda, with a role written out in full. */
export class OpsFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: OpsFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    for (const statement of props.statements) this.role.addToPolicy(statement);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry ?? OPS_LAMBDA_ENTRY,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout,
      role: this.role,
      logGroup,
      environment: { ...props.environment },
      bundling: {
        externalModules: ['@aws-sdk/*'],
        minify: true,
        sourceMap: false,
        target: 'node22',
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
  }
}
