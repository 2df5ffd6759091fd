/**
 * The CLI against FakeAws, as the pause/resume/minimal tests run it: a clock per simulated account
 * that moves on across runs, nobody to ask, and optionally a config other than the committed one
 * (e.g. dev with another `database.whileMinimal`).
 */
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { CliError } from '../../src/cli/errors';
import { buildProgram, run } from '../../src/cli/main';
import { platformConfig } from '../../src/config';
import type { DatabaseWhileMinimal, PlatformConfig } from '../../src/config/types';
import { describeAwsFailure, errorSummary } from '../../src/ops/aws-errors';
import type { FakeAws } from './fake-aws';

export const START = Date.parse('2026-11-27T12:00:00Z');

/** One clock per simulated account, moving on across CLI runs. */
const clocks = new WeakMap<FakeAws, number>();

export function dependencies(fake: FakeAws, overrides: Partial<OpsDependencies> = {}): OpsDependencies {
  return {
    clients: () => fake.clients,
    sleep: async () => undefined,
    now: () => {
      const next = (clocks.get(fake) ?? START) + 1000;
      clocks.set(fake, next);
      return next;
    },
    interactive: false,
    ask: async () => '',
    resolveNs: async () => [],
    monthlyCost: () => 12.34,
    actor: 'cli:alice@laptop',
    ...overrides,
  };
}

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `booking-infra <args>` with the committed config, as `npx booking-infra` runs it. */
export async function cli(fake: FakeAws, args: string[], overrides: Partial<OpsDependencies> = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, {}, dependencies(fake, overrides));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * `booking-infra <args>` with `config` instead of the committed one; failures are reported as
 * `run` reports them (one line on stderr, exit code).
 */
export async function runWithConfig(
  config: PlatformConfig,
  args: readonly string[],
  deps: OpsDependencies,
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  let code = 0;
  try {
    await buildProgram(config, io, deps).parseAsync([...args], { from: 'user' });
  } catch (error) {
    code = error instanceof CliError ? error.exitCode : 1;
    err.push(
      `booking-infra: ${error instanceof CliError ? error.message : (describeAwsFailure(error) ?? errorSummary(error))}`,
    );
  }
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** `booking-infra <args>` against `fake` with `config` instead of the committed one. */
export function cliWith(
  config: PlatformConfig,
  fake: FakeAws,
  args: string[],
  overrides: Partial<OpsDependencies> = {},
): Promise<CliResult> {
  return runWithConfig(config, args, dependencies(fake, overrides));
}

/** The committed config with dev's `database.whileMinimal` set to `mode`, whatever src/config/dev.ts says. */
export function devWhileMinimal(mode: DatabaseWhileMinimal): PlatformConfig {
  return {
    ...platformConfig,
    environments: platformConfig.environments.map((env) =>
      env.name === 'dev' ? { ...env, database: { ...env.database, whileMinimal: mode } } : env,
    ),
  };
}

/** A promise the test resolves when it wants a waiting run to go on. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * A run held at its first wait: pass `sleep` to the run, await `reached` (it is waiting, holding
 * the lock), then `release()` to let it go on. For "two runs at once" tests.
 */
export function heldAtFirstWait() {
  const hold = gate();
  const waiting = gate();
  return {
    sleep: async () => {
      waiting.open();
      await hold.opened;
    },
    reached: waiting.opened,
    release: hold.open,
  };
}
