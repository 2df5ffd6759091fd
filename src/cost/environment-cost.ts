import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import {
  ENVIRONMENT_STATES,
  type DeployedStructure,
  type EnvironmentConfig,
  type EnvironmentState,
  type PlatformConfig,
} from '../config/types';
import { createPlatformApp } from '../platform';
import { environmentName as stageName } from '../ops/contracts';
import { type CostEstimate, estimate, type StackTemplate } from './estimator';
import { priceTableFor } from './prices';

/** The stacks of one environment in a synthesized assembly. */
export function environmentStacks(assembly: CloudAssembly, appName: string, environmentName: string): StackTemplate[] {
  const prefix = `${stageName(appName, environmentName)}-`;
  return assembly.stacksRecursively
    .filter((stack) => stack.stackName.startsWith(prefix))
    .map((stack) => ({ stackName: stack.stackName, region: stack.environment.region, template: stack.template }));
}

/** Prices one environment's stacks as they would run in `state`. */
export function estimateStacks(
  env: EnvironmentConfig,
  state: EnvironmentState,
  stacks: readonly StackTemplate[],
): CostEstimate {
  return estimate({
    environment: env.name,
    state,
    region: env.region,
    logRetentionDays: env.logRetentionDays,
    usage: env.usage,
    stacks,
    priceTables: priceTableFor,
  });
}

/** What a deploy builds for an environment priced in `state` (its configured one without a state). */
function structureFor(env: EnvironmentConfig, state: EnvironmentState | undefined): DeployedStructure {
  if (state === undefined) return env.state;
  return state === 'minimal' ? 'minimal' : 'running';
}

/**
 * Prices each environment in each of `states` (undefined: its configured state, running). A state
 * is priced on the templates of the structure it needs (no ALB, services or cache when minimal;
 * the full platform otherwise, a paused environment being the running one with zero tasks and a
 * stopped database), and each structure is synthesized once for all the states that share it.
 * Quality gates are off here: these synths are only read; the gated synth is buildApp's.
 */
function estimateIn(
  config: PlatformConfig,
  environments: readonly EnvironmentConfig[],
  states: ReadonlyArray<EnvironmentState | undefined>,
): CostEstimate[] {
  const structures = new Map<DeployedStructure, Array<{ env: EnvironmentConfig; state: EnvironmentState }>>();
  for (const state of states) {
    for (const env of environments) {
      const structure = structureFor(env, state);
      structures.set(structure, [...(structures.get(structure) ?? []), { env, state: state ?? env.state }]);
    }
  }
  return [...structures].flatMap(([structure, priced]) => {
    const templates = structureTemplates(config, environments, structure);
    return priced.map(({ env, state }) => estimateStacks({ ...env, state: structure }, state, templates[env.name]));
  });
}

/** Templates already synthesized, per configuration object and structure (configs are immutable). */
const synthesized = new WeakMap<PlatformConfig, Map<string, Record<string, StackTemplate[]>>>();

/**
 * The templates of each environment built in `structure`, synthesized once per configuration and
 * structure: a process that prices several times (a test file, `status` after `cost`) pays once.
 */
function structureTemplates(
  config: PlatformConfig,
  environments: readonly EnvironmentConfig[],
  structure: DeployedStructure,
): Record<string, StackTemplate[]> {
  const key = `${structure}:${environments.map((env) => env.name).join(',')}`;
  const byKey = synthesized.get(config) ?? new Map<string, Record<string, StackTemplate[]>>();
  synthesized.set(config, byKey);
  const known = byKey.get(key);
  if (known) return known;
  const built = environments.map((env) => ({ ...env, state: structure }));
  const outdir = mkdtempSync(join(tmpdir(), 'booking-cost-'));
  try {
    const { app } = createPlatformApp({ ...config, environments: built }, { outdir, qualityGates: false });
    const assembly = app.synth();
    const templates = Object.fromEntries(
      environments.map((env) => [env.name, environmentStacks(assembly, config.shared.appName, env.name)]),
    );
    byKey.set(key, templates);
    return templates;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Prices the given environments in `state`, each on the templates of the structure it needs.
 * Without `state`, each environment is priced in its configured structure, running.
 */
export function estimateEnvironments(
  config: PlatformConfig,
  environments: readonly EnvironmentConfig[],
  state?: EnvironmentState,
): CostEstimate[] {
  return estimateIn(config, environments, [state]);
}

/** Estimates of the given environments in each of `states`, ordered by environment, then state. */
export function estimateStates(
  config: PlatformConfig,
  environments: readonly EnvironmentConfig[],
  states: readonly EnvironmentState[] = ENVIRONMENT_STATES,
): CostEstimate[] {
  return estimateIn(config, environments, states).sort(
    (a, b) =>
      a.environment.localeCompare(b.environment) ||
      ENVIRONMENT_STATES.indexOf(a.state) - ENVIRONMENT_STATES.indexOf(b.state),
  );
}

/** Name the shared (account-level) stacks are estimated under. */
export const SHARED_ESTIMATE = 'shared';

/**
 * Prices the shared stacks (hosted zone, image repository, GitHub connection, account baseline), which run in every
 * state. Image storage is the sum of what each environment's releases keep (`usage.ecrStorageGiB`).
 */
export function estimateShared(config: PlatformConfig): CostEstimate {
  const outdir = mkdtempSync(join(tmpdir(), 'booking-cost-shared-'));
  try {
    const { app } = createPlatformApp({ ...config, environments: [] }, { outdir, qualityGates: false });
    const assembly = app.synth();
    const first = config.environments[0];
    const usage = Object.fromEntries(
      Object.keys(first.usage).map((key) => [key, 0]),
    ) as unknown as EnvironmentConfig['usage'];
    return estimate({
      environment: SHARED_ESTIMATE,
      state: 'running',
      region: config.shared.region,
      logRetentionDays: first.logRetentionDays,
      usage: { ...usage, ecrStorageGiB: config.environments.reduce((sum, env) => sum + env.usage.ecrStorageGiB, 0) },
      stacks: [...environmentStacks(assembly, config.shared.appName, SHARED_ESTIMATE), ...adoptedRepository(config)],
      priceTables: priceTableFor,
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * An adopted image repository (`shared.imageRepository.mode: 'adopt'`) is in no template, yet its
 * images are stored and billed: it is priced as a repository of the adopted name.
 */
function adoptedRepository(config: PlatformConfig): StackTemplate[] {
  const repository = config.shared.imageRepository;
  if (repository?.mode !== 'adopt') return [];
  const stage = stageName(config.shared.appName, SHARED_ESTIMATE);
  return [
    {
      stackName: `${stage}-images (adopted)`,
      region: config.shared.region,
      template: {
        Resources: {
          AdoptedRepository: {
            Type: 'AWS::ECR::Repository',
            Properties: { RepositoryName: repository.name },
            Metadata: { 'aws:cdk:path': `${stage}/images/Images/${repository.name}` },
          },
        },
      },
    },
  ];
}

/**
 * The monthly budget each environment should have: its estimate in its configured state plus the
 * margin, rounded up. The committed `budget.monthlyLimitUsd` must equal it (a test checks).
 */
export function budgetLimits(config: PlatformConfig): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const estimateForEnv of estimateEnvironments(config, config.environments)) {
    const env = config.environments.find((candidate) => candidate.name === estimateForEnv.environment)!;
    limits[env.name] = Math.ceil(estimateForEnv.totalUsd * (1 + env.budget.marginPercent / 100));
  }
  return limits;
}
