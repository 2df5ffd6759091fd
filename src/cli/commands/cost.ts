import { existsSync } from 'node:fs';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { environmentNamed } from '../../config';
import {
  ENVIRONMENT_STATES,
  type EnvironmentConfig,
  type EnvironmentState,
  type PlatformConfig,
} from '../../config/types';
import { endpointBreakEven, formatBreakEven } from '../../cost/endpoint-break-even';
import { environmentStacks, estimateShared, estimateStacks, estimateStates } from '../../cost/environment-cost';
import type { CostEstimate } from '../../cost/estimator';
import { formatEstimate, formatMarkdown, formatStateTable, toReport } from '../../cost/format';
import { CliError } from '../errors';

export type CostFormat = 'table' | 'json' | 'markdown';

export interface CostOptions {
  /** A state, or `all` for every state. */
  readonly state: EnvironmentState | 'all';
  readonly format: CostFormat;
  /** Read an existing cloud assembly instead of synthesizing. */
  readonly assembly?: string;
}

/** Resolves environment names to configs (no names: every environment), failing with the names that exist. */
export function selectEnvironments(config: PlatformConfig, names: readonly string[]): EnvironmentConfig[] {
  if (names.length === 0) return [...config.environments];
  return names.map((name) => {
    try {
      return environmentNamed(config, name);
    } catch (error) {
      // The message names the environments that exist; the CLI prints it as one line.
      throw new CliError((error as Error).message);
    }
  });
}

/** Estimates from an existing cdk.out: only the state each environment was synthesized in. */
function estimatesFromAssembly(
  config: PlatformConfig,
  environments: readonly EnvironmentConfig[],
  directory: string,
  state: CostOptions['state'],
): CostEstimate[] {
  if (!existsSync(`${directory}/manifest.json`)) {
    throw new CliError(
      `--assembly ${directory}: no manifest.json there (run "npm start" or "npx cdk synth" first, or omit --assembly)`,
    );
  }
  const assembly = new CloudAssembly(directory);
  return environments.map((env) => {
    const stacks = environmentStacks(assembly, config.shared.appName, env.name);
    if (stacks.length === 0)
      throw new CliError(`--assembly ${directory}: no stacks of environment "${env.name}" in it`);
    const metadata = (stacks[0].template as { Metadata?: { 'booking-infra'?: { state?: EnvironmentState } } }).Metadata;
    const synthesizedState = metadata?.['booking-infra']?.state ?? env.state;
    if (state !== 'all' && state !== synthesizedState) {
      throw new CliError(
        `--state ${state}: ${directory} holds ${env.name} synthesized in state ${synthesizedState} (omit --assembly to synthesize ${state})`,
      );
    }
    return estimateStacks(env, synthesizedState, stacks);
  });
}

/** `booking-infra cost`: prints the estimate and returns it. */
export function runCost(
  config: PlatformConfig,
  names: readonly string[],
  options: CostOptions,
  print: (text: string) => void,
): CostEstimate[] {
  const environments = selectEnvironments(config, names);
  const estimates: CostEstimate[] = options.assembly
    ? estimatesFromAssembly(config, environments, options.assembly, options.state)
    : estimateStates(config, environments, options.state === 'all' ? ENVIRONMENT_STATES : [options.state]);

  // The shared stacks run in every state; shown with a full listing only.
  if (names.length === 0 && !options.assembly) estimates.push(estimateShared(config));

  if (options.format === 'json') {
    // `endpointBreakEven` (one per environment) is an addition: the documented fields are unchanged.
    print(
      JSON.stringify(
        { ...toReport(estimates), endpointBreakEven: environments.map((env) => endpointBreakEven(env)) },
        null,
        2,
      ),
    );
  } else if (options.format === 'markdown') {
    print(formatMarkdown(estimates));
  } else {
    for (const estimate of estimates) {
      const env = environments.find((candidate) => candidate.name === estimate.environment);
      // Under each environment's estimate: what interface endpoints would cost against its NAT.
      const breakEven = env ? `\n${formatBreakEven(endpointBreakEven(env))}` : '';
      print(`${formatEstimate(estimate)}${breakEven}\n`);
    }
    print(formatStateTable(estimates));
  }
  return estimates;
}
