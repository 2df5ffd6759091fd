import { Duration, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { ScheduleConfig } from '../../config/types';
import { acknowledgeFindings } from '../../quality/acknowledge';
import { OpsFunction } from '../state-guard/ops-function';

export interface EnvironmentScheduleProps {
  readonly environmentName: string;
  readonly schedule: ScheduleConfig;
  readonly databaseId: string;
  readonly clusterName: string;
  readonly webServiceName: string;
  readonly workerServiceName: string;
  readonly serviceArns: readonly string[];
  readonly targetGroupArn: string;
  readonly stateParameterName: string;
  readonly logRetentionDays: number;
}

/**
 * Pauses and resumes the environment on a schedule (e.g. nights and weekends in Europe/London)
 * with EventBridge Scheduler invoking the same pause / resume logic as the CLI.
 */
export class EnvironmentSchedule extends Construct {
  public readonly ops: OpsFunction;

  constructor(scope: Construct, id: string, props: EnvironmentScheduleProps) {
    super(scope, id);
    Tags.of(this).add('module', 'schedule');
    const stack = Stack.of(this);
    const arn = (service: string, resource: string) =>
      `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
    this.ops = new OpsFunction(this, 'Operator', {
      description: `Pauses and resumes ${props.environmentName} on its schedule`,
      environment: {
        ENVIRONMENT: props.environmentName,
        DATABASE_ID: props.databaseId,
        CLUSTER: props.clusterName,
        WEB_SERVICE: props.webServiceName,
        WORKER_SERVICE: props.workerServiceName,
        TARGET_GROUP_ARN: props.targetGroupArn,
        STATE_PARAMETER: props.stateParameterName,
      },
      timeout: Duration.minutes(15),
      logRetentionDays: props.logRetentionDays,
      statements: [
        new iam.PolicyStatement({
          actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
          resources: [...props.serviceArns],
        }),
        new iam.PolicyStatement({
          // Application Auto Scaling and target health offer no resource-level permissions here.
          actions: [
            'application-autoscaling:DescribeScalableTargets',
            'application-autoscaling:RegisterScalableTarget',
            'elasticloadbalancing:DescribeTargetHealth',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          actions: ['rds:DescribeDBInstances', 'rds:StopDBInstance', 'rds:StartDBInstance'],
          resources: [arn('rds', `db:${props.databaseId}`)],
        }),
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter', 'ssm:PutParameter'],
          resources: [arn('ssm', `parameter${props.stateParameterName}`)],
        }),
      ],
    });
    acknowledgeFindings(
      this.ops.role,
      'AwsSolutions::AwsSolutions-IAM5',
      ['Resource::*'],
      'application-autoscaling:DescribeScalableTargets/RegisterScalableTarget and elasticloadbalancing:DescribeTargetHealth offer no resource-level permissions for these calls',
    );

    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    // The unqualified function only (grantInvoke would add every version, `<arn>:*`).
    schedulerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.ops.function.functionArn] }),
    );
    for (const action of ['pause', 'resume'] as const) {
      new scheduler.CfnSchedule(this, action === 'pause' ? 'Pause' : 'Resume', {
        description: `${action} ${props.environmentName}`,
        scheduleExpression: props.schedule[action],
        scheduleExpressionTimezone: props.schedule.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: this.ops.function.functionArn,
          roleArn: schedulerRole.roleArn,
          input: JSON.stringify({ action }),
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        },
      });
    }
  }
}
