import type { EnvironmentConfig, IngressConfig, IngressKind } from './types';

/** The ingress kinds config accepts. */
export const INGRESS_KINDS: readonly IngressKind[] = ['alb', 'http-api'];

/** An HTTP API stage's throttling when config gives none: 50 requests a second, bursts of 100. */
export const DEFAULT_HTTP_API_THROTTLE = { ratePerSecond: 50, burst: 100 } as const;

/** The environment's ingress with its defaults: the ALB when `ingress` is absent. */
export function ingressOf(env: Pick<EnvironmentConfig, 'ingress'>): Required<IngressConfig> {
  const kind = env.ingress?.kind ?? 'alb';
  return { kind, throttle: env.ingress?.throttle ?? DEFAULT_HTTP_API_THROTTLE };
}

/** Whether the environment's API is behind an Application Load Balancer. */
export function usesLoadBalancer(env: Pick<EnvironmentConfig, 'ingress'>): boolean {
  return ingressOf(env).kind === 'alb';
}
