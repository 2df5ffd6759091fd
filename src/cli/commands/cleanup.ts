import type { PlatformConfig } from '../../config/types';
import {
  applyCleanup,
  type CleanupReport,
  type CleanupResult,
  cleanupTarget,
  type EnvironmentImageUse,
  type Finding,
  findWaste,
  imagesInUse,
  releaseImageReader,
} from '../../ops/cleanup';
import { environmentName, releaseImageParameter } from '../../ops/contracts';
import { discoverResources } from '../../ops/resources';
import { StateStore } from '../../ops/state-store';
import { formatTable } from '../../summary';
import { CliError } from '../errors';
import { selectEnvironments } from './cost';
import { defaultActor, type OpsDependencies } from './ops';

export type CleanupFormat = 'table' | 'json';

export interface CleanupOptions {
  /** Days after which a snapshot or an unreferenced image is beyond retention. */
  readonly olderThan: number;
  readonly apply?: boolean;
  readonly yes?: boolean;
  readonly format: CleanupFormat;
}

const usd = (value: number | null) => (value === null ? 'unpriced' : value.toFixed(2));

function printReport(report: CleanupReport, print: (t: string) => void): void {
  const { findings, totals } = report;
  print(
    `Cleanup of ${report.environment} (${report.region}), retention ${report.olderThanDays} days: ${findings.length === 0 ? 'nothing found' : `${findings.length} finding(s)`}`,
  );
  if (findings.length > 0) {
    // Costs right-aligned (the column mixes figures and "unpriced"); image digests cut to 12 digits
    // in the table, whole in the evidence and the JSON.
    const costs = findings.map((f) => usd(f.monthlyUsd));
    const width = Math.max('USD/MONTH'.length, ...costs.map((cost) => cost.length));
    const rows = findings.map((f, index) => [
      f.kind,
      f.kind === 'image' ? `${f.resource.slice(0, 'sha256:'.length + 12)}…` : f.resource,
      f.ageDays === undefined ? '-' : `${f.ageDays}d`,
      costs[index].padStart(width),
      f.action.type === 'none' ? 'report only' : f.actionText,
      f.why,
    ]);
    const lines = formatTable(['KIND', 'RESOURCE', 'AGE', 'USD/MONTH', 'ACTION', 'WHY'], rows).split('\n');
    print(`  ${lines[0]}`);
    findings.forEach((finding, index) => {
      print(`  ${lines[index + 1]}`);
      print(`      evidence: ${finding.evidence}`);
      if (finding.unpriced) print(`      unpriced: ${finding.unpriced}`);
      if (finding.action.type === 'none') print(`      ${finding.action.reason}`);
      if (finding.shared) print('      shared: the image repository serves every environment');
    });
  }
  for (const note of report.notes) print(`  note: ${note}`);
  for (const error of report.errors) print(`  NOT CHECKED: ${error}`);
  print(
    `Saving with --apply: ${totals.applyUsd.toFixed(2)} USD/month; report only: ${totals.reportOnlyUsd.toFixed(2)} USD/month${totals.unpriced > 0 ? `; ${totals.unpriced} finding(s) unpriced` : ''}`,
  );
}

function describeResult(result: CleanupResult): string {
  return `  ${result.outcome.toUpperCase().padEnd(12)} ${result.finding.kind} ${result.finding.resource}: ${result.detail}`;
}

/** Asks for the go-ahead: production only with --yes, elsewhere --yes or the environment's name typed. */
async function confirm(envName: string, production: boolean, options: CleanupOptions, deps: OpsDependencies) {
  if (options.yes) return;
  if (production)
    throw new CliError(
      `refusing to clean up ${envName} without --yes: it is a production environment (nothing was changed)`,
    );
  if (!deps.interactive)
    throw new CliError(
      `refusing to clean up ${envName} without --yes: there is no terminal to confirm (nothing was changed)`,
    );
  const answer = await deps.ask(`Type "${envName}" to apply the plan above: `);
  if (answer.trim() !== envName) throw new CliError('not confirmed; nothing was changed');
}

/**
 * `cleanup <env> [--apply] [--yes] [--older-than <days>] [--format json]`: what costs money and
 * serves nothing, priced (src/ops/cleanup.ts); with --apply, each action after confirmation.
 */
export async function runCleanup(
  config: PlatformConfig,
  name: string,
  options: CleanupOptions,
  deps: OpsDependencies,
  print: (t: string) => void,
): Promise<void> {
  const env = selectEnvironments(config, [name])[0];
  const clients = deps.clients(env);
  const resources = await discoverResources(clients.cloudformation, config.shared, env);
  // Each environment's release parameter, in its own account and region.
  const imageUses: EnvironmentImageUse[] = config.environments.map((other) => ({
    environment: other.name,
    configuredTag: other.compute.imageTag,
    readReleaseImage: async () => {
      const ssm = other.account === env.account && other.region === env.region ? clients.ssm : deps.clients(other).ssm;
      return releaseImageReader(ssm, releaseImageParameter(config.shared.appName, other.name))();
    },
    readImagesInUse: async () => {
      const ecs = other.account === env.account && other.region === env.region ? clients.ecs : deps.clients(other).ecs;
      return imagesInUse(ecs, environmentName(config.shared.appName, other.name));
    },
  }));
  const target = cleanupTarget(config, env, resources, options.olderThan, imageUses);
  // The image repository lives in the shared region, which need not be the environment's.
  const ecr =
    config.shared.region === env.region ? clients.ecr : deps.clients({ ...env, region: config.shared.region }).ecr;
  const ctx = {
    clients: { ...clients, ecr },
    store: new StateStore(clients.dynamodb, resources.stateTable),
    now: deps.now,
    sleep: deps.sleep,
  };
  const report = await findWaste(ctx, target);
  const json = options.format === 'json';
  const incomplete = () =>
    new CliError(`cleanup ${env.name}: ${report.errors.length} check(s) could not run (see NOT CHECKED above)`);

  if (!options.apply) {
    if (json) print(JSON.stringify(report, null, 2));
    else {
      printReport(report, print);
      const acting = report.findings.filter((f) => f.action.type !== 'none').length;
      if (acting > 0) print(`${acting} of them can be acted on: npx booking-infra cleanup ${env.name} --apply`);
    }
    if (report.errors.length > 0) throw incomplete();
    return;
  }

  const actionable: Finding[] = report.findings.filter((f) => f.action.type !== 'none');
  if (!json) {
    printReport(report, print);
    print(actionable.length === 0 ? 'Nothing to apply.' : `Plan (${actionable.length} action(s)):`);
    actionable.forEach((f, index) => print(`  ${index + 1}. ${f.kind} ${f.resource}: ${f.actionText}`));
    const shared = actionable.filter((f) => f.shared).length;
    if (shared > 0)
      print(`  (${shared} of them: images of the repository every environment shares; none references them)`);
  }
  if (actionable.length === 0) {
    if (json) print(JSON.stringify({ ...report, results: [] }, null, 2));
    if (report.errors.length > 0) throw incomplete();
    return;
  }
  if (report.lock)
    throw new CliError(
      `cleanup ${env.name}: ${report.lock.holder} is running "${report.lock.operation}" since ${report.lock.startedAt}; try again when it has finished (nothing was changed)`,
    );
  await confirm(env.name, env.production, options, deps);
  let results: CleanupResult[];
  try {
    results = await applyCleanup(ctx, actionable, {
      actor: deps.actor ?? defaultActor(),
      report: json ? undefined : (result) => print(describeResult(result)),
      waiting: json
        ? undefined
        : (lock) => print(`  waiting for the cleanup ${lock.holder} has been running since ${lock.startedAt}...`),
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'LockHeldError')
      throw new CliError(`cleanup ${env.name}: ${error.message} (nothing was changed)`);
    throw error;
  }
  const failed = results.filter((r) => r.outcome === 'failed');
  if (json) print(JSON.stringify({ ...report, results }, null, 2));
  else {
    const count = (outcome: CleanupResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
    print(
      `Cleanup of ${env.name}: ${count('done')} done, ${count('already gone')} already gone, ${count('skipped')} skipped, ${failed.length} failed`,
    );
  }
  if (failed.length > 0)
    throw new CliError(
      `cleanup ${env.name}: ${failed.length} action(s) failed (${failed.map((r) => r.finding.resource).join(', ')}); run "npx booking-infra cleanup ${env.name} --apply" again to finish`,
    );
  if (report.errors.length > 0) throw incomplete();
}
