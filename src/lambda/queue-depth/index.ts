// Publishes what Dramatiq holds in Redis/Valkey as two CloudWatch metrics once a minute:
// `QueueBacklog`, the ready messages, so the worker service can scale on it (from zero included),
// and `QueuedJobs`, every message not yet acked, so `booking-infra minimal` knows what deleting
// the cache would lose.
//
// Dramatiq's Redis broker (dramatiq/brokers/redis/dispatch.lua in Bogdanp/dramatiq), for each
// queue `<queue>` under the key namespace (`dramatiq`):
//   <ns>:<queue>                      list of ready message ids (enqueue: HSET the body + RPUSH the id)
//   <ns>:<queue>.msgs                 hash id -> message body, from the enqueue until the ack
//   <ns>:__acks__.<worker>.<queue>    set of ids a worker fetched (LPOP + SADD) and has not acked:
//                                     jobs running or prefetched; ack = SREM + HDEL from .msgs
//   <ns>:<queue>.DQ, <queue>.DQ.msgs  the same for delayed messages (send_with_options(delay=...));
//                                     a worker fetches them at once and holds them until their eta
//   <ns>:<queue>.XQ, <queue>.XQ.msgs  dead-lettered messages (nack), expired by Dramatiq (7 days)
// So QueueBacklog = LLEN <queue>, and QueuedJobs = HLEN <queue>.msgs + HLEN <queue>.DQ.msgs: ready,
// delayed and in progress (running, prefetched, or left in the ack set of a worker killed before
// it acked, which only another worker's maintenance requeues). Dead-lettered messages are not
// counted: they are failures kept for inspection, not work to do.
//
// Runs in the VPC next to the cache, which it reaches over TLS with the AUTH token. It needs no
// NAT gateway and no VPC endpoint: the metric is written as a CloudWatch Embedded Metric Format
// log line, and Lambda ships logs itself, outside the VPC.
//
// The Redis client is ioredis (bundled into the function by esbuild, see QueueMetrics), chosen
// over the others the issue named:
// - ioredis: maintained by Redis Inc, plain JavaScript (bundles into one file), TLS through
//   node:tls, ACL AUTH with a username and password (Redis 6+, Valkey), exact-pinned dependencies.
// - iovalkey: valkey-io's fork of ioredis with the same API, still 0.x and a smaller user base;
//   nothing here needs what it adds. Switching is an import change if Valkey-only features matter.
// - redis (node-redis): fine too, but the `redis` package pulls in its modules (JSON, search,
//   time series...) and it has no advantage for a few LLENs and HLENs.
// - @valkey/valkey-glide: a native Rust core shipped as per-platform optional packages
//   (.node files); esbuild cannot bundle it, and npm on an x64 build host installs only the x64
//   binary, not the linux-arm64 one this ARM64 function would need.
//
// IAM authentication (ElastiCache users with authentication mode IAM, Redis 7+/Valkey with
// in-transit encryption, which is ours) would need no other client: the password is a SigV4
// presigned request (`GET http://<replication group id>/?Action=connect&User=<user id>`, service
// `elasticache`, 900 s expiry, signed with the function role's credentials by @smithy/signature-v4,
// which the Lambda runtime's AWS SDK provides) with the `http://` removed, and the username is
// the user id: pass both as `username` and `password` to the client options below. A token lasts
// 15 minutes and this function opens one connection per invocation, so it would sign one per
// invocation; the role would need `elasticache:Connect` on the replication group and the user.
import { Redis, type RedisOptions } from 'ioredis';
import { QUEUE_BACKLOG_METRIC } from '../../ops/contracts';

/** The metric names: contracts with the worker's scaling alarms and `booking-infra minimal`. */
export const METRICS = {
  backlog: QUEUE_BACKLOG_METRIC.name,
  queuedJobs: QUEUE_BACKLOG_METRIC.queuedJobs,
  dimension: QUEUE_BACKLOG_METRIC.dimension,
} as const;

/** One queue's messages in the cache, by where they are. */
export interface QueueCounts {
  /** Ready: waiting in `<queue>` for a worker (LLEN). */
  ready: number;
  /** Delayed: waiting in `<queue>.DQ` for a worker to fetch them (LLEN). */
  delayed: number;
  /**
   * Held: fetched by a worker and not acked yet, from `<queue>` (running or prefetched) or
   * `<queue>.DQ` (held until their eta): the messages of the two hashes not in the lists.
   */
  held: number;
}

export interface MetricRecordInput {
  readonly namespace: string;
  readonly environment: string;
  readonly backlog: number;
  readonly queuedJobs?: number;
  readonly perQueue: Record<string, QueueCounts>;
  readonly now?: number;
}

/** The EMF log line CloudWatch turns into the metrics. */
export interface MetricRecord {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: 'Count' }>;
    }>;
  };
  Environment: string;
  QueueBacklog: number;
  QueuedJobs: number;
  queues: Record<string, QueueCounts>;
}

/**
 * QueueBacklog: ready messages (what workers can take now: drives scaling). QueuedJobs: every
 * message not yet acked, ready, delayed or in progress: everything the cache holds for Dramatiq
 * (what `minimal` would lose). `queues`, the per-queue detail, is a plain log field, not a metric.
 */
export function metricRecord({
  namespace,
  environment,
  backlog,
  queuedJobs,
  perQueue,
  now = Date.now(),
}: MetricRecordInput): MetricRecord {
  return {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [[METRICS.dimension]],
          Metrics: [
            { Name: METRICS.backlog, Unit: 'Count' },
            { Name: METRICS.queuedJobs, Unit: 'Count' },
          ],
        },
      ],
    },
    [METRICS.dimension]: environment,
    [METRICS.backlog]: backlog,
    [METRICS.queuedJobs]: queuedJobs ?? backlog,
    queues: perQueue,
  };
}

/** The keys of one queue in Dramatiq's Redis broker (see the layout at the top). */
export function dramatiqKeys(queue: string, keyNamespace = 'dramatiq') {
  return {
    /** List of ready message ids. */
    ready: `${keyNamespace}:${queue}`,
    /** List of delayed message ids (`actor.send_with_options(delay=...)`). */
    delayed: `${keyNamespace}:${queue}.DQ`,
    /** Hash of every message of the queue not acked yet, ready or fetched by a worker. */
    messages: `${keyNamespace}:${queue}.msgs`,
    /** The same for the delay queue. */
    delayedMessages: `${keyNamespace}:${queue}.DQ.msgs`,
  };
}

/** Dramatiq's Redis broker keeps each queue's ready message ids in the list `<namespace>:<queue>`. */
export function queueKeys(queues: readonly string[], keyNamespace = 'dramatiq'): string[] {
  return queues.map((queue) => dramatiqKeys(queue, keyNamespace).ready);
}

/** Delayed messages (`actor.send_with_options(delay=...)`) wait in the queue `<queue>.DQ`. */
export function delayQueueKeys(queues: readonly string[], keyNamespace = 'dramatiq'): string[] {
  return queues.map((queue) => dramatiqKeys(queue, keyNamespace).delayed);
}

/**
 * The client options for the cache, from the function's environment (set by QueueMetrics):
 * CACHE_HOST, CACHE_PORT (6379), CACHE_AUTH_TOKEN (the AUTH password, none if empty) and
 * CACHE_TLS (on unless `false`).
 */
export function clientOptions(variables: NodeJS.ProcessEnv): RedisOptions {
  const host = variables.CACHE_HOST;
  if (!host) throw new Error('environment variable CACHE_HOST is not set');
  return {
    host,
    port: Number(variables.CACHE_PORT ?? 6379),
    password: variables.CACHE_AUTH_TOKEN || undefined,
    tls: variables.CACHE_TLS === 'false' ? undefined : { servername: host },
    // One short-lived connection per invocation, failing fast: no reconnects, no queued
    // commands, no retries. The next invocation, a minute later, is the retry.
    lazyConnect: true,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    // RESP2 and a plain AUTH, which every ElastiCache engine accepts (ioredis 6 defaults to HELLO 3);
    // LLEN and HLEN answer integers in both protocols. No CLIENT SETINFO either (Redis 7.2+ only).
    protocol: 2,
    disableClientInfo: true,
  };
}

/** Makes the client; tests pass one pointed at a local server. */
export type CreateClient = (options: RedisOptions) => Redis;

const createRedis: CreateClient = (options) => new Redis(options);

/** One count to read: the length of a list (LLEN) or the number of fields of a hash (HLEN). */
export interface CountRead {
  readonly command: 'llen' | 'hlen';
  readonly key: string;
}

/**
 * Every count in one MULTI/EXEC on one connection: a snapshot, so that a message moving between
 * keys while they are read (a fetch, an ack, a delayed message re-enqueued at its eta) is seen
 * once, never missed. Fails with the cache's own reason (WRONGPASS, NOAUTH, ECONNREFUSED, a
 * timeout, WRONGTYPE) rather than ioredis's generic "Connection is closed.", and never returns a
 * count it did not read: a failure must not publish a zero.
 */
export async function readCounts(
  options: RedisOptions,
  reads: readonly CountRead[],
  createClient: CreateClient = createRedis,
): Promise<number[]> {
  const client = createClient(options);
  let connectionError: Error | undefined;
  client.on('error', (error: Error) => {
    connectionError ??= error;
  });
  try {
    await client.connect();
    const replies = await client.multi(reads.map(({ command, key }) => [command, key])).exec();
    if (!replies) throw new Error('the transaction was aborted');
    return replies.map(([error, count]) => {
      if (error) throw error;
      return Number(count);
    });
  } catch (error) {
    // A command refused inside MULTI aborts the transaction (EXECABORT): report the command's reason.
    const previous = (error as { previousErrors?: Error[] }).previousErrors?.[0];
    const cause = connectionError ?? previous ?? (error as Error);
    const where = `${options.host}:${options.port}`;
    throw new Error(`cannot read the queue lengths from the cache at ${where}: ${cause.message}`, { cause });
  } finally {
    client.disconnect();
  }
}

export interface QueueDepth {
  backlog: number;
  queuedJobs: number;
  perQueue: Record<string, QueueCounts>;
}

export interface HandlerDependencies {
  /** The Redis client factory. @default `new Redis(options)` */
  readonly createClient?: CreateClient;
  /** Where the EMF line goes. @default console.log (the function's log group) */
  readonly log?: (line: string) => void;
}

export async function handler(
  _event: unknown,
  _context: unknown,
  dependencies: HandlerDependencies = {},
): Promise<QueueDepth> {
  const queues = (process.env.QUEUES ?? 'default').split(',').filter(Boolean);
  const keyNamespace = process.env.KEY_NAMESPACE;
  const reads = queues.flatMap((queue): CountRead[] => {
    const keys = dramatiqKeys(queue, keyNamespace);
    return [
      { command: 'llen', key: keys.ready },
      { command: 'llen', key: keys.delayed },
      { command: 'hlen', key: keys.messages },
      { command: 'hlen', key: keys.delayedMessages },
    ];
  });
  const counts = await readCounts(clientOptions(process.env), reads, dependencies.createClient);
  let backlog = 0;
  let queuedJobs = 0;
  const perQueue: Record<string, QueueCounts> = {};
  queues.forEach((queue, i) => {
    const [ready, delayed, messages, delayedMessages] = counts.slice(4 * i, 4 * i + 4);
    backlog += ready;
    // Every message not acked yet has its body in one of the two hashes, whatever list or ack set
    // holds its id: that is what the cache would lose.
    queuedJobs += messages + delayedMessages;
    // The ids in the lists have their body in the hashes too; the rest are held by workers.
    // (Never negative in Dramatiq's layout; the guard is for a cache edited by hand.)
    perQueue[queue] = { ready, delayed, held: Math.max(0, messages + delayedMessages - ready - delayed) };
  });
  const record = metricRecord({
    namespace: process.env.METRIC_NAMESPACE ?? '',
    environment: process.env.ENVIRONMENT ?? '',
    backlog,
    queuedJobs,
    perQueue,
  });
  (dependencies.log ?? console.log)(JSON.stringify(record));
  return { backlog, queuedJobs, perQueue };
}
