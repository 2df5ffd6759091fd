import { GetParameterCommand, ParameterNotFound, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** A service's scaling bounds and desired count, as recorded before a pause. */
export interface ServiceCapacity {
  readonly desired: number;
  readonly min: number;
  readonly max: number;
}

/**
 * What the environment is, as the ops tools left it. `resuming` is written before the database is
 * started so the 7-day guard does not stop it again.
 */
export interface StateRecord {
  readonly state: 'running' | 'paused' | 'resuming';
  readonly changedAt: string;
  /** Capacities to restore on resume, by service role. */
  readonly services: Readonly<Record<string, ServiceCapacity>>;
}

export async function readStateRecord(ssm: SSMClient, name: string): Promise<StateRecord | undefined> {
  try {
    const answer = await ssm.send(new GetParameterCommand({ Name: name }));
    return answer.Parameter?.Value ? (JSON.parse(answer.Parameter.Value) as StateRecord) : undefined;
  } catch (error) {
    if (error instanceof ParameterNotFound || (error instanceof Error && error.name === 'ParameterNotFound'))
      return undefined;
    throw error;
  }
}

export async function writeStateRecord(ssm: SSMClient, name: string, record: StateRecord): Promise<void> {
  await ssm.send(
    new PutParameterCommand({
      Name: name,
      Value: JSON.stringify(record),
      Type: 'String',
      Overwrite: true,
      Description: 'Environment state recorded by booking-infra pause/resume (do not edit by hand)',
    }),
  );
}
