import type { PlatformConfig } from '../../config/types';
import {
  advanceDrill,
  cleanUpDrill,
  type CleanupReport,
  describeCleanupEntry,
  describeDrillCost,
  type DrillContext,
  type DrillPlan,
  DrillRefusedError,
  type DrillResources,
  type DrillState,
  type DrillTarget,
  drillMeasurements,
  drillTargetFromStacks,
  findDrillInstances,
  formatDuration,
  LIVE_DRILL_MS,
  planDrill,
  startDrill,
  sweepDrills,
} from '../../ops/restore-drill';
import { CliError } from '../errors';
import { selectEnvironments } from './cost';
import { confirmProduction, type OpsDependencies } from './ops';

export interface RestoreDrillOptions {
  /** A snapshot id or ARN instead of the newest recovery point. */
  readonly snapshot?: string;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  /** Only delete what earlier drills left behind. */
  readonly cleanup?: boolean;
}

/** Where interruptions come from: the process's SIGINT and SIGTERM; tests inject their own. */
export interface InterruptSource {
  /** Calls `handler` on every interruption until the returned function is called. */
  listen(handler: (signal: NodeJS.Signals) => void): () => void;
}

export const processInterrupts: InterruptSource = {
  listen: (handler) => {
    // A listener replaces node's default (exit at once), so the drill can delete what it made first.
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
};

/** The shell's exit codes for a process ended by a signal. */
const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };
/** How long the cleanup keeps trying an instance RDS cannot delete yet (one still being created). */
const CLEANUP_PATIENCE_MS = 30 * 60_000;
const CLEANUP_RETRY_MS = 30_000;

/** Our own refusals and config/output mistakes become one CLI line; AWS failures go to main's classifier. */
function asCliError(env: string, error: unknown): unknown {
  if (error instanceof DrillRefusedError || (error instanceof Error && error.name === 'Error'))
    return new CliError(`restore-drill ${env}: ${error.message}`);
  return error;
}

/** Sleeps `ms` in steps of at most a second, returning early once `stopped()` says so. */
async function pause(deps: OpsDependencies, ms: number, stopped: () => boolean): Promise<void> {
  for (let left = ms; left > 0 && !stopped(); left -= 1000) await deps.sleep(Math.min(left, 1000));
}

function printPlan(plan: DrillPlan, region: string, now: number, print: (t: string) => void): void {
  const { target, recoveryPoint: point } = plan;
  print(`Restore drill of ${target.environment} (${region}):`);
  print(
    `  source: ${plan.source.instanceId} (database ${plan.source.databaseName}, master user ${plan.source.masterUsername})`,
  );
  print(
    `  recovery point: ${point.id} (${point.type}), taken ${point.createdAt}, ${formatDuration(now - Date.parse(point.createdAt))} old`,
  );
  print(`  drill instance: ${plan.instanceId} (${target.instanceClass}, Single-AZ)`);
  print(`  cost of one drill: ${describeDrillCost(plan.cost, region)}`);
  print('  steps:');
  plan.steps.forEach((step, index) => print(`    ${index + 1}. ${step}`));
}

/** One line per change worth telling: a new status, a new phase. */
function printProgress(before: DrillState, after: DrillState, print: (t: string) => void): void {
  if (after.phase === 'passed' || after.phase === 'failed') return;
  if (before.phase === 'restoring' && after.phase === 'resetting-password') {
    print(
      `  ${after.instanceId} available after ${formatDuration(drillMeasurements(after).rtoMs ?? 0)} (RTO); new master password set, waiting until RDS applies it`,
    );
  } else if (before.phase === 'resetting-password' && after.phase === 'verifying') {
    print(`  password applied; verification task ${after.taskArn?.split('/').pop()} started`);
  } else if (before.lastStatus !== after.lastStatus) {
    print(`  ${after.phase === 'verifying' ? 'verification task' : after.instanceId}: ${after.lastStatus}`);
  }
}

function printMeasurements(state: DrillState, print: (t: string) => void): void {
  const m = drillMeasurements(state);
  const show = (ms: number | undefined) => (ms === undefined ? 'not reached' : formatDuration(ms));
  print(`  RTO (restore until available): ${show(m.rtoMs)}`);
  print(`  verification (password reset and check): ${show(m.verificationMs)}`);
  print(`  total: ${show(m.totalMs)}`);
  print(`  RPO (age of the recovery point when the drill began): ${formatDuration(m.rpoMs)}`);
}

/** Cleans up, trying again while RDS cannot delete the instance yet; prints each resource's state. */
async function cleanUpPatiently(
  work: () => Promise<CleanupReport>,
  deps: OpsDependencies,
  print: (t: string) => void,
): Promise<CleanupReport> {
  const deadline = deps.now() + CLEANUP_PATIENCE_MS;
  let result = await work();
  while (result.retryable && deps.now() < deadline) {
    for (const entry of result.entries.filter((e) => e.outcome === 'pending'))
      print(`  ${describeCleanupEntry(entry)}; trying again in ${CLEANUP_RETRY_MS / 1000} s`);
    await deps.sleep(CLEANUP_RETRY_MS);
    result = await work();
  }
  print('Cleanup:');
  for (const entry of result.entries) print(`  ${describeCleanupEntry(entry)}`);
  return result;
}

function leftBehind(env: string, result: CleanupReport): CliError {
  const open = result.entries.filter((e) => e.outcome === 'pending' || e.outcome === 'failed');
  return new CliError(
    `restore-drill ${env}: could not delete ${open.map((e) => `${e.resource} ${e.id}`).join(', ')} (see above); run "npx booking-infra restore-drill ${env} --cleanup" to try again`,
  );
}

/** `restore-drill <env> --cleanup`: deletes every drill instance of the environment, its task and secret. */
async function sweepCommand(
  ctx: DrillContext,
  target: DrillTarget,
  options: RestoreDrillOptions,
  deps: OpsDependencies,
  print: (t: string) => void,
): Promise<void> {
  const drills = await findDrillInstances(ctx, target);
  print(`Restore drill leftovers of ${target.environment}:`);
  if (drills.length === 0) print('  no drill instance');
  for (const drill of drills) {
    const age = drill.ageMs === undefined ? 'age unknown' : `started ${formatDuration(drill.ageMs)} ago`;
    const live =
      drill.ageMs === undefined || drill.ageMs < LIVE_DRILL_MS ? ': that drill may still be running, and fails' : '';
    print(`  instance ${drill.instanceId} (${drill.status}, ${age})${live}`);
  }
  print(`  and any verification task still running, and the secret ${target.passwordSecretName}`);
  if (options.dryRun) {
    print('Dry run: nothing was deleted.');
    return;
  }
  const result = await cleanUpPatiently(() => sweepDrills(ctx, target, { olderThanMs: 0 }), deps, print);
  if (!result.complete) throw leftBehind(target.environment, result);
}

/**
 * `restore-drill <env>`: restores the newest recovery point (or `--snapshot`) into a temporary
 * instance, verifies it with a one-off task, prints the RTO and the RPO, and deletes everything
 * it made, also on failure or interruption (SIGINT, SIGTERM). See src/ops/restore-drill.ts.
 */
export async function runRestoreDrill(
  config: PlatformConfig,
  name: string,
  options: RestoreDrillOptions,
  deps: OpsDependencies,
  print: (t: string) => void,
  interrupts: InterruptSource = processInterrupts,
): Promise<void> {
  const env = selectEnvironments(config, [name])[0];
  const clients = deps.clients(env);
  const ctx: DrillContext = { clients, now: deps.now, log: (line) => print(`  ${line}`) };
  let plan: DrillPlan;
  try {
    const target = await drillTargetFromStacks(clients.cloudformation, config.shared, env);
    if (options.cleanup) return await sweepCommand(ctx, target, options, deps, print);
    plan = await planDrill(ctx, target, { snapshot: options.snapshot });
  } catch (error) {
    throw asCliError(env.name, error);
  }
  printPlan(plan, env.region, deps.now(), print);
  if (options.dryRun) {
    if (plan.live.length > 0)
      print(`  (a run now would be refused: ${plan.live.map((d) => d.instanceId).join(', ')} is still running)`);
    print('Dry run: nothing was created.');
    return;
  }
  await confirmProduction(env, deps, options.yes, `run a restore drill in ${env.name}`, 'nothing was created');

  let signal: NodeJS.Signals | undefined;
  const stopListening = interrupts.listen((received) => {
    if (signal) {
      print(
        `${received}: still deleting what the drill made; if this process is killed, run "npx booking-infra restore-drill ${env.name} --cleanup"`,
      );
      return;
    }
    signal = received;
    print(`${received}: stopping the drill; deleting what it made first`);
  });
  try {
    let state: DrillState | undefined;
    let crash: unknown;
    try {
      state = await startDrill(ctx, plan);
      print(`Restoring ${plan.recoveryPoint.id} as ${plan.instanceId}`);
      while (state.phase !== 'passed' && state.phase !== 'failed' && !signal) {
        await pause(deps, deps.pollIntervalMs ?? 15_000, () => signal !== undefined);
        if (signal) break;
        const before: DrillState = state;
        state = await advanceDrill(ctx, state);
        printProgress(before, state, print);
      }
    } catch (error) {
      // Refused before anything was created (another drill started since the plan): nothing to clean.
      if (error instanceof DrillRefusedError) throw asCliError(env.name, error);
      crash = error;
    }
    const drill: DrillResources = state ?? { target: plan.target, instanceId: plan.instanceId };
    if (state?.phase === 'passed') {
      print(
        `Restore drill of ${env.name} PASSED: ${plan.recoveryPoint.id} restores, and its database holds applied migrations.`,
      );
      printMeasurements(state, print);
    } else if (state?.phase === 'failed') {
      print(`Restore drill of ${env.name} FAILED: ${state.failure}`);
      printMeasurements(state, print);
    } else if (crash) {
      print(`Restore drill of ${env.name} FAILED: ${crash instanceof Error ? crash.message : String(crash)}`);
    } else if (signal && state) {
      print(`Restore drill of ${env.name} INTERRUPTED (${signal}) while ${state.phase}`);
    }
    const cleanup = await cleanUpPatiently(() => cleanUpDrill(ctx, drill), deps, print);
    if (!cleanup.complete) throw leftBehind(env.name, cleanup);
    if (signal && state?.phase !== 'passed' && state?.phase !== 'failed')
      throw new CliError(
        `restore drill of ${env.name} interrupted; everything it made is deleted`,
        SIGNAL_EXIT_CODES[signal] ?? 1,
      );
    if (crash) throw crash instanceof Error && crash.name === 'Error' ? asCliError(env.name, crash) : crash;
    if (state?.phase !== 'passed')
      throw new CliError(`restore drill of ${env.name} failed (see above); everything it made is deleted`);
    print(`${env.name}: restore drill passed; everything it made is deleted.`);
  } finally {
    stopListening();
  }
}
