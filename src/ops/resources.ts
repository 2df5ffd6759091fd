import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EnvironmentConfig, SharedConfig } from '../config/types';
import { environmentPrefix } from '../modules/parameters/parameter-names';

/** One environment's operable resources, found from its stacks' outputs (never guessed). */
export interface EnvironmentResources {
  readonly environment: string;
  readonly production: boolean;
  readonly region: string;
  readonly databaseId: string;
  readonly clusterName?: string;
  /** Absent in the `minimal` state. */
  readonly services: ReadonlyArray<{ readonly role: 'web' | 'worker'; readonly name: string }>;
  readonly targetGroupArn?: string;
  readonly loadBalancerDnsName?: string;
  readonly cacheId?: string;
  readonly apiUrl?: string;
  /** The SSM parameter holding the recorded state. */
  readonly stateParameter: string;
}

/** The SSM parameter the pause/resume state (and the bounds to restore) is recorded in. */
export function stateParameterName(appName: string, environmentName: string): string {
  return `${environmentPrefix(appName, environmentName)}/ops/state`;
}

async function outputsOf(
  cloudformation: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string> | undefined> {
  try {
    const answer = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
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

/** Reads the data and app stacks' outputs; fails naming the stack to deploy when one is missing. */
export async function discoverResources(
  cloudformation: CloudFormationClient,
  shared: SharedConfig,
  env: EnvironmentConfig,
): Promise<EnvironmentResources> {
  const prefix = `${shared.appName}-${env.name}`;
  const data = await outputsOf(cloudformation, `${prefix}-data`);
  if (!data?.DatabaseInstanceId) {
    throw new Error(`stack ${prefix}-data is not deployed in ${env.region} (deploy it: npx cdk deploy '${prefix}/*')`);
  }
  const app = (await outputsOf(cloudformation, `${prefix}-app`)) ?? {};
  const services: Array<{ role: 'web' | 'worker'; name: string }> = [];
  if (app.WebServiceName) services.push({ role: 'web', name: app.WebServiceName });
  if (app.WorkerServiceName) services.push({ role: 'worker', name: app.WorkerServiceName });
  return {
    environment: env.name,
    production: env.production,
    region: env.region,
    databaseId: data.DatabaseInstanceId,
    clusterName: app.ClusterName,
    services,
    targetGroupArn: app.WebTargetGroupArn,
    loadBalancerDnsName: app.LoadBalancerDnsName,
    cacheId: data.CacheReplicationGroupId,
    apiUrl: app.ApiUrl,
    stateParameter: stateParameterName(shared.appName, env.name),
  };
}
