import { INGRESS_KINDS, ingressOf } from '../ingress';
import type { EnvironmentConfig } from '../types';
import type { IssueCollector } from './issues';

/**
 * `ingress`, and what only the ALB offers: an HTTP API front door cannot carry a regional WAF web
 * ACL, has no target group to scale on requests per task or to write ALB access logs, and checks
 * no task's health, so the web container must check its own.
 */
export function validateIngress(env: EnvironmentConfig, issues: IssueCollector): void {
  if (env.ingress === undefined) return;
  const at = (field: string) => `${env.name}.${field}`;
  if (!issues.oneOf(at('ingress.kind'), env.ingress.kind, INGRESS_KINDS, 'an ingress kind')) return;
  const { kind } = ingressOf(env);
  if (kind === 'alb') {
    if (env.ingress.throttle !== undefined) {
      issues.add(
        at('ingress.throttle'),
        `${JSON.stringify(env.ingress.throttle)} is set, but throttling applies to the HTTP API only and ingress.kind is "alb" (remove it, or limit request rates with waf.rateLimitPer5Minutes)`,
      );
    }
    return;
  }
  const throttle = env.ingress.throttle;
  if (throttle !== undefined) {
    const rateOk = issues.integerIn(
      at('ingress.throttle.ratePerSecond'),
      throttle.ratePerSecond,
      1,
      10_000,
      ", API Gateway's default account quota",
    );
    const burstOk = issues.integerIn(
      at('ingress.throttle.burst'),
      throttle.burst,
      1,
      5_000,
      ", API Gateway's default account quota",
    );
    if (rateOk && burstOk && throttle.burst < throttle.ratePerSecond) {
      issues.add(
        at('ingress.throttle.burst'),
        `${throttle.burst} is below ratePerSecond ${throttle.ratePerSecond}: the bucket could never hold one second of the steady rate (make burst at least ${throttle.ratePerSecond})`,
      );
    }
  }
  if (env.waf?.enabled) {
    issues.add(
      at('waf.enabled'),
      `true needs ingress.kind "alb": the web ACL is regional and attaches to the load balancer, and an API Gateway HTTP API cannot carry one (set ingress.kind: 'alb', or waf.enabled: false and rely on ingress.throttle)`,
    );
  }
  if (env.compute.web.requestsPerTaskPerMinute !== undefined) {
    issues.add(
      at('compute.web.requestsPerTaskPerMinute'),
      `${env.compute.web.requestsPerTaskPerMinute} needs ingress.kind "alb": request-count scaling reads the load balancer's target group, which an HTTP API ingress has not (remove it: web scales on CPU, cpuTargetPercent)`,
    );
  }
  if (env.compute.loadBalancerAccessLogs) {
    issues.add(
      at('compute.loadBalancerAccessLogs'),
      `true needs ingress.kind "alb": there is no load balancer (set it false; the HTTP API keeps its own access logs in CloudWatch Logs)`,
    );
  }
  const check = env.compute.web.healthCheckCommand;
  if (check === undefined || check.trim() === '') {
    issues.add(
      at('compute.web.healthCheckCommand'),
      `${check === undefined ? 'is missing' : `${JSON.stringify(check)} is empty`} with ingress.kind "http-api": no load balancer checks /health/, so the web container must check itself or a hung task keeps receiving requests and the deployment circuit breaker cannot see a bad release (use WEB_HEALTH_CHECK from src/config/application.ts, which asks /health/ on the app port)`,
    );
  }
}
