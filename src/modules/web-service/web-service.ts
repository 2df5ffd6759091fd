import { Duration, Tags } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { withAppPort } from '../../config/application';
import type { WebConfig } from '../../config/types';
import { acknowledgeTaskFindings, AppTask, type AppRuntime } from '../app-task/app-task';
import { appService } from '../app-task/app-service';
import { ServiceBounds } from '../state-guard/service-bounds';
import { addScheduledMinimums } from '../app-task/scheduled-minimums';

export interface WebServiceProps {
  /** The environment's ECS cluster. */
  readonly cluster: ecs.ICluster;
  /** Image, environment, secrets, database and log retention, shared with worker and migrate. */
  readonly runtime: AppRuntime;
  /**
   * Size, bounds, capacity mix, command and scaling targets of the web service. A task costs
   * 0.03725 USD per vCPU-hour and 0.00409 USD per GB-hour on arm64 in London (x86_64: 0.04656 and
   * 0.00511), e.g. 256 CPU units with 1024 MiB: 9.78 USD/month, 512 with 1024 MiB: 16.58 USD/month
   * running all month on regular Fargate (Spot tasks cost less); at least `minTasks` of them run
   * while the environment is running.
   */
  readonly config: WebConfig;
  /** `compute.appPort`: the container's port, the target port, and `{appPort}` in the command. */
  readonly appPort: number;
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
   * address-hour, 3.65 USD/month per task running all month in London.
   */
  readonly assignPublicIp: boolean;
  /** The networking module's web-task group (imported unmodifiable). */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The load balancer's target group the tasks register in (`ingress: alb`); its request count
   * also drives scaling with `requestsPerTaskPerMinute`.
   * @default none: the tasks register in `discovery` instead
   */
  readonly targetGroup?: elbv2.ApplicationTargetGroup;
  /**
   * `ingress: http-api`: the Cloud Map namespace the tasks register in (SRV records: address and
   * app port), which the HTTP API's VPC link integration discovers them by. ECS registers a task
   * once its container health check passes and deregisters it when it fails or stops. 0.10 USD
   * per registered task-month.
   * @default none
   */
  readonly discovery?: servicediscovery.INamespace;
  /** Environment prefix, e.g. `booking-dev`: the service is `<name>-web`. */
  readonly name: string;
  /** Log group name prefix, e.g. `/booking/dev`: logs go to `<prefix>/web`. */
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
  /** The Cloud Map service the tasks register in (with `discovery`). */
  public readonly discoveryService?: servicediscovery.Service;

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
      command: withAppPort(config.command, props.appPort),
      withPgBouncer: true,
      traced: true,
      appPort: props.appPort,
      healthCheckCommand:
        config.healthCheckCommand === undefined
          ? undefined
          : withAppPort([config.healthCheckCommand], props.appPort)[0],
    });
    const bounds = new ServiceBounds(this, 'Bounds', {
      serviceToken: props.boundsServiceToken,
      role: 'web',
      minTasks: config.minTasks,
      maxTasks: config.maxTasks,
      firstDeploy: props.firstDeploy,
      scheduledMinimums: config.scheduledMinimums?.length ? JSON.stringify(config.scheduledMinimums) : undefined,
    });
    this.service = appService(this, 'Service', {
      ...props,
      serviceName: `${props.name}-web`,
      taskDefinition: this.task.taskDefinition,
      healthCheckGracePeriod: Duration.seconds(60),
    });
    // Resolve first: a deploy refused by the state record starts no task.
    this.service.node.addDependency(bounds);
    if (props.targetGroup) this.service.attachToApplicationTargetGroup(props.targetGroup);
    if (props.discovery) {
      this.discoveryService = this.service.enableCloudMap({
        cloudMapNamespace: props.discovery,
        name: 'web',
        dnsRecordType: servicediscovery.DnsRecordType.SRV,
        dnsTtl: Duration.seconds(10),
        container: this.task.app,
        containerPort: props.appPort,
      });
    }

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: bounds.minCapacity,
      maxCapacity: bounds.maxCapacity,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: config.cpuTargetPercent,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    if (props.targetGroup && config.requestsPerTaskPerMinute !== undefined) {
      scaling.scaleOnRequestCount('Requests', {
        requestsPerTarget: config.requestsPerTaskPerMinute,
        targetGroup: props.targetGroup,
        scaleInCooldown: Duration.minutes(5),
        scaleOutCooldown: Duration.minutes(1),
      });
    }
    addScheduledMinimums(
      scaling.node.findChild('Target') as appscaling.ScalableTarget,
      bounds,
      config.scheduledMinimums ?? [],
      config.minTasks,
      props.timezone,
    );
    if (config.predictiveScaling) {
      // Forecasts from the service's own CPU (published without Container Insights), aiming at the
      // target tracking's utilisation; capacity above maxTasks is never forecast into being.
      const predictive = new appscaling.CfnScalingPolicy(this, 'Predictive', {
        policyName: `${props.name}-web-predictive`,
        policyType: 'PredictiveScaling',
        serviceNamespace: 'ecs',
        scalableDimension: 'ecs:service:DesiredCount',
        resourceId: `service/${props.cluster.clusterName}/${this.service.serviceName}`,
        predictiveScalingPolicyConfiguration: {
          mode: config.predictiveScaling,
          schedulingBufferTime: 300,
          maxCapacityBreachBehavior: 'HonorMaxCapacity',
          metricSpecifications: [
            {
              targetValue: config.cpuTargetPercent,
              predefinedMetricPairSpecification: { predefinedMetricType: 'ECSServiceCPUUtilization' },
            },
          ],
        },
      });
      predictive.node.addDependency(scaling.node.findChild('Target'));
    }
    acknowledgeTaskFindings(this.task);
  }
}
