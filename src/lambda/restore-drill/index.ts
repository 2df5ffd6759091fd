// The scheduled restore drill's Lambda: one step of src/ops/restore-drill.ts per call, driven by a
// Step Functions loop (start -> wait 60 s -> advance -> ... until passed or failed -> cleanup),
// which passes the DrillState (plain JSON, no secret) from one call to the next. Every call is a
// few API calls, well inside a one-minute timeout. The function runs outside the VPC: it only
// calls AWS APIs (the check inside the restored database is the one-off ECS task's).
import { ECSClient } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  advanceDrill,
  cleanUpDrill,
  type CleanupReport,
  describeCleanupEntry,
  describeDrillCost,
  type DrillContext,
  type DrillState,
  drillMeasurements,
  drillTargetFromVariables,
  formatDuration,
  LIVE_DRILL_MS,
  planDrill,
  startDrill,
  sweepDrills,
} from '../../ops/restore-drill';

export type RestoreDrillEvent =
  /** Plan (newest recovery point unless `snapshot`), refuse a concurrent drill, sweep stale leftovers, restore. */
  | { readonly action: 'start'; readonly snapshot?: string }
  /** One step; returns the next state (phase `passed` or `failed` ends the loop). */
  | { readonly action: 'advance'; readonly state: DrillState }
  /**
   * Deletes what the drill made. Without a state (the start failed): only leftovers older than
   * LIVE_DRILL_MS, so a drill another caller runs is left alone.
   */
  | { readonly action: 'cleanup'; readonly state?: DrillState | null };

export interface CleanupResult {
  readonly state?: DrillState | null;
  readonly report: CleanupReport;
  /** Whether the drill passed: the state machine's Choice goes to Succeed or Fail on it. */
  readonly passed: boolean;
  /** One line for the Fail state's cause (and the alarm): the verdict and the measurements. */
  readonly message: string;
}

/**
 * Thrown by `cleanup` when something could not be deleted. Name `RestoreDrillCleanupPending`: RDS
 * cannot delete the instance yet (still being created or modified), so a Retry on that name (every
 * minute, ~30 times) finishes the job; `RestoreDrillCleanupFailed`: anything else.
 */
export class RestoreDrillCleanupError extends Error {
  constructor(
    message: string,
    public readonly report: CleanupReport,
  ) {
    super(message);
    this.name = report.retryable ? 'RestoreDrillCleanupPending' : 'RestoreDrillCleanupFailed';
  }
}

export interface RestoreDrillDependencies {
  readonly clients: DrillContext['clients'];
  readonly variables: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

function defaultDependencies(): RestoreDrillDependencies {
  return {
    clients: { rds: new RDSClient({}), ecs: new ECSClient({}), secretsmanager: new SecretsManagerClient({}) },
    variables: process.env,
    now: () => Date.now(),
    log: (line) => console.log(line),
  };
}

/** `passed` or `failed: <why>`, then the measurements: the line an operator reads in the alarm. */
export function drillVerdict(state: DrillState | null | undefined): string {
  if (!state) return 'the drill did not start';
  const m = drillMeasurements(state);
  const show = (ms: number | undefined) => (ms === undefined ? 'not reached' : formatDuration(ms));
  const verdict =
    state.phase === 'passed'
      ? 'passed'
      : state.phase === 'failed'
        ? `failed: ${state.failure}`
        : `stopped while ${state.phase}`;
  return `restore drill of ${state.target.environment} ${verdict} (recovery point ${state.recoveryPoint.id}; RTO ${show(m.rtoMs)}, verification ${show(m.verificationMs)}, total ${show(m.totalMs)}, RPO ${formatDuration(m.rpoMs)})`;
}

export async function handler(
  event: RestoreDrillEvent,
  _context?: unknown,
  injected?: RestoreDrillDependencies,
): Promise<DrillState | CleanupResult> {
  const deps = injected ?? defaultDependencies();
  const ctx: DrillContext = { clients: deps.clients, now: deps.now, log: deps.log };
  switch (event.action) {
    case 'start': {
      const target = drillTargetFromVariables(deps.variables);
      const plan = await planDrill(ctx, target, { snapshot: event.snapshot });
      deps.log(
        `restore drill of ${target.environment}: ${plan.recoveryPoint.id} (${plan.recoveryPoint.type}, taken ${plan.recoveryPoint.createdAt}) as ${plan.instanceId}; cost ${describeDrillCost(plan.cost, target.region)}`,
      );
      const state = await startDrill(ctx, plan);
      deps.log(`${state.instanceId}: restore requested`);
      return state;
    }
    case 'advance': {
      const state = await advanceDrill(ctx, event.state);
      deps.log(`${state.instanceId}: ${state.phase}${state.lastStatus ? ` (${state.lastStatus})` : ''}`);
      if (state.phase === 'passed' || state.phase === 'failed') deps.log(drillVerdict(state));
      return state;
    }
    case 'cleanup': {
      const report = event.state
        ? await cleanUpDrill(ctx, event.state)
        : await sweepDrills(ctx, drillTargetFromVariables(deps.variables), { olderThanMs: LIVE_DRILL_MS });
      for (const entry of report.entries) deps.log(describeCleanupEntry(entry));
      if (!report.complete) {
        const open = report.entries.filter((e) => e.outcome === 'pending' || e.outcome === 'failed');
        throw new RestoreDrillCleanupError(
          `could not delete ${open.map((e) => `${e.resource} ${e.id} (${e.detail})`).join('; ')}`,
          report,
        );
      }
      return {
        state: event.state,
        report,
        passed: event.state?.phase === 'passed',
        message: drillVerdict(event.state),
      };
    }
    default:
      throw new Error(`unrecognised event: ${JSON.stringify(event)}`);
  }
}
