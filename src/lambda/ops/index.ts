// The operations Lambda: the same library as the CLI, called by EventBridge.
// - an RDS event (the database was started by AWS after 7 days stopped): stop it again while the
//   environment is recorded as paused;
// - a schedule ({"action": "pause"} or {"action": "resume"}): pause or resume the environment.
import { createClients } from '../../ops/clients';
import { EnvironmentOperations } from '../../ops/operations';
import type { EnvironmentResources } from '../../ops/resources';

/** The environment's resources, from the function's environment variables (set by the stack). */
export function resourcesFromEnvironment(variables: NodeJS.ProcessEnv): EnvironmentResources {
  const required = (name: string) => {
    const value = variables[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  const services: Array<{ role: 'web' | 'worker'; name: string }> = [];
  if (variables.WEB_SERVICE) services.push({ role: 'web', name: variables.WEB_SERVICE });
  if (variables.WORKER_SERVICE) services.push({ role: 'worker', name: variables.WORKER_SERVICE });
  return {
    environment: required('ENVIRONMENT'),
    production: variables.PRODUCTION === 'true',
    region: required('AWS_REGION'),
    databaseId: required('DATABASE_ID'),
    clusterName: variables.CLUSTER,
    services,
    targetGroupArn: variables.TARGET_GROUP_ARN,
    stateParameter: required('STATE_PARAMETER'),
  };
}

export interface OpsEvent {
  readonly action?: 'pause' | 'resume';
  readonly source?: string;
  readonly detail?: { readonly EventID?: string; readonly SourceIdentifier?: string };
}

export async function handler(
  event: OpsEvent,
  _context?: unknown,
  operations?: EnvironmentOperations,
): Promise<string> {
  const ops =
    operations ??
    new EnvironmentOperations(resourcesFromEnvironment(process.env), {
      clients: createClients(process.env.AWS_REGION ?? ''),
      report: (line) => console.log(line),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
      pollIntervalMs: 15_000,
      // Stay inside Lambda's 15-minute limit.
      timeoutMs: 12 * 60_000,
    });
  if (event.action === 'pause' || event.action === 'resume') {
    const plan = event.action === 'pause' ? await ops.planPause() : await ops.planResume();
    if (plan.nothingToDo) {
      console.log(plan.nothingToDo);
      return plan.nothingToDo;
    }
    await ops.execute(plan);
    return `${event.action} done`;
  }
  if (event.source === 'aws.rds') {
    const outcome = await ops.restopIfPaused();
    console.log(`RDS ${event.detail?.EventID} on ${event.detail?.SourceIdentifier}: ${outcome}`);
    return outcome;
  }
  throw new Error(`unrecognised event: ${JSON.stringify(event)}`);
}
