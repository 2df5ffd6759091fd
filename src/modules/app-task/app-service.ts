import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import type { CapacityMix, ServiceConfig } from '../../config/types';

/**
 * A capacity-provider strategy from the config's mix: `onDemandBase` tasks on FARGATE, then the
 * rest split by `spotPercent` between FARGATE_SPOT and FARGATE.
 */
export function capacityStrategy(mix: CapacityMix): ecs.CapacityProviderStrategy[] {
  const strategy: ecs.CapacityProviderStrategy[] = [];
  const onDemandWeight = 100 - mix.spotPercent;
  if (mix.onDemandBase > 0 || onDemandWeight > 0) {
    strategy.push({
      capacityProvider: 'FARGATE',
      base: mix.onDemandBase > 0 ? mix.onDemandBase : undefined,
      weight: onDemandWeight,
    });
  }
  if (mix.spotPercent > 0) strategy.push({ capacityProvider: 'FARGATE_SPOT', weight: mix.spotPercent });
  return strategy;
}

/** Where and how an application service runs; shared by web and worker. */
export interface AppServiceProps {
  /** The environment's ECS cluster. */
  readonly cluster: ecs.ICluster;
  /** Fixed service name, e.g. `booking-dev-web`: the CLI, the schedule and the pipeline find the service by it. */
  readonly serviceName: string;
  /** The task definition the service runs (an `AppTask`'s). */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /**
   * The service's configuration; only its capacity mix is read here (the on-demand base, then the
   * Spot percentage). Fargate Spot is ~70% cheaper than on-demand Fargate, which costs per task
   * 0.03725 USD per vCPU-hour and 0.00409 USD per GB-hour on arm64 in London (x86_64: 0.04656 and
   * 0.00511).
   */
  readonly config: ServiceConfig;
  /** Subnets the tasks run in (the networking module's task subnets). */
  readonly subnets: ec2.SubnetSelection;
  /**
   * Give each task a public IPv4 address (`public` egress, no NAT gateway): 0.005 USD per
   * address-hour, 3.65 USD/month per task running all month.
   */
  readonly assignPublicIp: boolean;
  /** The tasks' security group (the networking module's, imported unmodifiable). */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * How long after a task starts its failed load-balancer health checks are ignored (web).
   * @default none; the CDK sets 60 seconds when the service is attached to a load balancer
   */
  readonly healthCheckGracePeriod?: Duration;
  /**
   * Create the service at zero tasks (its first deploy, before an image exists).
   * @default false
   */
  readonly firstDeploy?: boolean;
  /**
   * ECS Exec (`compute.ecsExec`): a logged shell in a running task; the task role then gets the
   * ssmmessages channel and the exec log group. No charge beyond the logs.
   */
  readonly ecsExec: boolean;
}

/**
 * A Fargate service that deploys safely: never below the running count (100% / 200%), the
 * circuit breaker rolling a failed deploy back, the configured Spot mix, and ECS Exec where config allows it.
 *
 * The template has no DesiredCount: CloudFormation then starts a new service with one task and
 * leaves an existing service's count alone on every later deploy, so a release never undoes a
 * pause. The scaling bounds (ServiceBounds) keep the count where the state record says. Only
 * the deploy that creates the service with `firstDeploy` carries `DesiredCount: 0`; dropping it on
 * the next deploy leaves the count alone as well.
 */
export function appService(scope: Construct, id: string, props: AppServiceProps): ecs.FargateService {
  return new ecs.FargateService(scope, id, {
    cluster: props.cluster,
    serviceName: props.serviceName,
    taskDefinition: props.taskDefinition,
    desiredCount: props.firstDeploy ? 0 : undefined,
    vpcSubnets: props.subnets,
    assignPublicIp: props.assignPublicIp,
    securityGroups: [props.securityGroup],
    capacityProviderStrategies: capacityStrategy(props.config.capacity),
    circuitBreaker: { enable: true, rollback: true },
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    healthCheckGracePeriod: props.healthCheckGracePeriod,
    enableExecuteCommand: props.ecsExec,
    propagateTags: ecs.PropagatedTagSource.SERVICE,
  });
}
