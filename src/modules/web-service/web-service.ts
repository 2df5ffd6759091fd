import { Duration, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { WebConfig } from '../../config/types';
import { acknowledgeTaskFindings, AppTask, type AppRuntime } from '../app-task/app-task';
import { appService } from '../app-task/app-service';
import { ServiceBounds } from '../state-guard/service-bounds';

export interface WebServiceProps {
  readonly cluster: ecs.ICluster;
  readonly runtime: AppRuntime;
  readonly config: WebConfig;
  readonly appPort: number;
  /** Resolves the scaling bounds from the state record at deploy time (StateGuard.serviceToken). */
  readonly boundsServiceToken: string;
  /** This deploy creates the service: start it at zero tasks with bounds 0..0. @default false */
  readonly firstDeploy?: boolean;
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
    const bounds = new ServiceBounds(this, 'Bounds', {
      serviceToken: props.boundsServiceToken,
      role: 'web',
      minTasks: config.minTasks,
      maxTasks: config.maxTasks,
      firstDeploy: props.firstDeploy,
    });
    this.service = appService(this, 'Service', {
      ...props,
      serviceName: `${props.name}-web`,
      taskDefinition: this.task.taskDefinition,
      healthCheckGracePeriod: Duration.seconds(60),
    });
    // Resolve first: a deploy refused by the state record starts no task.
    this.service.node.addDependency(bounds);
    this.service.attachToApplicationTargetGroup(props.targetGroup);

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: bounds.minCapacity,
      maxCapacity: bounds.maxCapacity,
    });
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
