import { promises as dnsPromises } from 'node:dns';
import { createInterface } from 'node:readline/promises';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import type { EnvironmentConfig, PlatformConfig } from '../../config/types';
import { estimateEnvironments } from '../../cost/environment-cost';
import { createClients, type OpsClients } from '../../ops/clients';
import { runDoctor } from '../../ops/doctor';
import { EnvironmentOperations, type Observation, type OpsContext, type Plan } from '../../ops/operations';
import { discoverResources, type EnvironmentResources } from '../../ops/resources';
import { CliError } from '../errors';
import { selectEnvironments } from './cost';

/** What the operational commands need from outside; tests replace every part. */
export interface OpsDependencies {
  readonly clients: (region: string) => OpsClients;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Whether a person can be asked (stdin is a terminal). */
  readonly interactive: boolean;
  /** Asks a question and returns the answer. */
  readonly ask: (question: string) => Promise<string>;
  readonly resolveNs: (domain: string) => Promise<string[]>;
  /** Monthly cost of an environment in a state (the estimator; tests may stub it). */
  readonly monthlyCost: (config: PlatformConfig, env: EnvironmentConfig, state: EnvironmentConfig['state']) => number;
  readonly pollIntervalMs?: number;
}

export const defaultOpsDependencies: OpsDependencies = {
  clients: createClients,
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
  monthlyCost: (config, env, state) => estimateEnvironments(config, [env], state)[0].totalUsd,
};

export interface MutationOptions {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
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
  const clients = deps.clients(env.region);
  const resources = await discoverResources(clients.cloudformation, config.shared, env);
  const context: OpsContext = {
    clients,
    report: print,
    sleep: deps.sleep,
    now: deps.now,
    pollIntervalMs: deps.pollIntervalMs,
  };
  return { clients, resources, operations: new EnvironmentOperations(resources, context) };
}

function describeObservation(resources: EnvironmentResources, observation: Observation): string[] {
  const lines = observation.services.map(
    (s) =>
      `  ${s.role} service ${s.name}: ${s.desired} desired, ${s.running} running, ${s.pending} pending, bounds ${s.min}..${s.max}`,
  );
  lines.push(`  database ${resources.databaseId}: ${observation.database}`);
  lines.push(
    `  recorded state: ${observation.record ? `${observation.record.state} since ${observation.record.changedAt}` : 'none'}`,
  );
  return lines;
}

/** Prints the plan, asks for prod, runs it; on failure prints every resource's state. */
async function runMutation(
  verb: 'pause' | 'resume',
  config: PlatformConfig,
  env: EnvironmentConfig,
  options: MutationOptions,
  deps: OpsDependencies,
  print: (t: string) => void,
): Promise<void> {
  const { resources, operations } = await operationsFor(config, env, deps, print);
  const plan: Plan = verb === 'pause' ? await operations.planPause() : await operations.planResume();
  if (plan.nothingToDo) {
    print(`${plan.nothingToDo}: nothing to do.`);
    return;
  }
  print(`Plan to ${verb} ${env.name} (${env.region}):`);
  plan.steps.forEach((step, index) => print(`  ${index + 1}. ${step.description}`));
  if (options.dryRun) {
    print('Dry run: nothing was changed.');
    return;
  }
  if (env.production && !options.yes) {
    if (!deps.interactive)
      throw new CliError(
        `refusing to ${verb} ${env.name} without --yes: it is a production environment and there is no terminal to confirm`,
      );
    const answer = await deps.ask(`${env.name} is production. Type "${env.name}" to ${verb} it: `);
    if (answer.trim() !== env.name) throw new CliError(`not confirmed; nothing was changed`);
  }
  try {
    await operations.execute(plan);
  } catch (error) {
    print(`${verb} failed: ${error instanceof Error ? error.message : String(error)}`);
    print('State of each resource now:');
    try {
      for (const line of describeObservation(resources, await operations.observe())) print(line);
    } catch (observeError) {
      print(`  (could not read it: ${observeError instanceof Error ? observeError.message : String(observeError)})`);
    }
    throw new CliError(`${verb} of ${env.name} did not complete; run it again to continue from where it stopped`);
  }
  if (verb === 'pause') {
    print(
      `${env.name} is paused: about ${deps.monthlyCost(config, env, 'paused').toFixed(2)} USD/month. Resume with: npx booking-infra resume ${env.name}`,
    );
  } else {
    print(`${env.name} is running: ${resources.apiUrl ?? `https://${env.apiHost}/`}`);
  }
}

export function runPause(
  config: PlatformConfig,
  name: string,
  options: MutationOptions,
  deps: OpsDependencies,
  print: (t: string) => void,
) {
  return runMutation('pause', config, environment(config, name), options, deps, print);
}

export function runResume(
  config: PlatformConfig,
  name: string,
  options: MutationOptions,
  deps: OpsDependencies,
  print: (t: string) => void,
) {
  return runMutation('resume', config, environment(config, name), options, deps, print);
}

/** `status <env> [--json]`: state, services, database, ALB, cache, API URL and the state's cost. */
export async function runStatus(
  config: PlatformConfig,
  name: string,
  json: boolean,
  deps: OpsDependencies,
  print: (t: string) => void,
) {
  const env = environment(config, name);
  const { clients, resources, operations } = await operationsFor(config, env, deps, print);
  const observation = await operations.observe();
  let cache: string | undefined;
  if (resources.cacheId) {
    const answer = await clients.elasticache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: resources.cacheId }),
    );
    cache = answer.ReplicationGroups?.[0]?.Status ?? 'unknown';
  }
  // Without services the environment is minimal; otherwise the recorded state says paused or not,
  // and a resume in progress is shown as such.
  const recorded = observation.record?.state;
  const state = resources.services.length === 0 ? 'minimal' : recorded === 'paused' ? 'paused' : 'running';
  const label = recorded === 'resuming' && state === 'running' ? 'resuming' : state;
  const status = {
    environment: env.name,
    state: label,
    recorded: observation.record ?? null,
    services: observation.services,
    database: { id: resources.databaseId, status: observation.database },
    loadBalancer: resources.loadBalancerDnsName ?? null,
    cache: resources.cacheId ? { id: resources.cacheId, status: cache } : null,
    apiUrl: resources.apiUrl ?? null,
    monthlyCostUsd: deps.monthlyCost(config, env, state),
  };
  if (json) {
    print(JSON.stringify(status, null, 2));
    return status;
  }
  print(
    `${env.name}: ${label}${observation.record ? ` (recorded ${observation.record.state} at ${observation.record.changedAt})` : ''}`,
  );
  for (const line of describeObservation(resources, observation).slice(0, -1)) print(line);
  print(`  load balancer: ${resources.loadBalancerDnsName ?? 'none (minimal state)'}`);
  print(`  cache: ${resources.cacheId ? `${resources.cacheId} ${cache}` : 'none (minimal state)'}`);
  print(`  API: ${resources.apiUrl ?? 'none'}`);
  print(`  cost of this state: about ${status.monthlyCostUsd.toFixed(2)} USD/month`);
  return status;
}

/** `doctor <env>`: preflight checks, each pass or fail with the fix; fails if any check fails. */
export async function runDoctorCommand(
  config: PlatformConfig,
  name: string,
  deps: OpsDependencies,
  print: (t: string) => void,
) {
  const env = environment(config, name);
  const results = await runDoctor(config.shared, env, { clients: deps.clients(env.region), resolveNs: deps.resolveNs });
  for (const result of results) {
    print(`${result.ok ? 'PASS' : 'FAIL'} ${result.name}: ${result.detail}`);
    if (!result.ok && result.fix) for (const line of result.fix.split('\n')) print(`     fix: ${line}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  if (failed > 0) throw new CliError(`${failed} of ${results.length} checks failed for ${env.name}`);
  print(`All ${results.length} checks passed for ${env.name}.`);
  return results;
}
