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
import {
  defaultOpsDependencies,
  type OpsDependencies,
  runDoctorCommand,
  runPause,
  runResume,
  runStatus,
} from './commands/ops';
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
export function buildProgram(
  config: PlatformConfig,
  io: CliIo = defaultIo,
  deps: OpsDependencies = defaultOpsDependencies,
): Command {
  const program = new Command('booking-infra')
    .description('Operate the booking platform: status, pause, resume, doctor, cost.')
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

  program
    .command('status')
    .description("An environment's state, services, database, load balancer, cache, API URL and monthly cost.")
    .argument('<env>', 'environment, e.g. dev')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      await runStatus(config, name, Boolean(options.json), deps, io.out);
    });

  for (const verb of ['pause', 'resume'] as const) {
    program
      .command(verb)
      .description(
        verb === 'pause'
          ? 'Scale web and worker to zero (bounds included), wait for tasks to drain, stop the database; records what to restore.'
          : 'Start the database, restore the recorded bounds and counts, wait for healthy targets, print the API URL.',
      )
      .argument('<env>', 'environment, e.g. dev')
      .option('--dry-run', 'print the plan and change nothing')
      .option('--yes', 'do not ask for confirmation (required for production without a terminal)')
      .action(async (name: string, options: { dryRun?: boolean; yes?: boolean }) => {
        await (verb === 'pause' ? runPause : runResume)(config, name, options, deps, io.out);
      });
  }

  program
    .command('doctor')
    .description('Preflight: credentials, CDK bootstrap, GitHub connection, application secrets, DNS delegation.')
    .argument('<env>', 'environment, e.g. dev')
    .action(async (name: string) => {
      await runDoctorCommand(config, name, deps, io.out);
    });

  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function run(
  argv: readonly string[],
  io: CliIo = defaultIo,
  variables: NodeJS.ProcessEnv = process.env,
  deps: OpsDependencies = defaultOpsDependencies,
): Promise<number> {
  try {
    const config = withAccountOverrides(platformConfig, variables);
    validateConfig(config);
    await buildProgram(config, io, deps).parseAsync([...argv], { from: 'user' });
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
    // An AWS or other failure: one line, non-zero.
    io.err(`booking-infra: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
