import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ConfigValidationError,
  platformConfig,
  type PlatformConfig,
  validateConfig,
  withAccountOverrides,
} from '../config';
import { ENVIRONMENT_STATES } from '../config/types';
import { type CostFormat, runCost } from './commands/cost';
import { CliError } from './errors';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

function choice<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!allowed.includes(value as T))
      throw new InvalidArgumentError(`${name} "${value}" is not one of: ${allowed.join(', ')}`);
    return value as T;
  };
}

/** The `booking-infra` program. Parsing and printing only: the work is in commands/ and ops/. */
export function buildProgram(config: PlatformConfig, io: CliIo = defaultIo): Command {
  const program = new Command('booking-infra')
    .description('Operate the booking platform: cost (and, as they land, status, pause, resume, doctor).')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .exitOverride();

  program
    .command('cost')
    .description('Monthly cost per environment and state, computed from the synthesized templates.')
    .argument('[env...]', 'environments to price (default: all)')
    .addOption(
      new Option('--state <state>', 'state to price: running, paused, minimal or all')
        .default('all')
        .argParser(choice('--state', [...ENVIRONMENT_STATES, 'all'] as const)),
    )
    .addOption(
      new Option('--format <format>', 'table, json or markdown')
        .default('table')
        .argParser(choice('--format', ['table', 'json', 'markdown'] as const)),
    )
    .option('--assembly <dir>', 'price an existing cloud assembly (e.g. cdk.out) instead of synthesizing')
    .action(
      (
        names: string[],
        options: { state: (typeof ENVIRONMENT_STATES)[number] | 'all'; format: CostFormat; assembly?: string },
      ) => {
        runCost(config, names, options, io.out);
      },
    );

  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function run(
  argv: readonly string[],
  io: CliIo = defaultIo,
  variables: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  try {
    const config = withAccountOverrides(platformConfig, variables);
    validateConfig(config);
    await buildProgram(config, io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`booking-infra: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof ConfigValidationError) {
      io.err(error.message);
      return 2;
    }
    const commanderError = error as { code?: string; exitCode?: number };
    if (typeof commanderError.code === 'string' && commanderError.code.startsWith('commander.')) {
      // Help and version exit 0; usage errors were already printed by commander.
      return commanderError.exitCode ?? 1;
    }
    throw error;
  }
}
