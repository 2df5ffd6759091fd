import { validateConfig } from './config/validate';
import type { PlatformConfig } from './config/types';
import { type BuiltApp, createPlatformApp } from './platform';

export type { BuiltApp } from './platform';

export interface BuildAppOptions {
  /** Where `app.synth()` writes the cloud assembly. @default a temporary directory */
  readonly outdir?: string;
  /**
   * Environments whose deploy creates their services (the first one): the services start at
   * zero tasks, since no image has been released yet. `BOOKING_FIRST_DEPLOY=dev` in bin/app.ts.
   * @default none
   */
  readonly firstDeploy?: readonly string[];
  /**
   * Leave Lambda code unbundled (templates and gates are unchanged; the assets are not built).
   * For tests that only read templates. @default false
   */
  readonly skipBundling?: boolean;
}

/**
 * Config in, CDK app out. Validates the whole configuration before any construct is built, so a
 * bad value fails with one line naming the field, the value and the fix; then builds the app once,
 * with every quality gate on (the budgets are committed config, kept at the estimate by a test).
 * Pure: reads no environment variables, files or network, so tests, the cost estimator and docs
 * synthesize in-process through it.
 */
export function buildApp(config: PlatformConfig, options: BuildAppOptions = {}): BuiltApp {
  validateConfig(config);
  for (const name of options.firstDeploy ?? []) {
    if (!config.environments.some((env) => env.name === name))
      throw new Error(
        `BOOKING_FIRST_DEPLOY names "${name}", which is not an environment (use one of: ${config.environments.map((env) => env.name).join(', ')})`,
      );
  }
  return createPlatformApp(config, {
    outdir: options.outdir,
    firstDeploy: options.firstDeploy,
    skipBundling: options.skipBundling,
  });
}
