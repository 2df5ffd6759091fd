import { Duration, Stack, Tags } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { OpsFunction } from './ops-function';

export interface StateGuardProps {
  readonly environmentName: string;
  readonly databaseId: string;
  readonly stateParameterName: string;
  readonly logRetentionDays: number;
}

/**
 * The 7-day guard: AWS starts a stopped RDS instance after seven days. On that RDS event, a small
 * Lambda (the CLI's own library) stops the database again while the environment is recorded as
 * paused, and does nothing otherwise.
 */
export class StateGuard extends Construct {
  public readonly ops: OpsFunction;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: StateGuardProps) {
    super(scope, id);
    Tags.of(this).add('module', 'state-guard');
    const stack = Stack.of(this);
    const databaseArn = `arn:${stack.partition}:rds:${stack.region}:${stack.account}:db:${props.databaseId}`;
    this.ops = new OpsFunction(this, 'Guard', {
      description: `Stops ${props.databaseId} again when AWS restarts it while ${props.environmentName} is paused`,
      environment: {
        ENVIRONMENT: props.environmentName,
        DATABASE_ID: props.databaseId,
        STATE_PARAMETER: props.stateParameterName,
      },
      timeout: Duration.minutes(1),
      logRetentionDays: props.logRetentionDays,
      statements: [
        new iam.PolicyStatement({
          actions: ['rds:DescribeDBInstances', 'rds:StopDBInstance'],
          resources: [databaseArn],
        }),
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [
            `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${props.stateParameterName}`,
          ],
        }),
      ],
    });
    this.rule = new events.Rule(this, 'DatabaseStarted', {
      description: `${props.databaseId} was started (RDS-EVENT-0154: after 7 days stopped; RDS-EVENT-0088: started)`,
      eventPattern: {
        source: ['aws.rds'],
        detailType: ['RDS DB Instance Event'],
        detail: { SourceIdentifier: [props.databaseId], EventID: ['RDS-EVENT-0154', 'RDS-EVENT-0088'] },
      },
      targets: [new targets.LambdaFunction(this.ops.function, { retryAttempts: 2 })],
    });
  }
}
