import { Duration, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { WebConfig } from '../../config/types';
import { acknowledgeTaskFindings, AppTask, type AppRuntime } from '../app-task/app-task';
import { appService, serviceBounds } from '../app-task/app-service';

export interface WebServiceProps {
  readonly cluster: ecs.ICluster;
  readonly runtime: AppRuntime;
  readonly config: WebConfig;
  readonly appPort: number;
  /** Scaling bounds and desired count are 0 (the `paused` state). */
  readonly paused: boolean;
  readonly subnets: ec2.SubnetSelection;
  readonly assignPublicIp: boolean;
  /** The networking module's web-task group (imported unmodifiable). */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** e.g. `booking-dev`. */
  readonly name: string;
  readonly logPrefix: string;
}

/**
 * The seed's ECS service module for the Django web app: rolling deploys that never drop below
 * the running count (100% / 200%) with the circuit breaker rolling back a failed deploy, scaling
 * on CPU and on requests per task, a Spot / on-demand mix, and ECS Exec.
 */
export class WebService extends Construct {
  public readonly task: AppTask;
  public readonly service: ecs.FargateService;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    Tags.of(this).add('module', 'web-service');
    const { config } = props;
    this.task = new AppTask(this, 'Task', {
      runtime: props.runtime,
      role: 'web',
      logPrefix: props.logPrefix,
      cpu: config.cpu,
      memoryMiB: config.memoryMiB,
      command: config.command,
      withPgBouncer: true,
      appPort: props.appPort,
    });
    const { minTasks, maxTasks } = serviceBounds(props);
    this.service = appService(this, 'Service', {
      ...props,
      serviceName: `${props.name}-web`,
      taskDefinition: this.task.taskDefinition,
      healthCheckGracePeriod: Duration.seconds(60),
    });
    this.service.attachToApplicationTargetGroup(props.targetGroup);

    const scaling = this.service.autoScaleTaskCount({ minCapacity: minTasks, maxCapacity: maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: config.cpuTargetPercent,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: config.requestsPerTaskPerMinute,
      targetGroup: props.targetGroup,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    acknowledgeTaskFindings(this.task);
  }
}
