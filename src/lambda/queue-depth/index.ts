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
// Runs in the VPC next to the cache, which it reaches over TLS. It needs no NAT gateway and no VPC
// endpoint: the metric is written as a CloudWatch Embedded Metric Format log line, and Lambda
// ships logs itself, outside the VPC.
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
// It authenticates with IAM, holding no secret: the cache's user group (src/modules/cache) has an
// IAM-authenticated user for it whose access string (PUBLISHER_ACCESS_STRING below) allows only
// the commands it sends, on the Dramatiq keys only. The password is a short-lived token: a SigV4
// presigned request `GET http://<replication group id>/?Action=connect&User=<user id>`, service
// `elasticache`, 15 minutes, signed with the function role's credentials (the AWS_* variables
// Lambda sets), without the `http://`; the username is the user id. This is what AWS's own
// token generator does (aws/developer-toolkit-elasticache, node/src/token-generator.ts), and
// what the ElastiCache guide describes (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html).
// The role has `elasticache:Connect` on the replication group and that user only. One token is
// signed per invocation: it only has to be valid when the connection AUTHs, a moment later.
//
// The other mode, `CACHE_TLS=psk` (`cache.hosting: task`): the cache is a Valkey task that pause
// stops, behind a stunnel server that accepts TLS 1.2 with a pre-shared key only (CACHE_TUNNEL in
// src/ops/contracts: identity, cipher, port). Node's tls speaks TLS-PSK as a client itself
// (`pskCallback`; PSK up to TLS 1.2 only), and ioredis hands its `tls` options to `tls.connect`
// unchanged, so the function needs no tunnel process of its own. No certificate is involved: the
// key authenticates both ends, so the server identity check is off and no SNI is sent. Then
// `AUTH <password>`: Valkey's default user (requirepass), the password the tasks send. Both
// secrets come from the environment (CACHE_TUNNEL_PSK, CACHE_PASSWORD), where CloudFormation put
// them from Secrets Manager at deploy time (dynamic references: the template holds none): the
// function runs in private subnets without NAT in dev, so it could not call Secrets Manager.
// While the task is stopped (the environment is paused, or a Spot interruption is replacing it)
// its Cloud Map name has no address: the function then publishes nothing and does not fail (see
// `cacheNotRunning`).
import { lookup } from 'node:dns/promises';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { Redis, type RedisOptions } from 'ioredis';
import { CACHE_TUNNEL, QUEUE_BACKLOG_METRIC } from '../../ops/contracts';

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

/** Dramatiq's default key namespace: every key of its Redis broker starts with `dramatiq:`. */
export const DRAMATIQ_KEY_NAMESPACE = 'dramatiq';

/** The keys of one queue in Dramatiq's Redis broker (see the layout at the top). */
export function dramatiqKeys(queue: string, keyNamespace = DRAMATIQ_KEY_NAMESPACE) {
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
export function queueKeys(queues: readonly string[], keyNamespace = DRAMATIQ_KEY_NAMESPACE): string[] {
  return queues.map((queue) => dramatiqKeys(queue, keyNamespace).ready);
}

/** Delayed messages (`actor.send_with_options(delay=...)`) wait in the queue `<queue>.DQ`. */
export function delayQueueKeys(queues: readonly string[], keyNamespace = DRAMATIQ_KEY_NAMESPACE): string[] {
  return queues.map((queue) => dramatiqKeys(queue, keyNamespace).delayed);
}

/**
 * The cache ACL of the publisher's user (an ElastiCache RBAC access string, Redis ACL syntax):
 * every command the function sends and nothing else, on Dramatiq's keys only. `readCounts` sends,
 * on one connection: AUTH (always allowed: a server runs it before knowing the user), then MULTI,
 * LLEN and HLEN of each queue's keys, EXEC. The client is set up to send nothing else (no INFO
 * ready check, no HELLO, no CLIENT SETINFO/SETNAME, no SELECT, no QUIT: see clientOptions). No
 * write, no other read, no key outside `<namespace>:*` (sessions); no pub/sub command, so no channel.
 * The cache module gives this string to the user it makes for the function; the integration test
 * runs the function as a redis-server ACL user with exactly this string.
 */
export function publisherAccessString(keyNamespace = DRAMATIQ_KEY_NAMESPACE): string {
  return `on ~${keyNamespace}:* -@all +multi +exec +llen +hlen`;
}

/** The access string of the publisher's user in the cache (Dramatiq's default namespace). */
export const PUBLISHER_ACCESS_STRING = publisherAccessString();

/** Lifetime of an ElastiCache IAM authentication token: 15 minutes, the most ElastiCache accepts. */
export const IAM_TOKEN_EXPIRES_SECONDS = 900;

/** AWS credentials that sign the token (in Lambda: the role's, from the AWS_* variables). */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface IamTokenInput {
  /** The replication group's id (not its endpoint): the signed request's host. */
  readonly replicationGroupId: string;
  /** The ElastiCache user's id (equal to its name for IAM users): the `User` parameter. */
  readonly userId: string;
  readonly region: string;
  readonly credentials: SigningCredentials;
  /** The signing time. @default now */
  readonly now?: Date;
}

/** SigV4's URI encoding (RFC 3986): encodeURIComponent also escaping !'()*. */
function sigv4Escape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The IAM authentication token: the password of an IAM-authenticated ElastiCache user. A SigV4
 * presigned `GET http://<replication group id>/?Action=connect&User=<user id>` for the service
 * `elasticache`, valid 900 s, without its `http://`. ElastiCache stores ids in lower case and
 * signs what it stores, so both are lowered (as AWS's token generator does). Pure: the same
 * input (credentials, clock) gives the same token.
 */
export async function iamAuthToken({
  replicationGroupId,
  userId,
  region,
  credentials,
  now = new Date(),
}: IamTokenInput): Promise<string> {
  const host = replicationGroupId.toLowerCase();
  const signer = new SignatureV4({ credentials, region, service: 'elasticache', sha256: Sha256 });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname: host,
      path: '/',
      headers: { host },
      query: { Action: 'connect', User: userId.toLowerCase() },
    },
    { expiresIn: IAM_TOKEN_EXPIRES_SECONDS, signingDate: now },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value]).map((item) => `${sigv4Escape(key)}=${sigv4Escape(item ?? '')}`),
    )
    .join('&');
  return `${host}/?${query}`;
}

/** The role's credentials as Lambda sets them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). */
export function credentialsFromEnvironment(variables: NodeJS.ProcessEnv): SigningCredentials {
  const accessKeyId = variables.AWS_ACCESS_KEY_ID;
  const secretAccessKey = variables.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      'no AWS credentials to sign the cache token (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY are not set)',
    );
  }
  return { accessKeyId, secretAccessKey, sessionToken: variables.AWS_SESSION_TOKEN || undefined };
}

function required(variables: NodeJS.ProcessEnv, name: string): string {
  const value = variables[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** How the function reaches the cache: `CACHE_TLS=psk` selects the cache task's tunnel, anything else ElastiCache. */
export type CacheMode = 'iam' | 'psk';

export function cacheMode(variables: NodeJS.ProcessEnv): CacheMode {
  return variables.CACHE_TLS === 'psk' ? 'psk' : 'iam';
}

/**
 * One short-lived connection per invocation, failing fast: no reconnects, no queued commands, no
 * retries. The next invocation, a minute later, is the retry.
 *
 * Nothing but the counts: no INFO ready check (the user may not run INFO), RESP2 and a plain
 * `AUTH [<user>] <password>`, which every ElastiCache engine and Valkey accept (ioredis 6 defaults
 * to HELLO 3), no CLIENT SETINFO (Redis 7.2+ only, and not in the user's ACL). LLEN and HLEN
 * answer integers in both protocols.
 */
const FAIL_FAST: RedisOptions = {
  lazyConnect: true,
  connectTimeout: 5_000,
  commandTimeout: 5_000,
  retryStrategy: () => null,
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  enableReadyCheck: false,
  protocol: 2,
  disableClientInfo: true,
};

/** stunnel refuses a shorter key ("Key shorter than 16 bytes"). */
export const MIN_TUNNEL_PSK_BYTES = 16;

/**
 * The tunnel key's bytes, read as stunnel reads its PSKsecrets file (`identity:key`): a key made
 * only of hexadecimal digits, of even length, is decoded to binary ("Hexadecimal keys are
 * automatically converted to binary form", stunnel(8)); any other key is its text's bytes. Both
 * ends must derive the same bytes, or the handshake fails with "bad record mac". (Checked against
 * stunnel 5.68: 32 hex digits are 16 bytes, 33 are 33 bytes of text.)
 */
export function tunnelPskBytes(key: string): Buffer {
  return /^(?:[0-9a-fA-F]{2})+$/.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'utf8');
}

/**
 * `CACHE_TLS=psk`: the cache task's stunnel server, TLS 1.2 with the pre-shared key (identity and
 * the one cipher from CACHE_TUNNEL), then `AUTH <CACHE_PASSWORD>` as Valkey's default user.
 */
function tunnelOptions(variables: NodeJS.ProcessEnv): RedisOptions {
  const host = required(variables, 'CACHE_HOST');
  const psk = tunnelPskBytes(required(variables, 'CACHE_TUNNEL_PSK'));
  if (psk.length < MIN_TUNNEL_PSK_BYTES) {
    throw new Error(
      `environment variable CACHE_TUNNEL_PSK is ${psk.length} bytes long; the tunnel needs at least ${MIN_TUNNEL_PSK_BYTES}`,
    );
  }
  return {
    host,
    port: Number(variables.CACHE_PORT ?? CACHE_TUNNEL.port),
    password: required(variables, 'CACHE_PASSWORD'),
    tls: {
      pskCallback: () => ({ identity: CACHE_TUNNEL.identity, psk }),
      ciphers: CACHE_TUNNEL.cipher,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      // No certificate: Node would check the server's name against an empty one and refuse.
      checkServerIdentity: () => undefined,
      servername: undefined,
    },
    ...FAIL_FAST,
  };
}

/**
 * The client options for the cache, from the function's environment (set by QueueMetrics).
 * - ElastiCache (CACHE_TLS `true`, or `false` for no TLS): CACHE_HOST, CACHE_PORT (6379),
 *   CACHE_USER (the IAM user's id: the AUTH username). The password, a token signed at each
 *   invocation, is added by `authenticatedOptions`.
 * - The cache task (CACHE_TLS `psk`): CACHE_HOST, CACHE_PORT (6379), CACHE_TUNNEL_PSK (the
 *   tunnel's pre-shared key) and CACHE_PASSWORD (Valkey's requirepass).
 */
export function clientOptions(variables: NodeJS.ProcessEnv): RedisOptions {
  if (cacheMode(variables) === 'psk') return tunnelOptions(variables);
  const host = required(variables, 'CACHE_HOST');
  return {
    host,
    port: Number(variables.CACHE_PORT ?? 6379),
    username: required(variables, 'CACHE_USER'),
    tls: variables.CACHE_TLS === 'false' ? undefined : { servername: host },
    ...FAIL_FAST,
  };
}

/**
 * The client options with their password: for ElastiCache a freshly signed token
 * (CACHE_REPLICATION_GROUP_ID, CACHE_USER, AWS_REGION and the role's credentials from
 * `variables`, the clock from `now`); for the cache task, CACHE_PASSWORD as it is.
 */
export async function authenticatedOptions(variables: NodeJS.ProcessEnv, now = new Date()): Promise<RedisOptions> {
  const options = clientOptions(variables);
  if (cacheMode(variables) === 'psk') return options;
  const password = await iamAuthToken({
    replicationGroupId: required(variables, 'CACHE_REPLICATION_GROUP_ID'),
    userId: options.username!,
    region: required(variables, 'AWS_REGION'),
    credentials: credentialsFromEnvironment(variables),
    now,
  });
  return { ...options, password };
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
    throw new Error(`cannot read the queue lengths from the cache at ${where}: ${failureReason(options, cause)}`, {
      cause,
    });
  } finally {
    client.disconnect();
  }
}

/**
 * What went wrong, in words: the cache's own reason, except for a refused TLS-PSK handshake, whose
 * OpenSSL reason ("ssl/tls alert bad record mac") does not say that the key is the likely culprit.
 */
function failureReason(options: RedisOptions, cause: Error): string {
  const code = (cause as NodeJS.ErrnoException).code ?? '';
  if (options.tls && 'pskCallback' in options.tls && code.startsWith('ERR_SSL')) {
    const reason = (cause as { reason?: string }).reason ?? cause.message;
    return `the TLS-PSK handshake with the tunnel failed (is CACHE_TUNNEL_PSK the tunnel's key?): ${reason}`;
  }
  return cause.message;
}

/** Failures to reach any server at all: no address, nothing listening, no route, no answer. */
const UNREACHED = new Set([
  'ENOTFOUND',
  'ENODATA',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Looks a host name up (dns.lookup, as the connection does); tests pass a stand-in. */
export type LookupHost = (host: string) => Promise<unknown>;

/**
 * Whether a failure to read the counts means that the cache task is not running: the connection
 * reached no server, and the cache's name has no address now. ECS removes a stopped task's
 * Cloud Map record, so a paused environment (or a task being replaced after a Spot
 * interruption) has none: getaddrinfo answers ENOTFOUND or ENODATA. The name is looked up again
 * rather than trusting the first error, so a refused or timed-out connection to an address that
 * still resolves (a running task whose tunnel or Valkey is down) stays a failure. A resolver that
 * cannot answer (EAI_AGAIN) is a failure too.
 */
export async function cacheNotRunning(error: unknown, host: string, lookupHost: LookupHost = lookup): Promise<boolean> {
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  if (!UNREACHED.has(cause?.code ?? '')) return false;
  try {
    await lookupHost(host);
    return false;
  } catch (lookupError) {
    const code = (lookupError as NodeJS.ErrnoException).code;
    return code === 'ENOTFOUND' || code === 'ENODATA';
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
  /** The clock that signs the token. @default the current time */
  readonly now?: () => Date;
  /** Resolves the cache's name (`CACHE_TLS=psk`: is the task running?). @default dns.lookup */
  readonly lookup?: LookupHost;
  /** Where a note that nothing was published goes. @default console.warn (the function's log group) */
  readonly warn?: (line: string) => void;
}

/**
 * Reads the counts and logs them as one EMF line. Returns what it published, or undefined when it
 * published nothing because the cache task is not running (`CACHE_TLS=psk` only: see
 * `cacheNotRunning`). Any other failure throws, and publishes nothing.
 */
export async function handler(
  _event: unknown,
  _context: unknown,
  dependencies: HandlerDependencies = {},
): Promise<QueueDepth | undefined> {
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
  const options = await authenticatedOptions(process.env, dependencies.now?.());
  let counts: number[];
  try {
    counts = await readCounts(options, reads, dependencies.createClient);
  } catch (error) {
    // A paused environment's cache task is stopped by design: no datapoint (never a zero, which
    // `minimal` would take for an empty queue) and no error, so QueueDepthErrors does not page.
    // BacklogMetricMissing still sees the missing datapoints: whether a stopped cache task pages is
    // the monitoring's decision (src/modules/monitoring).
    if (cacheMode(process.env) === 'psk' && (await cacheNotRunning(error, options.host!, dependencies.lookup))) {
      (dependencies.warn ?? console.warn)(
        `the cache task is not running (${options.host} has no address): nothing published. ${(error as Error).message}`,
      );
      return undefined;
    }
    throw error;
  }
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
