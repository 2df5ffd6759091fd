import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { CapacityMix } from '../../config/types';

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
