import { existsSync } from 'node:fs';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { environmentNamed } from '../../config';
import {
  ENVIRONMENT_STATES,
  type EnvironmentConfig,
  type EnvironmentState,
  type PlatformConfig,
} from '../../config/types';
import { compareWithActual, formatComparison, stateShares, type WeightedEstimate } from '../../cost/actual-comparison';
import { commitmentPlan, formatPlan } from '../../cost/commitment-plan';
import { endpointBreakEven, formatBreakEven } from '../../cost/endpoint-break-even';
import { environmentStacks, estimateShared, estimateStacks, estimateStates } from '../../cost/environment-cost';
import type { CostEstimate } from '../../cost/estimator';
import { formatEstimate, formatMarkdown, formatStateTable, toReport } from '../../cost/format';
import { priceTableFor } from '../../cost/prices';
import {
  activateCostAllocationTags,
  actualCosts,
  COST_ALLOCATION_TAG_KEYS,
  costAllocationTags,
  describeCostExplorerFailure,
  type TagActivation,
} from '../../ops/cost-explorer';
import { formatTable } from '../../summary';
import { CliError } from '../errors';
import type { OpsDependencies } from './ops';

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

/** Everything `cost` takes: the estimate's options, or one of --plan, --actual, --activate-tags. */
export interface CostCommandOptions extends CostOptions {
  readonly plan?: boolean;
  /** Years the environment will run (--plan). */
  readonly expectedLife: number;
  readonly actual?: boolean;
  readonly activateTags?: boolean;
}

const MODE_FLAGS = { plan: '--plan', actual: '--actual', activateTags: '--activate-tags' } as const;

/**
 * `booking-infra cost`: the estimate, or one of its three other runs. `given` tells an option
 * typed on the command line from its default, to refuse one the chosen run would ignore.
 */
export async function runCostCommand(
  config: PlatformConfig,
  names: readonly string[],
  options: CostCommandOptions,
  given: (option: 'state' | 'assembly' | 'expectedLife') => boolean,
  deps: OpsDependencies,
  print: (text: string) => void,
): Promise<void> {
  const modes = (Object.keys(MODE_FLAGS) as Array<keyof typeof MODE_FLAGS>).filter((mode) => options[mode]);
  if (modes.length === 0) {
    if (given('expectedLife'))
      throw new CliError('--expected-life goes with --plan (e.g. cost prod --plan --expected-life 3)');
    runCost(config, names, options, print);
    return;
  }
  if (modes.length > 1)
    throw new CliError(`${modes.map((mode) => MODE_FLAGS[mode]).join(' and ')}: give one at a time`);
  const flag = MODE_FLAGS[modes[0]];
  for (const option of ['state', 'assembly'] as const) {
    if (given(option)) throw new CliError(`--${option} prices the estimate; it does not go with ${flag}`);
  }
  if (options.format === 'markdown')
    throw new CliError(`--format markdown is for the estimate; ${flag} prints table or json`);
  const format = options.format;
  if (modes[0] === 'activateTags') {
    await runActivateTags(config, names, { format }, deps, print);
    return;
  }
  if (names.length !== 1)
    throw new CliError(`${flag} takes one environment (e.g. cost prod ${flag}), not ${names.length}`);
  if (modes[0] === 'plan') runCostPlan(config, names[0], { format, expectedLifeYears: options.expectedLife }, print);
  else await runCostActual(config, names[0], { format }, deps, print);
}

/** `cost <env> --plan`: the steady part priced under reservations and Savings Plans. */
export function runCostPlan(
  config: PlatformConfig,
  name: string,
  options: { readonly format: 'table' | 'json'; readonly expectedLifeYears: number },
  print: (text: string) => void,
) {
  const env = selectEnvironments(config, [name])[0];
  // The steady lines at their floor: the running structure, its minimum tasks.
  const [running] = estimateStates(config, [env], ['running']);
  const plan = commitmentPlan(env, running, priceTableFor(env.region), {
    expectedLifeYears: options.expectedLifeYears,
  });
  print(options.format === 'json' ? JSON.stringify(plan, null, 2) : formatPlan(plan));
  return plan;
}

/** Runs a Cost Explorer call, turning a failure into one line with the fix. */
async function costExplorer<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new CliError(`${what}: ${describeCostExplorerFailure(error)}`);
  }
}

/**
 * `cost <env> --actual`: the estimate against Cost Explorer's UnblendedCost of last month (UTC)
 * for the resources tagged with the app and the environment. Two requests (0.01 USD each): the
 * tags' status, then exactly one GetCostAndUsage.
 */
export async function runCostActual(
  config: PlatformConfig,
  name: string,
  options: { readonly format: 'table' | 'json' },
  deps: OpsDependencies,
  print: (text: string) => void,
) {
  const env = selectEnvironments(config, [name])[0];
  const what = `cost ${env.name} --actual`;
  const client = deps.clients(env).costExplorer;
  const tags = await costExplorer(what, () => costAllocationTags(client, ['app', 'environment']));
  const inactive = tags.filter((tag) => tag.status !== 'Active');
  if (inactive.length > 0) {
    throw new CliError(
      `${what}: the cost allocation tag${inactive.length > 1 ? 's' : ''} ${inactive.map((tag) => `${tag.key} (${tag.status === 'unknown' ? 'not yet known to billing' : 'inactive'})`).join(', ')} must be active: run "npx booking-infra cost --activate-tags" with the payer account's credentials, then wait up to 24 hours (costs are tagged from activation on, not before)`,
    );
  }
  const actual = await costExplorer(what, () =>
    actualCosts(client, { appName: config.shared.appName, environment: env.name, now: new Date(deps.now()) }),
  );
  const tagFilter = `app=${config.shared.appName}, environment=${env.name}`;
  if (Object.keys(actual.byService).length === 0) {
    throw new CliError(
      `${what}: Cost Explorer has no costs tagged ${tagFilter} for ${actual.start.slice(0, 7)} (was ${env.name} deployed that month, after the tags were activated?)`,
    );
  }
  const shares = stateShares(env);
  const estimates = estimateStates(
    config,
    [env],
    shares.map((entry) => entry.state),
  );
  const weighted: WeightedEstimate[] = shares.map((entry) => ({
    estimate: estimates.find((estimate) => estimate.state === entry.state)!,
    share: entry.share,
  }));
  const activated = tags
    .map((tag) => tag.lastUpdated)
    .filter((date): date is string => date !== undefined && date.slice(0, 10) > actual.start)
    .sort()
    .pop();
  const notes = [`Cost Explorer filter: tags ${tagFilter}, ${actual.start} to ${actual.end} (UTC, end exclusive)`];
  if (activated)
    notes.push(
      `the tags were activated on ${activated.slice(0, 10)}: costs before that day are untagged, so missing above`,
    );
  const comparison = compareWithActual(env.name, weighted, actual, notes);
  print(options.format === 'json' ? JSON.stringify(comparison, null, 2) : formatComparison(comparison));
  return comparison;
}

function describeActivation(result: TagActivation): string {
  switch (result.outcome) {
    case 'activated':
      return 'activated';
    case 'already active':
      return 'already active, nothing to do';
    case 'not yet known':
      return `not yet known to billing${result.detail ? ` (${result.detail})` : ''}`;
    default:
      return `failed: ${result.detail ?? 'no reason given'}`;
  }
}

/**
 * `cost --activate-tags`: activates the platform's tags (app, environment, module) as cost
 * allocation tags in the account of the credentials, which must be the payer's. Idempotent.
 */
export async function runActivateTags(
  config: PlatformConfig,
  names: readonly string[],
  options: { readonly format: 'table' | 'json' },
  deps: OpsDependencies,
  print: (text: string) => void,
) {
  // Cost Explorer is account-wide: any environment's clients reach it with the same credentials.
  const env = selectEnvironments(config, names)[0];
  const results = await costExplorer('cost --activate-tags', () =>
    activateCostAllocationTags(deps.clients(env).costExplorer, COST_ALLOCATION_TAG_KEYS),
  );
  const status = (result: TagActivation) =>
    result.outcome === 'activated' || result.outcome === 'already active'
      ? 'Active'
      : result.before === 'unknown'
        ? '-'
        : result.before;
  if (options.format === 'json') {
    print(JSON.stringify({ tags: results.map((result) => ({ ...result, after: status(result) })) }, null, 2));
  } else {
    print('Cost allocation tags (Cost Explorer, account of the credentials):');
    const rows = results.map((result) => [
      result.key,
      result.before === 'unknown' ? 'not listed' : result.before,
      status(result),
      describeActivation(result),
    ]);
    print(
      formatTable(['tag', 'before', 'now', 'outcome'], rows)
        .split('\n')
        .map((row) => `  ${row}`)
        .join('\n'),
    );
    const count = (outcome: TagActivation['outcome']) => results.filter((result) => result.outcome === outcome).length;
    print(
      `${count('activated')} activated, ${count('already active')} already active, ${count('not yet known')} not yet known, ${count('failed')} failed`,
    );
    if (count('activated') > 0)
      print('Cost Explorer shows them from now on (allow up to 24 hours); costs from before stay untagged.');
  }
  const unknown = results.filter((result) => result.outcome === 'not yet known').map((result) => result.key);
  if (unknown.length > 0) {
    throw new CliError(
      `cost --activate-tags: ${unknown.join(', ')} not yet known to billing, which lists a tag key only once resources carrying it have been billed: deploy (npx cdk deploy '${config.shared.appName}-<env>/*'), wait up to 24 hours, then run this again`,
    );
  }
  const failed = results.filter((result) => result.outcome === 'failed');
  if (failed.length > 0) {
    throw new CliError(
      `cost --activate-tags: ${failed.map((result) => `${result.key}: ${result.detail ?? 'failed'}`).join('; ')} (run again; the payer account's credentials are needed)`,
    );
  }
  return results;
}
