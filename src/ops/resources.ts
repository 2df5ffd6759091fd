import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DatabaseWhileMinimal, EnvironmentConfig, SharedConfig } from '../config/types';
import { STACK_OUTPUTS, environmentName, stackName, stateTableName } from './contracts';
import type { ServiceRole } from './state-store';

/** A service's scaling floor and ceiling. */
export interface ScalingBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * Configured scaling bounds (the config's minTasks/maxTasks), restored when nothing else is
 * recorded. The Lambdas read it as JSON (OPS_LAMBDA_VARIABLES.configuredCapacity).
 */
export interface ConfiguredCapacity {
  readonly web: ScalingBounds;
  readonly worker: ScalingBounds;
  /** `cache.hosting: 'task'` only: the cache service (CACHE_TASK_BOUNDS). */
  readonly cache?: ScalingBounds;
}

/** The cache service's bounds while running: one Valkey task, never more (one data file on EFS). */
export const CACHE_TASK_BOUNDS: ScalingBounds = { min: 1, max: 1 };

/** One environment's operable resources, found from its stacks' outputs (never guessed). */
export interface EnvironmentResources {
  readonly environment: string;
  /** The CDK stage, `<app>-<env>`: `npx cdk deploy '<stage>/*'` deploys the environment. */
  readonly stage: string;
  readonly region: string;
  readonly databaseId: string;
  readonly clusterName?: string;
  /** Absent in the `minimal` structure. With `cache.hosting: 'task'` the cache's service is one of them. */
  readonly services: ReadonlyArray<{ readonly role: ServiceRole; readonly name: string }>;
  /** The web target group: absent with `ingress: http-api` (no load balancer) and in `minimal`. */
  readonly targetGroupArn?: string;
  readonly loadBalancerDnsName?: string;
  /**
   * `ingress: http-api` only: the HTTP API's VPC link. API Gateway sets it INACTIVE after 60 days
   * without traffic (a long-paused environment): resume wakes it, doctor reports it.
   */
  readonly vpcLinkId?: string;
  /** `ingress: http-api` only: the HTTP API's id. */
  readonly httpApiId?: string;
  /** The ElastiCache replication group (`cache.hosting: 'elasticache'`); absent with a cache task and in `minimal`. */
  readonly cacheId?: string;
  readonly apiUrl?: string;
  /** The DynamoDB table holding the state record, the lock and the journal. */
  readonly stateTable: string;
  /** The migrate task's family: a pause waits while one runs. */
  readonly migrateFamily?: string;
  /** The release pipeline: a pause waits while a release is in progress. */
  readonly pipelineName?: string;
  /** CloudWatch namespace of the queue metrics (the app name). */
  readonly metricNamespace: string;
  readonly configured: ConfiguredCapacity;
  /**
   * `database.whileMinimal`: `snapshot` makes `minimal` snapshot the database, which the minimal
   * deploy then deletes. Only the CLI knows it (from the config); the Lambdas never run `minimal`.
   * @default 'stopped'
   */
  readonly databaseWhileMinimal?: DatabaseWhileMinimal;
}

/** The configured bounds of an environment's services. */
export function configuredCapacity(env: EnvironmentConfig): ConfiguredCapacity {
  return {
    web: { min: env.compute.web.minTasks, max: env.compute.web.maxTasks },
    worker: { min: env.compute.worker.minTasks, max: env.compute.worker.maxTasks },
    ...(env.cache.hosting === 'task' ? { cache: CACHE_TASK_BOUNDS } : {}),
  };
}

/** A stack's outputs by key, or undefined when the stack is not deployed. */
export async function stackOutputs(
  cloudformation: CloudFormationClient,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const answer = await cloudformation.send(new DescribeStacksCommand({ StackName: name }));
    const stack = answer.Stacks?.[0];
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return undefined;
    return Object.fromEntries(
      (stack.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
    );
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
    throw error;
  }
}

/** Reads the stacks' outputs; fails naming the stack to deploy when a required one is missing. */
export async function discoverResources(
  cloudformation: CloudFormationClient,
  shared: SharedConfig,
  env: EnvironmentConfig,
): Promise<EnvironmentResources> {
  const name = (part: Parameters<typeof stackName>[2]) => stackName(shared.appName, env.name, part);
  const [data, app, pipeline] = await Promise.all([
    stackOutputs(cloudformation, name('data')),
    stackOutputs(cloudformation, name('app')),
    stackOutputs(cloudformation, name('pipeline')),
  ]);
  const databaseId = data?.[STACK_OUTPUTS.data.databaseInstanceId];
  if (!databaseId) {
    throw new Error(
      `stack ${name('data')} is not deployed in ${env.region} (deploy it: npx cdk deploy '${environmentName(shared.appName, env.name)}/*')`,
    );
  }
  const outputs = app ?? {};
  const services: Array<{ role: ServiceRole; name: string }> = [];
  const web = outputs[STACK_OUTPUTS.app.webServiceName];
  const worker = outputs[STACK_OUTPUTS.app.workerServiceName];
  const cache = outputs[STACK_OUTPUTS.app.cacheServiceName];
  if (web) services.push({ role: 'web', name: web });
  if (worker) services.push({ role: 'worker', name: worker });
  if (cache) services.push({ role: 'cache', name: cache });
  return {
    environment: env.name,
    stage: environmentName(shared.appName, env.name),
    region: env.region,
    databaseId,
    clusterName: outputs[STACK_OUTPUTS.app.clusterName],
    services,
    targetGroupArn: outputs[STACK_OUTPUTS.app.webTargetGroupArn],
    loadBalancerDnsName: outputs[STACK_OUTPUTS.app.loadBalancerDnsName],
    vpcLinkId: outputs[STACK_OUTPUTS.app.vpcLinkId],
    httpApiId: outputs[STACK_OUTPUTS.app.httpApiId],
    cacheId: data[STACK_OUTPUTS.data.cacheReplicationGroupId],
    apiUrl: outputs[STACK_OUTPUTS.app.apiUrl],
    stateTable: stateTableName(shared.appName, env.name),
    migrateFamily: outputs[STACK_OUTPUTS.app.migrateTaskDefinition],
    pipelineName: pipeline?.[STACK_OUTPUTS.pipeline.pipelineName],
    metricNamespace: shared.appName,
    configured: configuredCapacity(env),
    databaseWhileMinimal: env.database.whileMinimal ?? 'stopped',
  };
}
