import { Duration, Tags } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import type { WorkerConfig } from '../../config/types';
import { acknowledgeTaskFindings, AppTask, type AppRuntime } from '../app-task/app-task';
import { appService } from '../app-task/app-service';
import { ServiceBounds } from '../state-guard/service-bounds';
import { addScheduledMinimums } from '../app-task/scheduled-minimums';

export interface WorkerServiceProps {
  /** The environment's ECS cluster. */
  readonly cluster: ecs.ICluster;
  /** Image, environment, secrets, database and log retention, shared with web and migrate. */
  readonly runtime: AppRuntime;
  /**
   * Size, bounds, capacity mix, queues and scaling step of the worker. A task costs 0.03725 USD
   * per vCPU-hour and 0.00409 USD per GB-hour on arm64 in London (x86_64: 0.04656 and 0.00511),
   * e.g. 256 CPU units with 1024 MiB: 9.78 USD/month running all month; with `minTasks` 0 the
   * worker runs only while messages wait.
   */
  readonly config: WorkerConfig;
  /** Resolves the scaling bounds from the state record at deploy time (StateGuard.serviceToken). */
  readonly boundsServiceToken: string;
  /** IANA time zone of the scheduled minimums (`compute.timezone`). */
  readonly timezone: string;
  /**
   * This deploy creates the service: start it at zero tasks with bounds 0..0.
   * @default false
   */
  readonly firstDeploy?: boolean;
  /** ECS Exec in the service's tasks (`compute.ecsExec`; off in production unless accepted). */
  readonly ecsExec: boolean;
  /** Subnets the tasks run in (the networking module's task subnets). */
  readonly subnets: ec2.SubnetSelection;
  /**
   * Give each task a public IPv4 address (`public` egress, no NAT gateway): 0.005 USD per
   * address-hour, 3.65 USD/month per task running all month.
   */
  readonly assignPublicIp: boolean;
  /** The networking module's worker group (imported unmodifiable): nothing in. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Messages waiting (QueueMetrics.backlog): drives scaling. */
  readonly backlog: cloudwatch.IMetric;
  /** Environment prefix, e.g. `booking-dev`: the service is `<name>-worker`, its alarms `<name>-worker-*`. */
  readonly name: string;
  /** Log group name prefix, e.g. `/booking/dev`: logs go to `<prefix>/worker`. */
  readonly logPrefix: string;
}

/**
 * The seed's worker module: Dramatiq on the same image with its own command, no load balancer,
 * a process-based health check, a long stop timeout so jobs finish on scale-in and deploys, and
 * scaling on the queue backlog: out as soon as one message waits (from zero too), one more task
 * per `messagesPerTask` waiting, back to the minimum after ten drained minutes.
 */
export class WorkerService extends Construct {
  public readonly task: AppTask;
  public readonly service: ecs.FargateService;
  public readonly scalingTarget: appscaling.ScalableTarget;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);
    Tags.of(this).add('module', 'worker-service');
    const { config } = props;
    this.task = new AppTask(this, 'Task', {
      runtime: props.runtime,
      role: 'worker',
      logPrefix: props.logPrefix,
      cpu: config.cpu,
      memoryMiB: config.memoryMiB,
      command: config.command,
      withPgBouncer: true,
      traced: true,
      healthCheckCommand: config.healthCheckCommand,
      stopTimeout: Duration.seconds(config.stopTimeoutSeconds),
    });
    const bounds = new ServiceBounds(this, 'Bounds', {
      serviceToken: props.boundsServiceToken,
      role: 'worker',
      minTasks: config.minTasks,
      maxTasks: config.maxTasks,
      firstDeploy: props.firstDeploy,
      scheduledMinimums: config.scheduledMinimums?.length ? JSON.stringify(config.scheduledMinimums) : undefined,
    });
    this.service = appService(this, 'Service', {
      ...props,
      serviceName: `${props.name}-worker`,
      taskDefinition: this.task.taskDefinition,
    });
    // Resolve first: a deploy refused by the state record starts no task.
    this.service.node.addDependency(bounds);

    this.scalingTarget = new appscaling.ScalableTarget(this, 'Scaling', {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.cluster.clusterName}/${this.service.serviceName}`,
      minCapacity: bounds.minCapacity,
      maxCapacity: bounds.maxCapacity,
    });
    this.scalingTarget.node.addDependency(this.service);
    addScheduledMinimums(this.scalingTarget, bounds, config.scheduledMinimums ?? [], config.minTasks, props.timezone);

    // The steps are shaped by the configured bounds; while paused the 0..0 bounds clamp them.
    this.addQueueScaling(props.backlog, config.minTasks, config.maxTasks, config.messagesPerTask, props.name);
    acknowledgeTaskFindings(this.task);
  }

  /** Step scaling on the backlog, in exact task counts. */
  private addQueueScaling(
    backlog: cloudwatch.IMetric,
    minTasks: number,
    maxTasks: number,
    messagesPerTask: number,
    name: string,
  ): void {
    // Bounds are relative to the alarm threshold (1 message): backlog 1..m-1 -> 1 task, m..2m-1 -> 2, ...
    const scaleOut = new appscaling.StepScalingAction(this, 'ScaleOutOnBacklog', {
      scalingTarget: this.scalingTarget,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: Duration.seconds(60),
    });
    for (let tasks = 1; tasks <= maxTasks; tasks++) {
      scaleOut.addAdjustment({
        lowerBound: (tasks - 1) * messagesPerTask - (tasks === 1 ? 0 : 1),
        upperBound: tasks === maxTasks ? undefined : tasks * messagesPerTask - 1,
        adjustment: Math.max(tasks, minTasks),
      });
    }
    const waiting = new cloudwatch.Alarm(this, 'MessagesWaiting', {
      alarmName: `${name}-worker-messages-waiting`,
      alarmDescription: 'Dramatiq messages are waiting: scale the workers out (from zero too)',
      metric: backlog,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    waiting.addAlarmAction(new cwActions.ApplicationScalingAction(scaleOut));

    const scaleIn = new appscaling.StepScalingAction(this, 'ScaleInWhenDrained', {
      scalingTarget: this.scalingTarget,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: Duration.minutes(5),
    });
    scaleIn.addAdjustment({ upperBound: 0, adjustment: minTasks });
    const drained = new cloudwatch.Alarm(this, 'QueuesDrained', {
      alarmName: `${name}-worker-queues-drained`,
      alarmDescription: 'No message has waited for 10 minutes: scale the workers in to the minimum',
      metric: backlog,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 10,
      datapointsToAlarm: 10,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    drained.addAlarmAction(new cwActions.ApplicationScalingAction(scaleIn));
  }
}
