// The database-access Lambda: two callers, both about who may log in to the database.
// - CloudFormation (`Custom::DatabaseRoles`, on create and on every change of the roles task):
//   runs the roles task (docker/db-roles) once on Fargate and answers SUCCESS only when it exited
//   0, so the services, which depend on the resource, switch to the roles only once they exist.
//   The database must be running: a stopped one (a paused environment) fails the deploy with the
//   way out, before anything changed.
// - EventBridge (`Secret Label Updated`: AWSCURRENT moved on the application's secret, i.e. a
//   rotation finished): a rolling deployment of the web and worker services, whose new tasks read
//   the new credentials; the old ones stay valid until the next rotation (alternating users), so
//   no request fails meanwhile.
// The function runs outside the VPC: it only calls AWS APIs.
import { DescribeTasksCommand, ECSClient, RunTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { answerCloudFormation, type CustomResourceEvent, putResponse } from '../custom-resource';

export type { CustomResourceEvent };

/** The variables the stack sets. */
export const DATABASE_ACCESS_VARIABLES = {
  cluster: 'CLUSTER',
  /** Comma-separated service names to redeploy after a rotation. */
  services: 'SERVICES',
} as const;

/** The properties of `Custom::DatabaseRoles`. */
export interface RolesTaskProperties {
  readonly Cluster: string;
  readonly TaskDefinition: string;
  /** Comma-separated subnet ids. */
  readonly Subnets: string;
  readonly SecurityGroup: string;
  readonly AssignPublicIp: 'ENABLED' | 'DISABLED';
  readonly DatabaseId: string;
  /** Where the task logs, named in a failure. */
  readonly LogGroup: string;
  /** The environment, named in a failure's way out. */
  readonly Environment: string;
}

export interface SecretLabelEvent {
  readonly source: 'aws.secretsmanager';
  readonly 'detail-type': 'Secret Label Updated';
  readonly detail: { readonly name: string; readonly labelUpdated: string; readonly versionId?: string };
}

export type DatabaseAccessEvent = CustomResourceEvent | SecretLabelEvent;

export interface DatabaseAccessDependencies {
  readonly ecs: Pick<ECSClient, 'send'>;
  readonly rds: Pick<RDSClient, 'send'>;
  readonly variables: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Sends a custom resource's response to CloudFormation's pre-signed URL. */
  readonly respond: (url: string, body: string) => Promise<void>;
  /** How often the task is polled, and for how long at most (inside Lambda's 15 minutes). */
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
}

function defaultDependencies(): DatabaseAccessDependencies {
  return {
    ecs: new ECSClient({}),
    rds: new RDSClient({}),
    variables: process.env,
    log: (line) => console.log(line),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    respond: putResponse,
    pollIntervalMs: 10_000,
    timeoutMs: 13 * 60_000,
  };
}

/** Runs the roles task to completion; throws with what went wrong and where its logs are. */
export async function runRolesTask(props: RolesTaskProperties, deps: DatabaseAccessDependencies): Promise<string> {
  const database = await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: props.DatabaseId }));
  const status = database.DBInstances?.[0]?.DBInstanceStatus ?? 'missing';
  if (status !== 'available') {
    throw new Error(
      `the database ${props.DatabaseId} is ${status}, and the roles task needs it available: nothing was changed. ` +
        (status === 'stopped' || status === 'stopping'
          ? `Run \`npx booking-infra resume ${props.Environment}\` and deploy again (or deploy this change while the environment runs).`
          : 'Wait until it is available and deploy again.'),
    );
  }
  const started = await deps.ecs.send(
    new RunTaskCommand({
      cluster: props.Cluster,
      taskDefinition: props.TaskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'database-roles',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: props.Subnets.split(',').filter(Boolean),
          securityGroups: [props.SecurityGroup],
          assignPublicIp: props.AssignPublicIp,
        },
      },
    }),
  );
  const taskArn = started.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const why = (started.failures ?? []).map((failure) => `${failure.reason ?? ''} ${failure.detail ?? ''}`.trim());
    throw new Error(`ECS did not start the roles task: ${why.join('; ') || 'no task and no failure reported'}`);
  }
  deps.log(`roles task ${taskArn} started`);
  const deadline = deps.now() + deps.timeoutMs;
  for (;;) {
    await deps.sleep(deps.pollIntervalMs);
    const described = await deps.ecs.send(new DescribeTasksCommand({ cluster: props.Cluster, tasks: [taskArn] }));
    const task = described.tasks?.[0];
    if (task?.lastStatus === 'STOPPED') {
      const container = task.containers?.[0];
      if (container?.exitCode === 0) return taskArn;
      const taskId = taskArn.split('/').pop();
      throw new Error(
        `the roles task ${taskId} stopped with exit code ${container?.exitCode ?? 'none'}` +
          ` (${container?.reason ?? task.stoppedReason ?? 'no reason given'}): see log group ${props.LogGroup}, stream roles/roles/${taskId}`,
      );
    }
    if (deps.now() >= deadline) {
      throw new Error(
        `the roles task ${taskArn} was still ${task?.lastStatus ?? 'unknown'} after ${Math.round(deps.timeoutMs / 60_000)} minutes; see log group ${props.LogGroup}`,
      );
    }
  }
}

/** After a rotation: a rolling deployment of every service, so new tasks read the new credentials. */
export async function redeployServices(event: SecretLabelEvent, deps: DatabaseAccessDependencies): Promise<string> {
  if (event.detail.labelUpdated !== 'AWSCURRENT') return `label ${event.detail.labelUpdated}: nothing to do`;
  const cluster = deps.variables[DATABASE_ACCESS_VARIABLES.cluster];
  const services = (deps.variables[DATABASE_ACCESS_VARIABLES.services] ?? '').split(',').filter(Boolean);
  if (!cluster || services.length === 0) throw new Error('CLUSTER and SERVICES must be set');
  const failed: string[] = [];
  for (const service of services) {
    try {
      // A service at zero tasks (paused) takes the new deployment and starts nothing.
      await deps.ecs.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }));
      deps.log(`${service}: rolling deployment started for the new credentials of ${event.detail.name}`);
    } catch (error) {
      failed.push(`${service}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // Throwing makes EventBridge's asynchronous invocation retry; the services already redeployed
  // are redeployed again, which is harmless.
  if (failed.length > 0) throw new Error(`could not redeploy ${failed.join('; ')}`);
  return `redeployed ${services.join(', ')}`;
}

export async function handler(
  event: DatabaseAccessEvent,
  _context?: unknown,
  injected?: DatabaseAccessDependencies,
): Promise<string> {
  const deps = injected ?? defaultDependencies();
  if ('RequestType' in event) {
    return answerCloudFormation(
      event,
      async (): Promise<Record<string, string>> => {
        if (event.ResourceType !== 'Custom::DatabaseRoles') {
          throw new Error(`unknown custom resource type ${event.ResourceType}`);
        }
        // Deleting the resource leaves the roles: the database (and who may log in) outlives the stack.
        if (event.RequestType === 'Delete') return {};
        return { TaskArn: await runRolesTask(event.ResourceProperties as unknown as RolesTaskProperties, deps) };
      },
      deps.respond,
      deps.log,
    );
  }
  if (event.source === 'aws.secretsmanager' && event['detail-type'] === 'Secret Label Updated') {
    const outcome = await redeployServices(event, deps);
    deps.log(outcome);
    return outcome;
  }
  throw new Error(`unrecognised event: ${JSON.stringify(event)}`);
}
