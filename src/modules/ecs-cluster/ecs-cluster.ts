import { type CfnElement, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../../quality/acknowledge';

export interface EcsClusterProps {
  /** The environment's VPC. */
  readonly vpc: ec2.IVpc;
  /** Cluster name, e.g. `booking-dev`; also names the exec log group `/<name>/ecs-exec`. */
  readonly clusterName: string;
  /**
   * Container Insights metrics: billed per task and service as CloudWatch metrics (the price
   * table has no sourced rate for them).
   */
  readonly containerInsights: boolean;
  /**
   * Days CloudWatch Logs keeps the ECS Exec session logs (a value it accepts). Stored logs cost
   * 0.0315 USD per GB-month.
   */
  readonly logRetentionDays: number;
}

/**
 * The seed's ECS cluster module: Fargate and Fargate Spot capacity providers, Container Insights
 * by config, ECS Exec with every session's input and output logged to CloudWatch.
 */
export class EcsCluster extends Construct {
  public readonly cluster: ecs.Cluster;
  public readonly execLogGroup: logs.LogGroup;
  /**
   * The cdk-nag finding a task role gets for writing ECS Exec session logs to this group's
   * streams (`<group arn>:*`), for tasks to acknowledge by name.
   */
  public readonly execLogStreamsFinding: string;

  constructor(scope: Construct, id: string, props: EcsClusterProps) {
    super(scope, id);
    Tags.of(this).add('module', 'ecs-cluster');
    this.execLogGroup = new logs.LogGroup(this, 'ExecLogs', {
      logGroupName: `/${props.clusterName}/ecs-exec`,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stack = Stack.of(this);
    const logicalId = stack.getLogicalId(this.execLogGroup.node.defaultChild as CfnElement);
    this.execLogStreamsFinding = `Resource::arn:aws:logs:${stack.region}:${stack.account}:log-group:<${logicalId}>:*`;
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      clusterName: props.clusterName,
      enableFargateCapacityProviders: true,
      containerInsightsV2: props.containerInsights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED,
      executeCommandConfiguration: {
        logging: ecs.ExecuteCommandLogging.OVERRIDE,
        logConfiguration: { cloudWatchLogGroup: this.execLogGroup },
      },
    });
    if (!props.containerInsights) {
      acknowledge(
        this.cluster,
        'AwsSolutions::AwsSolutions-ECS4',
        'Container Insights is off by config (compute.containerInsights): its per-task metrics are billed as custom metrics; the load balancer alarms and service metrics cover this size of platform',
      );
    }
  }
}
