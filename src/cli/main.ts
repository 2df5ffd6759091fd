import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ConfigValidationError,
  platformConfig,
  type PlatformConfig,
  validateConfig,
  withAccountOverrides,
} from '../config';
import { ENVIRONMENT_STATES } from '../config/types';
import { describeAwsFailure, errorSummary } from '../ops/aws-errors';
import { type CleanupFormat, runCleanup } from './commands/cleanup';
import { type CostCommandOptions, runCostCommand } from './commands/cost';
import {
  defaultOpsDependencies,
  type OpsDependencies,
  runDoctorCommand,
  runHistory,
  runSecretKeyRotation,
  runStatus,
  runTransition,
} from './commands/ops';
import { runRestoreDrill } from './commands/restore-drill';
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
    .description(
      'Operate the booking platform: status, pause, resume, minimal, history, doctor, cost, rotate-secret-key, restore-drill, cleanup.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .exitOverride();

  program
    .command('cost')
    .description(
      'Monthly cost per environment and state, computed from the synthesized templates; with --plan, the steady part under reservations and Savings Plans; with --actual, last month against Cost Explorer; with --activate-tags, the cost allocation tags.',
    )
    .argument('[env...]', 'environments to price (default: all)')
    .addOption(
      new Option('--state <state>', 'state to price: running, paused, minimal or all')
        .default('all')
        .argParser(choice('--state', [...ENVIRONMENT_STATES, 'all'] as const)),
    )
    .addOption(
      new Option('--format <format>', 'table, json or markdown (markdown: the estimate only)')
        .default('table')
        .argParser(choice('--format', ['table', 'json', 'markdown'] as const)),
    )
    .option('--assembly <dir>', 'price an existing cloud assembly (e.g. cdk.out) instead of synthesizing')
    .option(
      '--plan',
      "one environment's steady part (database, cache, on-demand base tasks) priced under 1- and 3-year reservations and Savings Plans, with the saving a year; recommendations only, offline",
    )
    .addOption(
      new Option(
        '--expected-life <years>',
        'with --plan: years the environment will run; no longer commitment is recommended',
      )
        .default(1)
        .argParser((value: string) => {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 1 || n > 10)
            throw new InvalidArgumentError(`--expected-life "${value}" is not a whole number of years from 1 to 10`);
          return n;
        }),
    )
    .option(
      '--actual',
      "one environment's estimate against Cost Explorer's costs of last month (UTC) tagged app and environment, by service; needs the payer account's credentials; 2 Cost Explorer requests (0.01 USD each), one of them GetCostAndUsage",
    )
    .option(
      '--activate-tags',
      "activate the tags app, environment and module as cost allocation tags (the payer account's credentials); idempotent; 2 Cost Explorer requests (0.01 USD each), 1 when all are active",
    )
    .action(async (names: string[], options: CostCommandOptions, command: Command) => {
      await runCostCommand(
        config,
        names,
        options,
        (option) => command.getOptionValueSource(option) === 'cli',
        deps,
        io.out,
      );
    });

  program
    .command('status')
    .description(
      'What AWS shows (database, tasks, bounds, load balancer, cache) beside the recorded state, any drift and the command that converges it.',
    )
    .argument('<env>', 'environment, e.g. dev')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      await runStatus(config, name, Boolean(options.json), deps, io.out);
    });

  const transitions = {
    pause:
      'Scale web and worker to zero (bounds included), wait for tasks to drain and for a running migration or release, stop the database; keeps what to restore.',
    resume:
      'Start the database, restore the recorded bounds and counts, wait for healthy targets, print the API URL. From minimal: start the database (or, kept as a snapshot, name the snapshot the config must restore), then deploy.',
    minimal:
      'Prepare the minimal state: refuse while Dramatiq jobs are queued, pause, snapshot the cache (production) and, with database.whileMinimal snapshot, the database; record minimal; then deploy with state minimal.',
  } as const;
  for (const [verb, description] of Object.entries(transitions) as Array<[keyof typeof transitions, string]>) {
    const command = program
      .command(verb)
      .description(description)
      .argument('<env>', 'environment, e.g. dev')
      .option('--dry-run', 'print the plan and change nothing')
      .option('--yes', 'do not ask for confirmation (required for production without a terminal)')
      .option(
        '--break-lock',
        'take over the lock of a run that crashed (only once it has shown no sign of life for 15 min)',
      );
    if (verb === 'minimal') {
      command
        .option('--drop-queued-jobs', 'go ahead although Dramatiq messages are queued: they are lost with the cache')
        .option('--snapshot-cache', 'snapshot the cache before it goes (always done in production)');
    }
    command.action(
      async (
        name: string,
        options: {
          dryRun?: boolean;
          yes?: boolean;
          breakLock?: boolean;
          dropQueuedJobs?: boolean;
          snapshotCache?: boolean;
        },
      ) => {
        await runTransition(verb, config, name, options, deps, io.out);
      },
    );
  }

  program
    .command('history')
    .description("The environment's journal of transitions: who, when, from, to, outcome (newest first).")
    .argument('<env>', 'environment, e.g. dev')
    .addOption(
      new Option('--limit <n>', 'how many entries').default(20).argParser((value: string) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 100_000)
          throw new InvalidArgumentError(`--limit "${value}" is not a whole number from 1 to 100000`);
        return n;
      }),
    )
    .option('--json', 'print JSON')
    .action(async (name: string, options: { limit: number; json?: boolean }) => {
      await runHistory(config, name, { limit: options.limit, json: Boolean(options.json) }, deps, io.out);
    });

  program
    .command('rotate-secret-key')
    .description(
      'A new DJANGO_SECRET_KEY, the previous keys kept as fallbacks (SECRET_KEY_FALLBACKS), then a rolling deployment of web and worker.',
    )
    .argument('<env>', 'environment, e.g. dev')
    .addOption(
      new Option('--keep <n>', 'previous keys to keep accepting (sessions and signed links made with older keys break)')
        .default(1)
        .argParser((value: string) => {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 0 || n > 5)
            throw new InvalidArgumentError(`--keep "${value}" is not a whole number from 0 to 5`);
          return n;
        }),
    )
    .option('--redeploy-only', 'only the rolling deployment (finishes a rotation whose deployment did not start)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--yes', 'do not ask for confirmation (required for production without a terminal)')
    .action(
      async (name: string, options: { keep: number; redeployOnly?: boolean; dryRun?: boolean; yes?: boolean }) => {
        await runSecretKeyRotation(config, name, options, deps, io.out);
      },
    );

  program
    .command('restore-drill')
    .description(
      'Restore the newest recovery point (or --snapshot) into a temporary instance, verify it with a one-off task, print the RTO and RPO, and delete everything it made (also on failure or Ctrl-C).',
    )
    .argument('<env>', 'environment, e.g. dev')
    .option('--snapshot <id|arn>', 'restore this DB snapshot or AWS Backup recovery point instead of the newest')
    .option('--dry-run', 'print the plan and the cost of one drill, create nothing')
    .option('--yes', 'do not ask for confirmation (required for production without a terminal)')
    .option('--cleanup', 'only delete what earlier drills left behind (instances, task, secret)')
    .action(
      async (name: string, options: { snapshot?: string; dryRun?: boolean; yes?: boolean; cleanup?: boolean }) => {
        await runRestoreDrill(config, name, options, deps, io.out);
      },
    );

  program
    .command('cleanup')
    .description(
      'What costs money and serves nothing (old manual snapshots, unreferenced images, unattached Elastic IPs, log groups without retention, a database recorded paused that runs, an idle load balancer), each with its monthly cost; --apply acts on it after confirmation.',
    )
    .argument('<env>', 'environment, e.g. dev')
    .addOption(
      new Option('--older-than <days>', 'retention: snapshots and unreferenced images older than this are proposed')
        .default(30)
        .argParser((value: string) => {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 1 || n > 3650)
            throw new InvalidArgumentError(`--older-than "${value}" is not a whole number of days from 1 to 3650`);
          return n;
        }),
    )
    .option('--apply', 'act on the findings after confirmation (type the environment name, or --yes)')
    .option('--yes', 'do not ask for confirmation (required for production, and without a terminal)')
    .addOption(
      new Option('--format <format>', 'table or json')
        .default('table')
        .argParser(choice('--format', ['table', 'json'] as const)),
    )
    .action(
      async (name: string, options: { olderThan: number; apply?: boolean; yes?: boolean; format: CleanupFormat }) => {
        await runCleanup(config, name, options, deps, io.out);
      },
    );

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
    io.err(`booking-infra: ${describeAwsFailure(error) ?? errorSummary(error)}`);
    return 1;
  }
}
