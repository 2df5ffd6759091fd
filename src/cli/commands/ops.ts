import { spawnSync } from 'node:child_process';
import { promises as dnsPromises } from 'node:dns';
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { EnvironmentConfig, EnvironmentState, PlatformConfig } from '../../config/types';
import { accountVariable, isPlaceholderAccount } from '../../config';
import { estimateEnvironments } from '../../cost/environment-cost';
import { createClients, type OpsClients } from '../../ops/clients';
import { runDoctor } from '../../ops/doctor';
import { assessEnvironment } from '../../ops/drift';
import {
  DATABASE_MISSING,
  describeCapacities,
  EnvironmentOperations,
  type MinimalOptions,
  type Observation,
  type Operation,
  type OpsContext,
  type Plan,
} from '../../ops/operations';
import { discoverResources, type EnvironmentResources } from '../../ops/resources';
import { planSecretKeyRotation, rotateSecretKey } from '../../ops/secret-key-rotation';
import { BROKEN_VPC_LINK_STATUSES, readVpcLink } from '../../ops/vpc-link';
import { applicationSecretParameter } from '../../modules/parameters/parameter-names';
import { CliError } from '../errors';
import { selectEnvironments } from './cost';

/** What the operational commands need from outside; tests replace every part. */
export interface OpsDependencies {
  /** The AWS clients for one environment's account and region. */
  readonly clients: (env: EnvironmentConfig) => OpsClients;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Whether a person can be asked (stdin is a terminal). */
  readonly interactive: boolean;
  /** Asks a question and returns the answer. */
  readonly ask: (question: string) => Promise<string>;
  readonly resolveNs: (domain: string) => Promise<string[]>;
  /** Whether a Docker engine answers on this machine (doctor). @default not checked */
  readonly docker?: () => Promise<{ readonly ok: boolean; readonly detail: string }>;
  /** Monthly cost of an environment in a state (the estimator; tests may stub it). */
  readonly monthlyCost: (config: PlatformConfig, env: EnvironmentConfig, state: EnvironmentState) => number;
  /** Who runs the command, for the lock and the journal. */
  readonly actor?: string;
  readonly pollIntervalMs?: number;
}

export function defaultActor(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Some containers have no passwd entry for the current uid.
  }
  return `cli:${user}@${hostname()}`;
}

/**
 * Refuses an environment whose account id is a placeholder before any call reaches AWS, naming
 * the variable to set; an emulator (AWS_ENDPOINT_URL, e.g. moto or LocalStack) takes any id.
 */
export function refusePlaceholderAccount(env: EnvironmentConfig, variables: NodeJS.ProcessEnv): void {
  if (!isPlaceholderAccount(env.account) || variables.AWS_ENDPOINT_URL) return;
  throw new CliError(
    `${env.name}.account is ${env.account}, a placeholder: set ${accountVariable(env.name)}=<your 12-digit account id> (or BOOKING_ACCOUNT for every stack) before a command that reaches AWS`,
  );
}

/**
 * A production environment is touched only when confirmed: `--yes`, or the environment's name
 * typed at a terminal; without a terminal and without `--yes`, refused. `action` completes
 * "refusing to <action> without --yes" and "Type "<env>" to <action>"; `unchanged` ends the
 * refusal ("nothing was changed").
 */
export async function confirmProduction(
  env: EnvironmentConfig,
  deps: Pick<OpsDependencies, 'interactive' | 'ask'>,
  yes: boolean | undefined,
  action: string,
  unchanged = 'nothing was changed',
): Promise<void> {
  if (!env.production || yes) return;
  if (!deps.interactive)
    throw new CliError(
      `refusing to ${action} without --yes: ${env.name} is a production environment and there is no terminal to confirm`,
    );
  const answer = await deps.ask(`${env.name} is production. Type "${env.name}" to ${action}: `);
  if (answer.trim() !== env.name) throw new CliError(`not confirmed; ${unchanged}`);
}

export const defaultOpsDependencies: OpsDependencies = {
  clients: (env) => {
    refusePlaceholderAccount(env, process.env);
    return createClients(env.region);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  interactive: Boolean(process.stdin.isTTY),
  ask: async (question) => {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await prompt.question(question);
    } finally {
      prompt.close();
    }
  },
  resolveNs: (domain) => dnsPromises.resolveNs(domain),
  docker: async () => {
    const answer = spawnSync('docker', ['info', '--format', '{{.ServerVersion}} {{.Architecture}}'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    if (answer.error) return { ok: false, detail: 'the docker command is not installed' };
    if (answer.status !== 0) return { ok: false, detail: 'no Docker engine answers (docker info failed)' };
    return { ok: true, detail: `Docker engine ${answer.stdout.trim()}` };
  },
  monthlyCost: (config, env, state) => estimateEnvironments(config, [env], state)[0].totalUsd,
};

export interface MutationOptions extends MinimalOptions {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  /** Take over a lock whose holder has shown no sign of life for LOCK_STALE_MS. */
  readonly breakLock?: boolean;
}

function environment(config: PlatformConfig, name: string): EnvironmentConfig {
  return selectEnvironments(config, [name])[0];
}

async function operationsFor(
  config: PlatformConfig,
  env: EnvironmentConfig,
  deps: OpsDependencies,
  print: (t: string) => void,
) {
  const clients = deps.clients(env);
  const resources = await discoverResources(clients.cloudformation, config.shared, env);
  const context: OpsContext = {
    clients,
    report: print,
    sleep: deps.sleep,
    now: deps.now,
    actor: deps.actor ?? defaultActor(),
    pollIntervalMs: deps.pollIntervalMs,
  };
  return { clients, resources, operations: new EnvironmentOperations(resources, context) };
}

function describeObservation(resources: EnvironmentResources, observation: Observation): string[] {
  const lines = observation.services.map(
    (s) =>
      `  ${s.role} service ${s.name}: ${s.desired} desired, ${s.running} running, ${s.pending} pending, bounds ${s.min}..${s.max}`,
  );
  const record = observation.record;
  const kept = record?.databaseSnapshot;
  lines.push(
    `  database ${resources.databaseId}: ${observation.database === DATABASE_MISSING ? `missing (no such instance${kept ? '; deleted while minimal' : ''})` : observation.database}`,
  );
  if (kept)
    lines.push(
      `  database snapshot (taken by minimal, named by the record): ${kept.identifier}, master user ${kept.masterUsername}`,
    );
  lines.push(
    `  recorded state: ${record ? `${record.state} since ${record.changedAt} by ${record.changedBy} (restores ${describeCapacities(record.services)})` : 'none'}`,
  );
  if (observation.lock)
    lines.push(
      `  lock: "${observation.lock.operation}" by ${observation.lock.holder} since ${observation.lock.startedAt}`,
    );
  return lines;
}

function planner(operations: EnvironmentOperations, verb: Operation, env: EnvironmentConfig, options: MutationOptions) {
  return (observed: Observation): Promise<Plan> =>
    verb === 'pause'
      ? operations.planPause(observed)
      : verb === 'resume'
        ? operations.planResume(observed)
        : operations.planMinimal(observed, { ...options, production: env.production });
}

const stepsOf = (plan: Plan) => plan.steps.map((step) => step.description).join('\n');

/**
 * Prints the plan, asks for prod, then runs the transition under the environment's lock (planned
 * again from what AWS shows once the lock is held); on failure prints every resource's state.
 */
async function runMutation(
  verb: Operation,
  config: PlatformConfig,
  env: EnvironmentConfig,
  options: MutationOptions,
  deps: OpsDependencies,
  print: (t: string) => void,
): Promise<void> {
  const { resources, operations } = await operationsFor(config, env, deps, print);
  const plan = planner(operations, verb, env, options);
  const first = await plan(await operations.observe());
  if (first.nothingToDo && !first.upkeep?.length) {
    print(`${first.nothingToDo}: nothing to do.`);
    if (first.next) print(first.next);
    return;
  }
  if (first.nothingToDo) {
    // Nothing changes but idempotent upkeep (e.g. alarms silenced again): no confirmation needed.
    if (options.dryRun) {
      print(
        `${first.nothingToDo}: nothing to do (would run: ${first.upkeep!.map((step) => step.description).join('; ')}).`,
      );
      return;
    }
    const done = await operations.transition(verb, plan, { breakLock: options.breakLock });
    print(`${done.nothingToDo ?? first.nothingToDo}: nothing to do.`);
    return;
  }
  print(`Plan to ${verb} ${env.name} (${env.region}):`);
  first.steps.forEach((step, index) => print(`  ${index + 1}. ${step.description}`));
  if (options.dryRun) {
    print('Dry run: nothing was changed.');
    return;
  }
  await confirmProduction(env, deps, options.yes, `${verb} ${env.name}`);
  let done: Plan;
  try {
    done = await operations.transition(verb, plan, {
      breakLock: options.breakLock,
      beforeExecute: (locked) => {
        if (stepsOf(locked) === stepsOf(first)) return;
        print('The environment changed since the plan was shown; the plan under the lock is:');
        locked.steps.forEach((step, index) => print(`  ${index + 1}. ${step.description}`));
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === 'LockHeldError')
      throw new CliError(`${verb} of ${env.name}: ${message}`);
    print(`${verb} failed: ${message}`);
    print('State of each resource now:');
    try {
      for (const line of describeObservation(resources, await operations.observe())) print(line);
    } catch (observeError) {
      print(`  (could not read it: ${observeError instanceof Error ? observeError.message : String(observeError)})`);
    }
    throw new CliError(
      `${verb} of ${env.name} did not complete; run "npx booking-infra ${verb} ${env.name}" again to continue from where it stopped (the capacities to restore are kept)`,
    );
  }
  if (done.nothingToDo) {
    print(`${done.nothingToDo}: nothing to do.`);
    if (done.next) print(done.next);
  } else if (verb === 'pause') {
    print(
      `${env.name} is paused: about ${deps.monthlyCost(config, env, 'paused').toFixed(2)} USD/month. Resume with: npx booking-infra resume ${env.name}`,
    );
  } else if (verb === 'minimal' && done.next) {
    // Snapshot mode: the deploy also deletes the database; the plan names the snapshot.
    print(
      `${env.name} is recorded minimal. ${done.next}. About ${deps.monthlyCost(config, env, 'minimal').toFixed(2)} USD/month while minimal.`,
    );
  } else if (verb === 'minimal') {
    print(
      `${env.name} is recorded minimal. Now set state: 'minimal' for ${env.name} in src/config/${env.name}.ts and run: npx cdk deploy '${resources.stage}/*' (it removes the load balancer, the services and the cache${resources.services.some((s) => s.role === 'cache') ? ' with its data on EFS' : ''}: about ${deps.monthlyCost(config, env, 'minimal').toFixed(2)} USD/month)`,
    );
  } else if (done.next) {
    // The minimal deploy deleted the database: the deploy with state 'running' creates it.
    print(`${env.name} is recorded running. ${done.next}.`);
  } else if (resources.services.length === 0) {
    print(
      `${env.name}'s database is running and the state is recorded running. Now set state: 'running' for ${env.name} in src/config/${env.name}.ts and run: npx cdk deploy '${resources.stage}/*' (it creates the load balancer, the services and the cache)`,
    );
  } else {
    print(`${env.name} is running: ${resources.apiUrl ?? `https://${env.apiHost}/`}`);
  }
}

export function runTransition(
  verb: Operation,
  config: PlatformConfig,
  name: string,
  options: MutationOptions,
  deps: OpsDependencies,
  print: (t: string) => void,
) {
  return runMutation(verb, config, environment(config, name), options, deps, print);
}

/** `status <env> [--json]`: what AWS shows beside what was recorded, the drift and its fix. */
export async function runStatus(
  config: PlatformConfig,
  name: string,
  json: boolean,
  deps: OpsDependencies,
  print: (t: string) => void,
) {
  const env = environment(config, name);
  const { resources, operations } = await operationsFor(config, env, deps, print);
  const [observation, cache, link] = await Promise.all([
    operations.observe(),
    operations.cacheStatus(),
    resources.vpcLinkId ? readVpcLink(deps.clients(env).apigatewayv2, resources.vpcLinkId) : undefined,
  ]);
  const assessment = assessEnvironment(resources, observation, {
    configuredStructure: env.state,
    cacheStatus: cache,
    now: deps.now(),
  });
  const priced: EnvironmentState = assessment.observed === 'mixed' ? 'running' : assessment.observed;
  const cacheTask = observation.services.find((s) => s.role === 'cache');
  const status = {
    environment: env.name,
    observed: assessment.observed,
    recorded: observation.record ?? null,
    lock: observation.lock ?? null,
    drift: assessment.drift,
    converge: assessment.converge ?? null,
    services: observation.services,
    database: {
      id: resources.databaseId,
      status: observation.database,
      // whileMinimal 'snapshot': the snapshot the record names, which holds the data while minimal.
      ...(observation.record?.databaseSnapshot ? { snapshot: observation.record.databaseSnapshot.identifier } : {}),
    },
    loadBalancer: resources.loadBalancerDnsName ?? null,
    // ingress http-api: the VPC link requests go through, and its status (INACTIVE after 60 idle days).
    vpcLink: link ? { id: link.id, status: link.status, message: link.message ?? null } : null,
    // `cache.hosting: task`: the Valkey service, stopped while paused; otherwise the replication group.
    cache: cacheTask
      ? { service: cacheTask.name, running: cacheTask.running, desired: cacheTask.desired }
      : resources.cacheId
        ? { id: resources.cacheId, status: cache }
        : null,
    apiUrl: resources.apiUrl ?? null,
    monthlyCostUsd: deps.monthlyCost(config, env, priced),
  };
  if (json) {
    print(JSON.stringify(status, null, 2));
    return status;
  }
  const record = observation.record;
  print(
    `${env.name}: ${assessment.observed} as AWS shows it; recorded ${record ? `${record.state} at ${record.changedAt} by ${record.changedBy}` : 'nothing'}`,
  );
  for (const line of describeObservation(resources, observation).slice(0, -1 - (observation.lock ? 1 : 0))) print(line);
  const none = assessment.observed === 'minimal' ? 'none (minimal)' : 'none';
  if (link) {
    const note =
      link.status === 'AVAILABLE'
        ? ''
        : BROKEN_VPC_LINK_STATUSES.has(link.status)
          ? ` (requests cannot reach the web tasks: npx booking-infra doctor ${env.name} says how to fix it)`
          : ` (requests fail until it is AVAILABLE: npx booking-infra resume ${env.name} wakes it)`;
    print(
      `  front door: HTTP API, VPC link ${link.id} ${link.status}${link.message ? ` (${link.message})` : ''}${note}`,
    );
  } else {
    print(`  load balancer: ${resources.loadBalancerDnsName ?? none}`);
  }
  print(
    `  cache: ${cacheTask ? `task ${cacheTask.name}, ${cacheTask.running} running of ${cacheTask.desired} desired` : resources.cacheId ? `${resources.cacheId} ${cache}` : none}`,
  );
  print(`  API: ${resources.apiUrl ?? 'none'}`);
  print(`  cost of this state: about ${status.monthlyCostUsd.toFixed(2)} USD/month`);
  if (assessment.drift.length === 0) {
    print('  drift: none (AWS matches the record)');
  } else {
    for (const line of assessment.drift) print(`  drift: ${line}`);
    if (assessment.converge) print(`  to converge: ${assessment.converge}`);
  }
  return status;
}

/** `history <env>`: the journal of transitions, newest first. */
export async function runHistory(
  config: PlatformConfig,
  name: string,
  options: { limit: number; json: boolean },
  deps: OpsDependencies,
  print: (t: string) => void,
) {
  const env = environment(config, name);
  const { operations } = await operationsFor(config, env, deps, print);
  const entries = await operations.store.readJournal(options.limit);
  if (options.json) {
    print(JSON.stringify(entries, null, 2));
    return entries;
  }
  if (entries.length === 0) {
    print(`${env.name}: no transition recorded yet.`);
    return entries;
  }
  for (const e of entries) print(`${e.at}  ${e.operation.padEnd(7)} ${e.from} -> ${e.to}  ${e.outcome}  (${e.who})`);
  return entries;
}

/** `doctor <env>`: preflight checks, each pass or fail with the fix; fails if any check fails. */
export async function runDoctorCommand(
  config: PlatformConfig,
  name: string,
  deps: OpsDependencies,
  print: (t: string) => void,
) {
  const env = environment(config, name);
  const results = await runDoctor(config.shared, env, {
    clients: deps.clients(env),
    resolveNs: deps.resolveNs,
    postgresVersion: env.database.engineVersion,
    docker: deps.docker,
  });
  for (const result of results) {
    // A warning passes (nothing is broken) but says what to do about it, as a failure does.
    const label = !result.ok ? 'FAIL' : result.warning ? 'WARN' : 'PASS';
    print(`${label} ${result.name}: ${result.detail}`);
    if ((!result.ok || result.warning) && result.fix)
      for (const line of result.fix.split('\n')) print(`     fix: ${line}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  if (failed > 0) throw new CliError(`${failed} of ${results.length} checks failed for ${env.name}`);
  const warned = results.filter((r) => r.warning).length;
  print(
    warned > 0
      ? `All ${results.length} checks passed for ${env.name}, ${warned} with a warning (WARN above).`
      : `All ${results.length} checks passed for ${env.name}.`,
  );
  return results;
}

/** The Django secret the command rotates. */
export const SECRET_KEY_VARIABLE = 'DJANGO_SECRET_KEY';

export interface SecretKeyOptions {
  readonly keep: number;
  readonly redeployOnly?: boolean;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
}

/**
 * `rotate-secret-key <env>`: a new DJANGO_SECRET_KEY with the previous ones kept as fallbacks
 * (see src/ops/secret-key-rotation.ts), then a rolling deployment; plan first, prod confirmed.
 */
export async function runSecretKeyRotation(
  config: PlatformConfig,
  name: string,
  options: SecretKeyOptions,
  deps: OpsDependencies,
  print: (t: string) => void,
): Promise<void> {
  const env = environment(config, name);
  if (!env.applicationSecrets.includes(SECRET_KEY_VARIABLE)) {
    throw new CliError(
      `${env.name}.applicationSecrets does not list ${SECRET_KEY_VARIABLE}: there is no key to rotate (add it to the config and create its parameter)`,
    );
  }
  const { clients, resources, operations } = await operationsFor(config, env, deps, print);
  const rotation = {
    parameterName: applicationSecretParameter(config.shared.appName, env.name, SECRET_KEY_VARIABLE),
    keepFallbacks: options.keep,
    redeployOnly: Boolean(options.redeployOnly),
  };
  let plan;
  try {
    plan = await planSecretKeyRotation(clients, resources, rotation);
  } catch (error) {
    throw new CliError(`rotate-secret-key ${env.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  print(`Plan for ${SECRET_KEY_VARIABLE} of ${env.name} (${env.region}):`);
  plan.steps.forEach((step, index) => print(`  ${index + 1}. ${step}`));
  if (options.dryRun) {
    print('Dry run: nothing was changed.');
    return;
  }
  await confirmProduction(env, deps, options.yes, `rotate the secret key of ${env.name}`);
  try {
    await rotateSecretKey(clients, operations.store, resources, rotation, {
      actor: deps.actor ?? defaultActor(),
      now: deps.now,
      report: print,
    });
  } catch (error) {
    throw new CliError(`rotate-secret-key ${env.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  print(
    `${env.name}: ${SECRET_KEY_VARIABLE} ${rotation.redeployOnly ? 'redeployed' : 'rotated'}; tasks pick it up as the deployment rolls (npx booking-infra status ${env.name})`,
  );
}
