// The operations Lambda: the same library as the CLI, for three callers.
// - the guard (an RDS start event, or its own timer every few minutes): keep the database of an
//   environment recorded paused or minimal stopped, and report a metric the alarm watches;
// - the schedule ({"action": "pause"} or {"action": "resume"}): pause or resume under the lock;
// - CloudFormation custom resources: a deploy's scaling bounds resolved from the state record
//   (Custom::ServiceBounds) and the gate on removing the cache (Custom::EnvironmentStructure).
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { DeployedStructure } from '../../config/types';
import { createClients, type OpsClients } from '../../ops/clients';
import { answerCloudFormation, type CustomResourceEvent, putResponse } from '../custom-resource';
import { GUARD_METRIC, OPS_LAMBDA_VARIABLES as V } from '../../ops/contracts';
import { checkStructure, resolveServiceBounds } from '../../ops/deploy-gate';
import { DATABASE_MISSING, EnvironmentOperations, reconcileDatabase } from '../../ops/operations';
import type { ConfiguredCapacity, EnvironmentResources } from '../../ops/resources';
import type { ServiceRole } from '../../ops/state-store';

/** The environment's resources, from the function's environment variables (set by the stack). */
export function resourcesFromEnvironment(variables: NodeJS.ProcessEnv): EnvironmentResources {
  const required = (name: string) => {
    const value = variables[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  const services: Array<{ role: ServiceRole; name: string }> = [];
  if (variables[V.webService]) services.push({ role: 'web', name: variables[V.webService]! });
  if (variables[V.workerService]) services.push({ role: 'worker', name: variables[V.workerService]! });
  // `cache.hosting: task` only: paused after web and worker, resumed before them.
  if (variables[V.cacheService]) services.push({ role: 'cache', name: variables[V.cacheService]! });
  return {
    environment: required(V.environment),
    stage: required(V.stage),
    region: required('AWS_REGION'),
    databaseId: required(V.databaseId),
    clusterName: variables[V.cluster],
    services,
    // Absent with `ingress: http-api`: resume then waits on the web tasks' own health check.
    targetGroupArn: variables[V.targetGroupArn],
    // `ingress: http-api` only: resume wakes the link with a request to the API if it went INACTIVE.
    vpcLinkId: variables[V.vpcLinkId],
    apiUrl: variables[V.apiUrl],
    stateTable: required(V.stateTable),
    migrateFamily: variables[V.migrateFamily],
    pipelineName: variables[V.pipelineName],
    metricNamespace: required(V.metricNamespace),
    configured: JSON.parse(required(V.configuredCapacity)) as ConfiguredCapacity,
  };
}

export interface ScheduleEvent {
  readonly action: 'pause' | 'resume';
}

export interface GuardEvent {
  readonly source: 'aws.rds' | 'aws.events';
  readonly detail?: { readonly EventID?: string; readonly SourceIdentifier?: string };
}

export type { CustomResourceEvent };

export type OpsEvent = ScheduleEvent | GuardEvent | CustomResourceEvent;

export interface HandlerDependencies {
  readonly operations: EnvironmentOperations;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Sends a custom resource's response to CloudFormation's pre-signed URL. */
  readonly respond: (url: string, body: string) => Promise<void>;
  /**
   * The custom resources' read of their stack's status (a rollback is let through).
   * @default none: no rollback is recognised (tests that do not model one)
   */
  readonly clients?: Pick<OpsClients, 'cloudformation'>;
}

/** Time kept back from the Lambda's end for the journal entry and the lock's release. */
export const LAMBDA_DEADLINE_MARGIN_MS = 60_000;

/** When this invocation's waits must give up: its remaining time less the margin (none outside Lambda). */
export function deadlineFrom(context: unknown, now: number): number | undefined {
  const remaining = (context as { getRemainingTimeInMillis?: () => number } | undefined)?.getRemainingTimeInMillis;
  return typeof remaining === 'function' ? now + remaining.call(context) - LAMBDA_DEADLINE_MARGIN_MS : undefined;
}

/** The running invocation's deadline (deadlineFrom), read by the operations' waits. */
let invocationDeadline: number | undefined;

function defaultDependencies(): HandlerDependencies {
  const log = (line: string) => console.log(line);
  const actor = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'lambda';
  const clients = createClients(process.env.AWS_REGION ?? '');
  return {
    clients,
    operations: new EnvironmentOperations(resourcesFromEnvironment(process.env), {
      clients,
      report: log,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
      actor,
      pollIntervalMs: 15_000,
      // Stay inside Lambda's 15-minute limit: each wait at most 12 minutes, and every wait gives up
      // before the invocation ends, so a failure releases the lock and the retry carries on.
      timeoutMs: 12 * 60_000,
      deadline: () => invocationDeadline,
    }),
    now: () => Date.now(),
    log,
    respond: putResponse,
  };
}

const isCustomResource = (event: OpsEvent): event is CustomResourceEvent => 'RequestType' in event;

/** A custom resource's work: the attributes it returns, or an error CloudFormation shows. */
async function customResource(event: CustomResourceEvent, deps: HandlerDependencies): Promise<Record<string, string>> {
  const ops = deps.operations;
  const properties = event.ResourceProperties;
  const environment = ops.resources.environment;
  const actor = `deploy:${event.StackId.split('/')[1] ?? event.StackId}`;
  if (event.RequestType === 'Delete') return {};
  // A failed update rolls back by sending the previous template as another update: it was accepted
  // before, and refusing it now would strand the stack in UPDATE_ROLLBACK_FAILED.
  const rollingBack =
    event.RequestType === 'Update' &&
    deps.clients !== undefined &&
    (await stackStatus(deps.clients, event.StackId)) === 'UPDATE_ROLLBACK_IN_PROGRESS';
  if (event.ResourceType === 'Custom::ServiceBounds') {
    const bounds = await resolveServiceBounds(ops.store, {
      rollingBack,
      environment,
      role: properties.Role as ServiceRole,
      configured: { min: Number(properties.MinTasks), max: Number(properties.MaxTasks) },
      creating: event.RequestType === 'Create',
      firstDeploy: properties.FirstDeploy === 'true',
      now: deps.now(),
      actor,
    });
    // No scheduled minimum may start tasks in an environment held at 0..0.
    return { Min: String(bounds.min), Max: String(bounds.max), ScheduledScalingSuspended: String(bounds.max === 0) };
  }
  if (event.ResourceType === 'Custom::EnvironmentStructure') {
    const old = event.RequestType === 'Update' ? event.OldResourceProperties : undefined;
    if (rollingBack) {
      deps.log(`${event.StackId}: rolling back, the structure gate accepts the previous template unchecked`);
      return {};
    }
    await checkStructure(ops.store, {
      environment,
      structure: properties.Structure as DeployedStructure,
      now: deps.now(),
      actor,
      // Templates from before the database fields carry none: the structure alone is checked.
      database:
        properties.DatabaseInstance === undefined
          ? undefined
          : {
              instance: properties.DatabaseInstance === 'none' ? 'none' : 'present',
              restoreFrom: properties.RestoreFrom ?? '',
              previousRestoreFrom: old?.DatabaseInstance === 'present' ? (old.RestoreFrom ?? '') : undefined,
              previousInstance:
                old?.DatabaseInstance === 'present' || old?.DatabaseInstance === 'none'
                  ? old.DatabaseInstance
                  : undefined,
              engineVersion: properties.EngineVersion,
              exists: async () => (await ops.databaseStatus()) !== DATABASE_MISSING,
              snapshot: (identifier) => ops.describeDatabaseSnapshot(identifier),
            },
    });
    return {};
  }
  throw new Error(`unknown custom resource type ${event.ResourceType}`);
}

/** The stack's status (the data stack's, whose gate this is). */
async function stackStatus(clients: Pick<OpsClients, 'cloudformation'>, stackId: string): Promise<string | undefined> {
  try {
    const answer = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackId }));
    return answer?.Stacks?.[0]?.StackStatus;
  } catch (error) {
    // No such stack: not one rolling back (an emulator's stand-in event).
    if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
    throw error;
  }
}

/** The guard's metric as a CloudWatch Embedded Metric Format line (no PutMetricData permission needed). */
export function guardMetricLine(namespace: string, environment: string, value: number, now: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [[GUARD_METRIC.dimension]],
          Metrics: [{ Name: GUARD_METRIC.name, Unit: 'Count' }],
        },
      ],
    },
    [GUARD_METRIC.dimension]: environment,
    [GUARD_METRIC.name]: value,
  });
}

export async function handler(event: OpsEvent, context?: unknown, injected?: HandlerDependencies): Promise<string> {
  invocationDeadline = deadlineFrom(context, Date.now());
  const deps = injected ?? defaultDependencies();
  const ops = deps.operations;
  if (isCustomResource(event)) {
    return answerCloudFormation(event, () => customResource(event, deps), deps.respond, deps.log);
  }
  if ('action' in event && (event.action === 'pause' || event.action === 'resume')) {
    const plan = await ops.transition(event.action, (observed) =>
      event.action === 'pause' ? ops.planPause(observed) : ops.planResume(observed),
    );
    const outcome = plan.nothingToDo ?? `${event.action} done`;
    deps.log(outcome);
    return outcome;
  }
  if ('source' in event && (event.source === 'aws.rds' || event.source === 'aws.events')) {
    const result = await reconcileDatabase(ops, deps.now());
    deps.log(
      guardMetricLine(
        ops.resources.metricNamespace,
        ops.resources.environment,
        result.databaseNotStopped ? 1 : 0,
        deps.now(),
      ),
    );
    const trigger = event.source === 'aws.rds' ? `RDS ${event.detail?.EventID}` : 'timer';
    deps.log(`${trigger}: ${result.outcome} (${result.detail})`);
    return result.outcome;
  }
  throw new Error(`unrecognised event: ${JSON.stringify(event)}`);
}
