import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { STATE_TABLE_KEYS } from './contracts';

/** A service's scaling bounds and the desired count to restore, by service role. */
export interface ServiceCapacity {
  readonly desired: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The services pause and resume scale. `cache` only with `cache.hosting: 'task'`: the Valkey
 * service, held at 1..1 while running and 0..0 while paused, stopped after web and worker and
 * started before them.
 */
export type ServiceRole = 'web' | 'worker' | 'cache';
export const SERVICE_ROLES: readonly ServiceRole[] = ['web', 'worker', 'cache'];

/**
 * What an environment is, in the one record every path converges on (CLI, schedule, guard,
 * deploy). `pausing` and `resuming` mark a transition that has begun and not finished; a crashed
 * one stays visible until the same operation is run again.
 */
export type RecordedState = 'running' | 'pausing' | 'paused' | 'resuming' | 'minimal';
export const RECORDED_STATES: readonly RecordedState[] = ['running', 'pausing', 'paused', 'resuming', 'minimal'];

/** States in which the database is meant to be stopped (the guard keeps it so). */
export const DATABASE_STOPPED_STATES: ReadonlySet<RecordedState> = new Set(['paused', 'minimal']);

export interface StateRecord {
  readonly state: RecordedState;
  /** Bumped by every write; a write succeeds only over the version it read. */
  readonly version: number;
  readonly changedAt: string;
  readonly changedBy: string;
  /**
   * Capacities to restore on resume. Written by deploys (the configured bounds) and by a pause
   * that finds a service running; never with a maximum of 0, so no failure or retry can record
   * "restore to nothing".
   */
  readonly services: Readonly<Partial<Record<ServiceRole, ServiceCapacity>>>;
  /**
   * `database.whileMinimal: 'snapshot'` only: the manual snapshot `minimal` took of the database
   * (after the services drained), which holds the data while the minimal deploy has deleted the
   * instance. Written by `minimal` from its first step (so a retry reuses it), kept through the
   * resume that precedes the restoring deploy (whose gate checks the config restores exactly this
   * snapshot), cleared by any other transition. Cleanup never deletes it.
   */
  readonly databaseSnapshot?: DatabaseSnapshotRecord;
}

/** The database kept as a snapshot while minimal (`StateRecord.databaseSnapshot`). */
export interface DatabaseSnapshotRecord {
  /** The DB snapshot identifier, `<app>-<env>-minimal-<UTC time>` (minimalDatabaseSnapshotName). */
  readonly identifier: string;
  /** The snapshot's master user, which the restored instance keeps (its secret is unchanged). */
  readonly masterUsername: string;
}

/** Who holds the transition lock, for what, since when. */
export interface LockRecord {
  readonly holder: string;
  readonly operation: string;
  readonly startedAt: string;
  /** Refreshed at every step and poll; a lock whose heartbeat is older than LOCK_STALE_MS may be broken. */
  readonly heartbeatAt: string;
  /** Identifies this holder's lock, so only it releases it. */
  readonly token: string;
}

export interface JournalEntry {
  readonly at: string;
  readonly who: string;
  readonly operation: string;
  readonly from: string;
  readonly to: string;
  /** `started`, `succeeded`, `nothing to do` or `failed: <reason>`. */
  readonly outcome: string;
}

/** A lock whose holder has not shown a sign of life for this long can be broken with --break-lock. */
export const LOCK_STALE_MS = 15 * 60_000;
/** Journal entries expire (DynamoDB TTL) after a year. */
const JOURNAL_TTL_SECONDS = 366 * 24 * 3600;

/** The record or lock item is not what this version of the tools writes. */
export class StateRecordError extends Error {
  override readonly name = 'StateRecordError';
}

/** Another transition holds the lock. */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    message: string,
    readonly lock: LockRecord,
  ) {
    super(message);
  }
}

/** The record changed between reading and writing it (a concurrent writer). */
export class RecordConflictError extends Error {
  override readonly name = 'RecordConflictError';
}

/** RDS's rule for a DB snapshot identifier: a letter first, letters, digits and single hyphens, no hyphen last. */
export const DB_SNAPSHOT_IDENTIFIER = /^[A-Za-z](?:-?[A-Za-z0-9])*$/;

const isWholeNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * Checks a record read from the table; throws one line naming the field, the value and the fix
 * (a hand-edited record must not crash the tools or restore nonsense).
 */
export function parseStateRecord(raw: unknown, where: string): StateRecord {
  const fail = (field: string, value: unknown, expected: string): never => {
    throw new StateRecordError(
      `the state record in ${where} is not valid: ${field} is ${JSON.stringify(value)}, expected ${expected} (fix the item by hand, or delete it and run "resume": it then restores the configured bounds)`,
    );
  };
  if (typeof raw !== 'object' || raw === null) return fail('the record', raw, 'an object');
  const record = raw as Record<string, unknown>;
  if (!RECORDED_STATES.includes(record.state as RecordedState))
    fail('state', record.state, `one of ${RECORDED_STATES.join(', ')}`);
  if (!isWholeNumber(record.version)) fail('version', record.version, 'a whole number');
  if (typeof record.changedAt !== 'string' || Number.isNaN(Date.parse(record.changedAt)))
    fail('changedAt', record.changedAt, 'an ISO 8601 time');
  const services = record.services ?? {};
  if (typeof services !== 'object' || services === null || Array.isArray(services))
    fail('services', services, 'an object of web/worker/cache capacities');
  const parsed: Partial<Record<ServiceRole, ServiceCapacity>> = {};
  for (const [role, value] of Object.entries(services as Record<string, unknown>)) {
    if (!SERVICE_ROLES.includes(role as ServiceRole))
      fail(`services.${role}`, value, `only ${SERVICE_ROLES.join(', ')}`);
    const capacity = (value ?? {}) as Record<string, unknown>;
    for (const key of ['desired', 'min', 'max'] as const) {
      if (!isWholeNumber(capacity[key])) fail(`services.${role}.${key}`, capacity[key], 'a whole number');
    }
    const { desired, min, max } = capacity as unknown as ServiceCapacity;
    if (max < 1 || min > max) fail(`services.${role}`, capacity, 'min <= max and max >= 1');
    parsed[role as ServiceRole] = { desired: Math.min(Math.max(desired, min), max), min, max };
  }
  let databaseSnapshot: DatabaseSnapshotRecord | undefined;
  if (record.databaseSnapshot !== undefined) {
    const snapshot = (record.databaseSnapshot ?? {}) as Record<string, unknown>;
    if (typeof snapshot.identifier !== 'string' || !DB_SNAPSHOT_IDENTIFIER.test(snapshot.identifier))
      fail('databaseSnapshot.identifier', snapshot.identifier, 'a DB snapshot identifier');
    if (typeof snapshot.masterUsername !== 'string' || snapshot.masterUsername === '')
      fail('databaseSnapshot.masterUsername', snapshot.masterUsername, "the snapshot's master user name");
    databaseSnapshot = {
      identifier: snapshot.identifier as string,
      masterUsername: snapshot.masterUsername as string,
    };
  }
  return {
    state: record.state as RecordedState,
    version: record.version as number,
    changedAt: record.changedAt as string,
    changedBy: typeof record.changedBy === 'string' ? record.changedBy : 'unknown',
    services: parsed,
    ...(databaseSnapshot ? { databaseSnapshot } : {}),
  };
}

const key = (item: { pk: string; sk: string }) => ({ pk: { S: item.pk }, sk: { S: item.sk } });
const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/**
 * The environment's state record, transition lock and journal in one DynamoDB table. Every write
 * is conditional: the record on its version, the lock on its absence or its holder's token.
 */
export class StateStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    readonly tableName: string,
  ) {}

  private get where(): string {
    return `table ${this.tableName}, item ${STATE_TABLE_KEYS.state.pk}/${STATE_TABLE_KEYS.state.sk}`;
  }

  async readRecord(): Promise<StateRecord | undefined> {
    const answer = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: key(STATE_TABLE_KEYS.state), ConsistentRead: true }),
    );
    const body = answer.Item?.record?.S;
    if (answer.Item && body === undefined)
      throw new StateRecordError(`the state record in ${this.where} has no "record" string attribute`);
    if (body === undefined) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      throw new StateRecordError(
        `the state record in ${this.where} is not JSON (${body.slice(0, 40)}...): fix it or delete the item`,
      );
    }
    return parseStateRecord(raw, this.where);
  }

  /**
   * Writes the record if it is still at `expectedVersion` (undefined: if there is none yet) and
   * returns what was written.
   */
  async writeRecord(next: Omit<StateRecord, 'version'>, expectedVersion: number | undefined): Promise<StateRecord> {
    const record: StateRecord = { ...next, version: (expectedVersion ?? 0) + 1 };
    // Validate what we write with the same rules as what we read.
    parseStateRecord(record, this.where);
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...key(STATE_TABLE_KEYS.state),
            record: { S: JSON.stringify(record) },
            version: { N: String(record.version) },
          },
          ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :expected',
          ExpressionAttributeValues:
            expectedVersion === undefined ? undefined : { ':expected': { N: String(expectedVersion) } },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error))
        throw new RecordConflictError(
          `the state record in ${this.where} changed while this run was using it (another run wrote version ${expectedVersion === undefined ? 1 : `> ${expectedVersion}`}); run the command again`,
        );
      throw error;
    }
    return record;
  }

  async readLock(): Promise<LockRecord | undefined> {
    const answer = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: key(STATE_TABLE_KEYS.lock), ConsistentRead: true }),
    );
    const item = answer.Item;
    if (!item) return undefined;
    return {
      holder: item.holder?.S ?? 'unknown',
      operation: item.operation?.S ?? 'unknown',
      startedAt: item.startedAt?.S ?? new Date(0).toISOString(),
      heartbeatAt: item.heartbeatAt?.S ?? item.startedAt?.S ?? new Date(0).toISOString(),
      token: item.token?.S ?? '',
    };
  }

  /**
   * Takes the lock or throws LockHeldError naming the holder, the operation and when it began.
   * With `breakStale`, a lock whose heartbeat is older than LOCK_STALE_MS is taken over.
   */
  async acquireLock(
    request: { holder: string; operation: string; token: string; now: number },
    breakStale = false,
  ): Promise<LockRecord> {
    const at = new Date(request.now).toISOString();
    const lock: LockRecord = { ...request, startedAt: at, heartbeatAt: at };
    const staleBefore = new Date(request.now - LOCK_STALE_MS).toISOString();
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...key(STATE_TABLE_KEYS.lock),
            holder: { S: lock.holder },
            operation: { S: lock.operation },
            startedAt: { S: lock.startedAt },
            heartbeatAt: { S: lock.heartbeatAt },
            token: { S: lock.token },
          },
          ConditionExpression: breakStale
            ? 'attribute_not_exists(pk) OR heartbeatAt < :staleBefore'
            : 'attribute_not_exists(pk)',
          ExpressionAttributeValues: breakStale ? { ':staleBefore': { S: staleBefore } } : undefined,
        }),
      );
      return lock;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const held = await this.readLock();
      if (!held) return this.acquireLock(request, breakStale);
      const ageMinutes = Math.round((request.now - Date.parse(held.heartbeatAt)) / 60_000);
      const stale = request.now - Date.parse(held.heartbeatAt) > LOCK_STALE_MS;
      const advice = stale
        ? `its last sign of life was ${ageMinutes} min ago: if that run crashed, run again with --break-lock`
        : `wait for it to finish (--break-lock is allowed once it has shown no sign of life for ${LOCK_STALE_MS / 60_000} min)`;
      throw new LockHeldError(
        `another transition holds the lock: ${held.holder} is running "${held.operation}" since ${held.startedAt}; ${advice}`,
        held,
      );
    }
  }

  /** Refreshes the heartbeat of our own lock; fails if it was broken by someone else. */
  async heartbeat(token: string, now: number): Promise<void> {
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(STATE_TABLE_KEYS.lock),
          UpdateExpression: 'SET heartbeatAt = :now',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':now': { S: new Date(now).toISOString() }, ':token': { S: token } },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error))
        throw new RecordConflictError(
          `this run's lock on ${this.tableName} was broken by another run (--break-lock); stopping here`,
        );
      throw error;
    }
  }

  /** Releases our own lock (a no-op if it is no longer ours). */
  async releaseLock(token: string): Promise<void> {
    try {
      await this.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: key(STATE_TABLE_KEYS.lock),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': { S: token } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async appendJournal(entry: JournalEntry, id: string): Promise<void> {
    const expires = Math.floor(Date.parse(entry.at) / 1000) + JOURNAL_TTL_SECONDS;
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: STATE_TABLE_KEYS.journalPk },
          sk: { S: `${entry.at}#${id}` },
          entry: { S: JSON.stringify(entry) },
          expiresAt: { N: String(expires) },
        },
      }),
    );
  }

  /** The newest `limit` journal entries, newest first (paging through DynamoDB's 1 MB pages). */
  async readJournal(limit: number): Promise<JournalEntry[]> {
    const entries: JournalEntry[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const answer = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :journal',
          ExpressionAttributeValues: { ':journal': { S: STATE_TABLE_KEYS.journalPk } },
          ScanIndexForward: false,
          Limit: limit - entries.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of answer.Items ?? []) {
        try {
          entries.push(JSON.parse(item.entry?.S ?? '') as JournalEntry);
        } catch {
          // An entry that is not JSON (edited by hand) is skipped, not fatal to the history.
        }
      }
      start = answer.LastEvaluatedKey;
    } while (start && entries.length < limit);
    return entries;
  }
}
