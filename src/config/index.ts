import { dev } from './dev';
import { prod } from './prod';
import { shared } from './shared';
import type { EnvironmentConfig, PlatformConfig, SharedConfig } from './types';

export * from './types';
export { DEFAULT_HTTP_API_THROTTLE, INGRESS_KINDS, ingressOf, usesLoadBalancer } from './ingress';
export { FARGATE_VARIABLES, PLATFORM_VARIABLES } from './platform-variables';
export { PRODUCTION_RISK_NAMES, PRODUCTION_RISKS, type ProductionRisk } from './production-risks';
export { ConfigValidationError, findConfigIssues, validateConfig } from './validate';

/** The application image repository's name: the adopted one's, or `appName` (created). */
export function imageRepositoryName(shared: Pick<SharedConfig, 'appName' | 'imageRepository'>): string {
  return shared.imageRepository?.mode === 'adopt' ? shared.imageRepository.name : shared.appName;
}

/** The project's environments as committed: the input `bin/` hands to `buildApp()`. */
export const platformConfig: PlatformConfig = { shared, environments: [dev, prod] };

/** The variable that overrides an environment's account id at deploy time, e.g. BOOKING_DEV_ACCOUNT. */
export function accountVariable(environmentName: string): string {
  return `BOOKING_${environmentName.toUpperCase().replace(/-/g, '_')}_ACCOUNT`;
}

/**
 * An account id that only stands in for a real one: twelve identical digits, as the committed
 * config has (111111111111). Fine offline; refused by every command that would reach AWS.
 */
export function isPlaceholderAccount(account: string): boolean {
  return /^(\d)\1{11}$/.test(account);
}

/** The variable that overrides every account id (shared stacks and all environments). */
export const ACCOUNT_VARIABLE = 'BOOKING_ACCOUNT';

/**
 * Returns `config` with its account ids replaced from variables, so one committed config deploys
 * to a user's own account: BOOKING_ACCOUNT sets them all, BOOKING_<NAME>_ACCOUNT one environment.
 * Pure: the caller passes the variables (only `bin/` and the CLI read process.env).
 */
export function withAccountOverrides(
  config: PlatformConfig,
  variables: Readonly<Record<string, string | undefined>>,
): PlatformConfig {
  const everywhere = variables[ACCOUNT_VARIABLE];
  return {
    ...config,
    shared: everywhere ? { ...config.shared, account: everywhere } : config.shared,
    environments: config.environments.map((env): EnvironmentConfig => {
      const account = variables[accountVariable(env.name)] ?? everywhere;
      return account ? { ...env, account } : env;
    }),
  };
}

/** Finds an environment by name, or throws naming the ones that exist. */
export function environmentNamed(config: PlatformConfig, name: string): EnvironmentConfig {
  const env = config.environments.find((candidate) => candidate.name === name);
  if (!env) {
    const known = config.environments.map((candidate) => candidate.name).join(', ');
    throw new Error(`unknown environment "${name}" (use one of: ${known})`);
  }
  return env;
}
