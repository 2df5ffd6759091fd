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
  readonly cluster: ecs.ICluster;
  readonly serviceName: string;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly config: ServiceConfig;
  /** The `paused` state: zero tasks and zero bounds. */
  readonly paused: boolean;
  readonly subnets: ec2.SubnetSelection;
  readonly assignPublicIp: boolean;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly healthCheckGracePeriod?: Duration;
}

/** The service's scaling bounds in the environment's state. */
export function serviceBounds(props: Pick<AppServiceProps, 'config' | 'paused'>): {
  minTasks: number;
  maxTasks: number;
} {
  return props.paused
    ? { minTasks: 0, maxTasks: 0 }
    : { minTasks: props.config.minTasks, maxTasks: props.config.maxTasks };
}

/**
 * A Fargate service that deploys safely: never below the running count (100% / 200%), the
 * circuit breaker rolling a failed deploy back, the configured Spot mix, and ECS Exec.
 */
export function appService(scope: Construct, id: string, props: AppServiceProps): ecs.FargateService {
  return new ecs.FargateService(scope, id, {
    cluster: props.cluster,
    serviceName: props.serviceName,
    taskDefinition: props.taskDefinition,
    desiredCount: serviceBounds(props).minTasks,
    vpcSubnets: props.subnets,
    assignPublicIp: props.assignPublicIp,
    securityGroups: [props.securityGroup],
    capacityProviderStrategies: capacityStrategy(props.config.capacity),
    circuitBreaker: { enable: true, rollback: true },
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    healthCheckGracePeriod: props.healthCheckGracePeriod,
    enableExecuteCommand: true,
    propagateTags: ecs.PropagatedTagSource.SERVICE,
  });
}
