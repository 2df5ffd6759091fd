import { randomBytes, randomUUID } from 'node:crypto';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeParametersCommand, GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { OpsClients } from './clients';
import type { EnvironmentResources } from './resources';
import type { StateStore } from './state-store';

/**
 * `DJANGO_SECRET_KEY` rotation without logging anybody out. The SecureString parameter holds a
 * comma-separated list: the current key first, then the keys it replaced, which Django keeps
 * accepting for signatures made before (`SECRET_KEY_FALLBACKS`):
 *
 *   keys = os.environ["DJANGO_SECRET_KEY"].split(",")
 *   SECRET_KEY, SECRET_KEY_FALLBACKS = keys[0], keys[1:]
 *
 * One parameter, so a rotation is one atomic write: there is no moment at which a task could
 * start with a new key but without its fallbacks. The services are then redeployed (rolling) so
 * every task signs with the new key; tasks still running the old one until they are replaced are
 * fine, since the new tasks accept it as a fallback.
 */
export interface SecretKeyRotation {
  readonly parameterName: string;
  /** How many of the replaced keys stay accepted (sessions and signed links older than that many rotations break). */
  readonly keepFallbacks: number;
  /** Only redeploy the services (finishing a rotation whose redeploy failed). */
  readonly redeployOnly: boolean;
}

export interface SecretKeyPlan {
  readonly steps: readonly string[];
  /** Keys in the parameter now (current + fallbacks). */
  readonly keysNow: number;
}

/** A Django secret key: 50 random bytes, base64url (no comma, the list separator). */
export function newSecretKey(): string {
  return randomBytes(50).toString('base64url');
}

/** The keys of a parameter value: current first. */
export function parseKeys(value: string): string[] {
  return value
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
}

/**
 * The services running the application, which read the key: not a cache task, which a redeploy
 * would only restart (its clients reconnect, its queues wait meanwhile).
 */
function applicationServices(resources: EnvironmentResources): EnvironmentResources['services'] {
  return resources.services.filter((service) => service.role !== 'cache');
}

/** What a rotation will do, from what the parameter holds now. Reads the parameter; changes nothing. */
export async function planSecretKeyRotation(
  clients: Pick<OpsClients, 'ssm'>,
  resources: EnvironmentResources,
  rotation: SecretKeyRotation,
): Promise<SecretKeyPlan> {
  const keys = parseKeys(await readParameter(clients, rotation.parameterName));
  const services = applicationServices(resources).map((service) => service.name);
  const steps: string[] = [];
  if (!rotation.redeployOnly) {
    const kept = Math.min(keys.length, rotation.keepFallbacks);
    steps.push(
      `write a new key to ${rotation.parameterName}, keeping ${kept} of its ${keys.length} key(s) as fallback(s) (--keep ${rotation.keepFallbacks})`,
    );
  }
  steps.push(
    services.length > 0
      ? `rolling deployment of ${services.join(', ')} so every task signs with the ${rotation.redeployOnly ? 'current' : 'new'} key`
      : 'no service to redeploy (minimal state): the key applies when the services are created',
  );
  return { steps, keysNow: keys.length };
}

async function readParameter(clients: Pick<OpsClients, 'ssm'>, name: string): Promise<string> {
  try {
    const answer = await clients.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = answer.Parameter?.Value ?? '';
    if (parseKeys(value).length === 0) throw new Error(`${name} holds no key`);
    return value;
  } catch (error) {
    if ((error as { name?: string }).name === 'ParameterNotFound') {
      throw new Error(
        `${name} does not exist: create it first (README, "What the application reads"); nothing was changed`,
      );
    }
    throw error;
  }
}

/**
 * Rotates under the environment's lock (no two rotations, and no rotation during a pause or
 * resume). A failure after the write leaves a safe state, said in the error: the new key is stored
 * with the old one as a fallback, and `--redeploy-only` finishes the job.
 */
export async function rotateSecretKey(
  clients: Pick<OpsClients, 'ssm' | 'ecs'>,
  store: StateStore,
  resources: EnvironmentResources,
  rotation: SecretKeyRotation,
  context: { readonly actor: string; readonly now: () => number; readonly report: (line: string) => void },
): Promise<void> {
  const token = randomUUID();
  await store.acquireLock({
    holder: context.actor,
    operation: rotation.redeployOnly ? 'redeploy for the secret key' : 'rotate the secret key',
    token,
    now: context.now(),
  });
  try {
    if (!rotation.redeployOnly) {
      const keys = parseKeys(await readParameter(clients, rotation.parameterName));
      const described = await clients.ssm.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [rotation.parameterName] }],
        }),
      );
      // Overwriting without the key id would move a parameter encrypted with a key of its own to aws/ssm.
      const keyId = described.Parameters?.[0]?.KeyId;
      const value = [newSecretKey(), ...keys.slice(0, rotation.keepFallbacks)].join(',');
      const written = await clients.ssm.send(
        new PutParameterCommand({
          Name: rotation.parameterName,
          Value: value,
          Type: 'SecureString',
          KeyId: keyId,
          Overwrite: true,
        }),
      );
      context.report(
        `${rotation.parameterName}: new key written (version ${written.Version}), ${Math.min(keys.length, rotation.keepFallbacks)} fallback(s) kept`,
      );
    }
    for (const service of applicationServices(resources)) {
      try {
        await clients.ecs.send(
          new UpdateServiceCommand({ cluster: resources.clusterName, service: service.name, forceNewDeployment: true }),
        );
      } catch (error) {
        throw new Error(
          `the new key is stored and the previous one stays accepted, but the rolling deployment of ${service.name} did not start (${error instanceof Error ? error.message : String(error)}): run the command again with --redeploy-only to finish`,
        );
      }
      context.report(`${service.name}: rolling deployment started`);
    }
  } finally {
    await store.releaseLock(token).catch(() => undefined);
  }
}
