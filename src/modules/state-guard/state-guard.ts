import { CustomResource, Duration, Stack, Tags, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CUSTOM_METRICS_TAG } from '../../cost/estimator';
import type { DeployedStructure } from '../../config/types';
import { GUARD_METRIC } from '../../ops/contracts';
import { acknowledgeFindings } from '../../quality/acknowledge';
import type { ConfiguredCapacity } from '../../ops/resources';
import { OpsFunction, opsVariables, stateTableStatement } from './ops-function';

export interface StateGuardProps {
  /** The environment's name, e.g. `dev`. */
  readonly environmentName: string;
  /** Identifier of the RDS instance the guard keeps stopped, e.g. `booking-dev`. */
  readonly databaseId: string;
  /** The state table (contracts.stateTableName), in the ops stack. */
  readonly stateTableName: string;
  /** What this deploy builds: the gate refuses `minimal` until `booking-infra minimal` ran. */
  readonly structure: DeployedStructure;
  /**
   * What this deploy does to the database, for the gate: whether the template has the instance
   * (`none`: minimal with `database.whileMinimal: 'snapshot'` deletes it) and the snapshot it is
   * created from ('' for an empty one). Make the instance depend on `structureGate`.
   */
  readonly database: {
    readonly instance: 'present' | 'none';
    readonly restoreFrom: string;
    /** `database.engineVersion`: a restore from an upgraded snapshot needs at least its version. */
    readonly engineVersion: string;
  };
  /** The configured scaling bounds of web and worker (config minTasks / maxTasks), resolved by deploys. */
  readonly configured: ConfiguredCapacity;
  /** CloudWatch namespace of the guard's metric (the app name): one custom metric, 0.30 USD/month. */
  readonly metricNamespace: string;
  /** Where the "database running while paused" alarm (0.10 USD/month) goes. */
  readonly alarmTopic: sns.ITopic;
  /**
   * How often the guard checks, besides RDS start events.
   * @default 5 minutes
   */
  readonly interval?: Duration;
  /**
   * Days the guard's log group keeps its logs (a value CloudWatch Logs accepts). Stored logs cost
   * 0.0315 USD per GB-month.
   */
  readonly logRetentionDays: number;
}

/**
 * The guard: AWS starts a stopped RDS instance after seven days, and a stop can be missed while
 * the instance is busy (backing up, in maintenance). A small Lambda (the CLI's own library) runs
 * on every RDS start event and every five minutes: while the environment is recorded paused or
 * minimal and no transition holds the lock, it stops an available database and leaves a busy one
 * for its next run. It reports 1 or 0 as a metric; an alarm fires when the database has not been
 * stopped for an hour while recorded paused, or when the guard stops reporting.
 *
 * The same function answers two CloudFormation custom resources: the scaling bounds of the app
 * stack's services (resolved from the state record) and this stack's structure gate.
 */
export class StateGuard extends Construct {
  public readonly ops: OpsFunction;
  public readonly alarm: cloudwatch.Alarm;
  /** The custom resource's service token: the guard function. */
  public readonly serviceToken: string;
  /**
   * The gate on the structure and the database (deploy-gate `checkStructure`): resources that must
   * not change before it has passed (the database instance) depend on it.
   */
  public readonly structureGate: CustomResource;

  constructor(scope: Construct, id: string, props: StateGuardProps) {
    super(scope, id);
    Tags.of(this).add('module', 'state-guard');
    const stack = Stack.of(this);
    const databaseArn = `arn:${stack.partition}:rds:${stack.region}:${stack.account}:db:${props.databaseId}`;
    const minimalSnapshotsArn = `arn:${stack.partition}:rds:${stack.region}:${stack.account}:snapshot:${props.databaseId}-minimal-*`;
    const interval = props.interval ?? Duration.minutes(5);
    this.ops = new OpsFunction(this, 'Guard', {
      description: `Keeps ${props.databaseId} stopped while ${props.environmentName} is paused; resolves deploy bounds from the state record`,
      environment: opsVariables(props),
      timeout: Duration.minutes(1),
      logRetentionDays: props.logRetentionDays,
      statements: [
        new iam.PolicyStatement({
          actions: ['rds:DescribeDBInstances', 'rds:StopDBInstance'],
          resources: [databaseArn],
        }),
        // The structure gate: whether the snapshot `minimal` took (`<id>-minimal-<time>`) holds the
        // data before a deploy deletes or restores the instance. Both custom resources: whether
        // their stack is rolling back (the previous template is then let through).
        new iam.PolicyStatement({
          actions: ['rds:DescribeDBSnapshots'],
          resources: [minimalSnapshotsArn],
        }),
        // Its own stack (the gate) and the app stack (the service bounds), by name: a reference to
        // the app stack would make the stacks depend on each other.
        new iam.PolicyStatement({
          actions: ['cloudformation:DescribeStacks'],
          resources: [
            stack.stackId,
            `arn:${stack.partition}:cloudformation:${stack.region}:${stack.account}:stack/${props.databaseId}-app/*`,
          ],
        }),
        stateTableStatement(stack, props.stateTableName, ['dynamodb:GetItem', 'dynamodb:PutItem']),
      ],
    });
    const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    acknowledgeFindings(
      this.ops.role,
      'AwsSolutions::AwsSolutions-IAM5',
      [`Resource::arn:${partition}:rds:${stack.region}:${stack.account}:snapshot:${props.databaseId}-minimal-*`],
      "Read-only (rds:DescribeDBSnapshots) on this environment's own minimal snapshots, whose names carry the time minimal ran: the gate checks the one the state record names",
    );
    acknowledgeFindings(
      this.ops.role,
      'AwsSolutions::AwsSolutions-IAM5',
      [`Resource::arn:${partition}:cloudformation:${stack.region}:${stack.account}:stack/${props.databaseId}-app/*`],
      "Read-only (cloudformation:DescribeStacks) on this environment's app stack by name: a stack ARN ends in an id CloudFormation makes, and a reference to it would make the stacks depend on each other",
    );
    this.serviceToken = this.ops.function.functionArn;
    // DatabaseNotStoppedWhilePaused, published by the guard on every run.
    Tags.of(this.ops.function).add(CUSTOM_METRICS_TAG, '1');

    const target = new targets.LambdaFunction(this.ops.function, { retryAttempts: 2 });
    new events.Rule(this, 'DatabaseStarted', {
      description: `${props.databaseId} was started (RDS-EVENT-0154: after 7 days stopped; RDS-EVENT-0088: started)`,
      eventPattern: {
        source: ['aws.rds'],
        detailType: ['RDS DB Instance Event'],
        detail: { SourceIdentifier: [props.databaseId], EventID: ['RDS-EVENT-0154', 'RDS-EVENT-0088'] },
      },
      targets: [target],
    });
    new events.Rule(this, 'Timer', {
      description: `Checks every ${interval.toMinutes()} min that ${props.databaseId} is stopped while ${props.environmentName} is paused`,
      schedule: events.Schedule.rate(interval),
      targets: [target],
    });

    const periods = Math.ceil(60 / interval.toMinutes());
    this.alarm = new cloudwatch.Alarm(this, 'DatabaseRunningWhilePaused', {
      alarmName: `${props.databaseId}-running-while-paused`,
      alarmDescription: `${props.environmentName} is recorded paused or minimal but its database has not been stopped for an hour (or the guard stopped reporting): check "npx booking-infra status ${props.environmentName}"`,
      metric: new cloudwatch.Metric({
        namespace: props.metricNamespace,
        metricName: GUARD_METRIC.name,
        dimensionsMap: { [GUARD_METRIC.dimension]: props.environmentName },
        statistic: 'Maximum',
        period: interval,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      // A guard that stopped reporting is as bad as a database left running.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));

    this.structureGate = new CustomResource(this, 'Structure', {
      serviceToken: this.serviceToken,
      resourceType: 'Custom::EnvironmentStructure',
      properties: {
        Structure: props.structure,
        DatabaseInstance: props.database.instance,
        RestoreFrom: props.database.restoreFrom,
        EngineVersion: props.database.engineVersion,
      },
    });
  }
}
