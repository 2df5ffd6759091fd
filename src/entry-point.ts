import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp } from './app';
import { ConfigValidationError, platformConfig, withAccountOverrides } from './config';
import type { PlatformConfig } from './config/types';
import { synthesize } from './quality/synthesize';

/** What the entry points (`npm start`, `npx cdk`) read from the environment. */
export interface EntryPointSettings {
  readonly config: PlatformConfig;
  /** BOOKING_FIRST_DEPLOY=dev[,prod]: environments whose services this deploy creates. */
  readonly firstDeploy: readonly string[];
}

/**
 * The committed configuration with the variables every entry point honours applied:
 * BOOKING_ACCOUNT / BOOKING_<ENV>_ACCOUNT (account ids) and BOOKING_FIRST_DEPLOY. Entry points
 * read the environment; buildApp() does not.
 */
export function entryPointSettings(variables: Readonly<Record<string, string | undefined>>): EntryPointSettings {
  return {
    config: withAccountOverrides(platformConfig, variables),
    firstDeploy: (variables.BOOKING_FIRST_DEPLOY ?? '').split(',').filter(Boolean),
  };
}

/**
 * Runs an entry point's work; a configuration mistake prints one line per mistake (field, value,
 * fix) and sets exit code 2, with no stack trace. Anything else is a bug and propagates.
 */
export function reportingConfigErrors(work: () => void, print: (line: string) => void = console.error): void {
  try {
    work();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    print(error.message);
    process.exitCode = 2;
  }
}

/**
 * What bin/app.ts (`npx cdk synth|deploy`) does with its environment `variables`: the committed
 * configuration with the overrides above, built and synthesized with every quality gate on into
 * CDK_OUTDIR (where the CDK CLI asks for it). Returns the cloud assembly, or undefined after a
 * configuration mistake (printed, one line each; exit code 2).
 */
export function synthesizeEntryPoint(
  variables: Readonly<Record<string, string | undefined>>,
  print: (line: string) => void = console.error,
): CloudAssembly | undefined {
  let assembly: CloudAssembly | undefined;
  reportingConfigErrors(() => {
    const { config, firstDeploy } = entryPointSettings(variables);
    assembly = synthesize(buildApp(config, { firstDeploy, outdir: variables.CDK_OUTDIR }).app);
  }, print);
  return assembly;
}
