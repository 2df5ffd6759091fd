// Unit tests of the queue-depth publisher: the EMF record, the Dramatiq keys, the client options
// of both modes (ElastiCache with IAM, the cache task's TLS-PSK tunnel), the IAM token it signs,
// the handler over a stand-in client, and the variables QueueMetrics gives it. The same handler
// against a real redis-server, as a user with the cache's access string and through a real
// stunnel TLS-PSK server, is in test/integration/queue-depth-redis.test.ts.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Redis, RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import {
  authenticatedOptions,
  cacheMode,
  cacheNotRunning,
  clientOptions,
  credentialsFromEnvironment,
  delayQueueKeys,
  dramatiqKeys,
  handler,
  iamAuthToken,
  METRICS,
  metricRecord,
  publisherAccessString,
  queueKeys,
  tunnelPskBytes,
} from '../../src/lambda/queue-depth/index';
import { QueueMetrics } from '../../src/modules/queue-metrics/queue-metrics';
import { CACHE_TUNNEL, QUEUE_BACKLOG_METRIC } from '../../src/ops/contracts';

/** Fixed role credentials (AWS's documentation example keys) and clock for the token. */
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/session+token==',
};
const NOW = new Date('2026-03-04T05:06:07Z');

/** What QueueMetrics and the Lambda runtime set, minus the host. */
const RUNTIME = {
  CACHE_USER: 'booking-dev-queue-depth',
  CACHE_REPLICATION_GROUP_ID: 'booking-dev-acl',
  AWS_REGION: 'eu-west-2',
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
};

/**
 * SigV4 query signing written out from the specification (independent of @smithy/signature-v4):
 * the signature of a presigned GET of `host` `/` with `query` (the X-Amz-* fields but the
 * signature included), the host header signed, an empty payload.
 */
function expectedSignature(host: string, query: Record<string, string>, region: string, secret: string): string {
  const escape = (v: string) =>
    encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((key) => `${escape(key)}=${escape(query[key])}`)
    .join('&');
  const emptyHash = createHash('sha256').update('').digest('hex');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}`, '', 'host', emptyHash].join('\n');
  const date = query['X-Amz-Date'];
  const scope = `${date.slice(0, 8)}/${region}/elasticache/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    date,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  let key = hmac(`AWS4${secret}`, date.slice(0, 8));
  for (const part of [region, 'elasticache', 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/**
 * A stand-in for ioredis's client: MULTI of LLEN/HLEN answered from a fixed table of key lengths,
 * recording the options and the commands asked (`llen <key>`, `hlen <key>`).
 */
interface Seen {
  options?: RedisOptions;
  asked: string[];
  transactions: number;
  closed: number;
}

function fakeClient(lengths: Record<string, number>, seen: Seen, failOn?: { key: string; error: Error }) {
  return (options: RedisOptions): Redis => {
    seen.options = options;
    return {
      on: () => undefined,
      connect: async () => undefined,
      multi: (commands: string[][]) => ({
        exec: async () => {
          seen.transactions++;
          return commands.map(([command, key]) => {
            seen.asked.push(`${command} ${key}`);
            return failOn?.key === key ? [failOn.error, null] : [null, lengths[key] ?? 0];
          });
        },
      }),
      disconnect: () => {
        seen.closed++;
      },
    } as unknown as Redis;
  };
}

async function withEnvironment<T>(variables: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, variables);
  try {
    return await run();
  } finally {
    process.env = saved;
  }
}

describe('queue-depth publisher', () => {
  test('the handler logs one EMF record: QueueBacklog (ready) and QueuedJobs (every message not acked)', async () => {
    const seen: Seen = { asked: [], transactions: 0, closed: 0 };
    const logged: string[] = [];
    const result = await withEnvironment(
      {
        ...RUNTIME,
        CACHE_HOST: 'cache.internal',
        CACHE_PORT: '6380',
        CACHE_TLS: 'true',
        QUEUES: 'default,emails',
        METRIC_NAMESPACE: 'booking',
        ENVIRONMENT: 'dev',
      },
      () =>
        handler(
          {},
          {},
          {
            createClient: fakeClient(
              {
                // default: 7 ready + 2 running (hash 9); 3 delayed waiting + 1 held until its eta (hash 4).
                'dramatiq:default': 7,
                'dramatiq:default.msgs': 9,
                'dramatiq:default.DQ': 3,
                'dramatiq:default.DQ.msgs': 4,
                // emails: 5 ready, 1 delayed, nothing held.
                'dramatiq:emails': 5,
                'dramatiq:emails.msgs': 5,
                'dramatiq:emails.DQ': 1,
                'dramatiq:emails.DQ.msgs': 1,
              },
              seen,
            ),
            log: (line: string) => logged.push(line),
            now: () => NOW,
          },
        ),
    );
    const perQueue = { default: { ready: 7, delayed: 3, held: 3 }, emails: { ready: 5, delayed: 1, held: 0 } };
    assert.deepEqual(result, { backlog: 12, queuedJobs: 19, perQueue });
    assert.deepEqual(seen.asked, [
      'llen dramatiq:default',
      'llen dramatiq:default.DQ',
      'hlen dramatiq:default.msgs',
      'hlen dramatiq:default.DQ.msgs',
      'llen dramatiq:emails',
      'llen dramatiq:emails.DQ',
      'hlen dramatiq:emails.msgs',
      'hlen dramatiq:emails.DQ.msgs',
    ]);
    assert.equal(seen.transactions, 1, 'one MULTI/EXEC: a snapshot of every count');
    assert.equal(seen.closed, 1, 'the connection is closed after reading');
    assert.equal(seen.options?.host, 'cache.internal');
    assert.equal(seen.options?.port, 6380);
    // IAM authentication: the user id, and a token signed now for it and the replication group.
    assert.equal(seen.options?.username, 'booking-dev-queue-depth');
    assert.equal(
      seen.options?.password,
      await iamAuthToken({
        replicationGroupId: 'booking-dev-acl',
        userId: 'booking-dev-queue-depth',
        region: 'eu-west-2',
        credentials: CREDENTIALS,
        now: NOW,
      }),
    );
    assert.equal(logged.length, 1);
    const record = JSON.parse(logged[0]);
    assert.equal(record.QueueBacklog, 12, 'ready messages only: they drive worker scaling');
    assert.equal(record.QueuedJobs, 19, 'ready, delayed and held by workers: what the cache holds');
    assert.equal(record.Environment, 'dev');
    assert.deepEqual(record.queues, perQueue);
    assert.deepEqual(record._aws.CloudWatchMetrics, [
      {
        Namespace: 'booking',
        Dimensions: [['Environment']],
        Metrics: [
          { Name: 'QueueBacklog', Unit: 'Count' },
          { Name: 'QueuedJobs', Unit: 'Count' },
        ],
      },
    ]);
  });

  test('a job held by a worker killed before its ack counts in QueuedJobs, not in QueueBacklog', async () => {
    const result = await withEnvironment(
      { ...RUNTIME, CACHE_HOST: 'cache.internal', QUEUES: 'default', METRIC_NAMESPACE: 'booking', ENVIRONMENT: 'dev' },
      () =>
        handler(
          {},
          {},
          {
            // The lists are empty; the message's id is in a dead worker's ack set, its body in the hash.
            createClient: fakeClient({ 'dramatiq:default.msgs': 1 }, { asked: [], transactions: 0, closed: 0 }),
            log: () => undefined,
          },
        ),
    );
    assert.deepEqual(result, { backlog: 0, queuedJobs: 1, perQueue: { default: { ready: 0, delayed: 0, held: 1 } } });
  });

  test('KEY_NAMESPACE changes the keys; empty queues publish zeros', async () => {
    const seen: Seen = { asked: [], transactions: 0, closed: 0 };
    const logged: string[] = [];
    const result = await withEnvironment(
      {
        ...RUNTIME,
        CACHE_HOST: 'cache.internal',
        QUEUES: 'reports',
        KEY_NAMESPACE: 'jobs',
        METRIC_NAMESPACE: 'booking',
        ENVIRONMENT: 'prod',
      },
      () => handler({}, {}, { createClient: fakeClient({}, seen), log: (line: string) => logged.push(line) }),
    );
    assert.deepEqual(result, {
      backlog: 0,
      queuedJobs: 0,
      perQueue: { reports: { ready: 0, delayed: 0, held: 0 } },
    });
    assert.deepEqual(seen.asked, [
      'llen jobs:reports',
      'llen jobs:reports.DQ',
      'hlen jobs:reports.msgs',
      'hlen jobs:reports.DQ.msgs',
    ]);
    const record = JSON.parse(logged[0]);
    assert.equal(record.QueueBacklog, 0);
    assert.equal(record.QueuedJobs, 0);
  });

  test('a command the cache refuses fails the invocation with its reason and publishes nothing', async () => {
    const seen: Seen = { asked: [], transactions: 0, closed: 0 };
    const logged: string[] = [];
    const wrongType = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    await assert.rejects(
      withEnvironment(
        {
          ...RUNTIME,
          CACHE_HOST: 'cache.internal',
          QUEUES: 'default',
          METRIC_NAMESPACE: 'booking',
          ENVIRONMENT: 'dev',
        },
        () =>
          handler(
            {},
            {},
            {
              createClient: fakeClient({ 'dramatiq:default': 3 }, seen, {
                key: 'dramatiq:default.msgs',
                error: wrongType,
              }),
              log: (line: string) => logged.push(line),
            },
          ),
      ),
      {
        message: 'cannot read the queue lengths from the cache at cache.internal:6379: ' + wrongType.message,
      },
    );
    assert.deepEqual(logged, []);
    assert.equal(seen.closed, 1, 'closed on failure too');
  });

  test('client options: TLS with the host as server name unless CACHE_TLS=false; fail fast, no reconnects', () => {
    const options = clientOptions({
      CACHE_HOST: 'master.booking.cache.amazonaws.com',
      CACHE_USER: 'booking-dev-queue-depth',
    });
    assert.equal(options.port, 6379);
    assert.deepEqual(options.tls, { servername: 'master.booking.cache.amazonaws.com' });
    assert.equal(options.username, 'booking-dev-queue-depth', 'the IAM user: AUTH <user> <token>');
    assert.equal(options.password, undefined, 'the token is signed per invocation (authenticatedOptions)');
    assert.equal(options.retryStrategy?.(1), null, 'no reconnect: the next invocation is the retry');
    assert.equal(options.maxRetriesPerRequest, 0);
    assert.equal(options.enableOfflineQueue, false);
    assert.ok((options.connectTimeout ?? 0) > 0 && (options.connectTimeout ?? 0) < 20_000, 'within the 20 s timeout');
    // Only the commands of the access string: no INFO ready check, no HELLO, no CLIENT SETINFO.
    assert.equal(options.enableReadyCheck, false);
    assert.equal(options.protocol, 2);
    assert.equal(options.disableClientInfo, true);
    assert.equal(options.connectionName, undefined, 'no CLIENT SETNAME');
    assert.equal(options.db ?? 0, 0, 'no SELECT');

    const plain = clientOptions({ CACHE_HOST: '127.0.0.1', CACHE_PORT: '7000', CACHE_TLS: 'false', CACHE_USER: 'u' });
    assert.equal(plain.tls, undefined);
    assert.equal(plain.port, 7000);
    assert.throws(() => clientOptions({ CACHE_USER: 'u' }), /CACHE_HOST is not set/);
    assert.throws(() => clientOptions({ CACHE_HOST: 'h' }), /CACHE_USER is not set/);
  });

  test('the IAM token: a SigV4 presigned GET of the replication group for Action=connect&User=<user id>, 900 s', async () => {
    const token = await iamAuthToken({
      replicationGroupId: 'booking-dev-acl',
      userId: 'booking-dev-queue-depth',
      region: 'eu-west-2',
      credentials: CREDENTIALS,
      now: NOW,
    });
    assert.doesNotMatch(token, /^https?:/, 'no scheme');
    const [host, query] = token.split('/?');
    assert.equal(host, 'booking-dev-acl', 'the replication group id, not its endpoint');
    const parameters = Object.fromEntries(new URLSearchParams(query));
    const { 'X-Amz-Signature': signature, ...signed } = parameters;
    assert.deepEqual(signed, {
      Action: 'connect',
      User: 'booking-dev-queue-depth',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20260304/eu-west-2/elasticache/aws4_request',
      'X-Amz-Date': '20260304T050607Z',
      'X-Amz-Expires': '900',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Security-Token': CREDENTIALS.sessionToken,
    });
    assert.match(signature, /^[0-9a-f]{64}$/);
    assert.equal(
      signature,
      expectedSignature(host, signed, 'eu-west-2', CREDENTIALS.secretAccessKey),
      'the signature SigV4 gives for that request, computed independently',
    );
    // Encoded as signed (RFC 3986): the session token's / + = escaped, never a space or a raw slash.
    assert.match(query, /X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2Fsession%2Btoken%3D%3D(&|$)/);
    assert.match(query, /X-Amz-Credential=AKIDEXAMPLE%2F20260304%2Feu-west-2%2Felasticache%2Faws4_request(&|$)/);

    // Deterministic for a fixed clock; another minute, another signature.
    const again = await iamAuthToken({
      replicationGroupId: 'booking-dev-acl',
      userId: 'booking-dev-queue-depth',
      region: 'eu-west-2',
      credentials: CREDENTIALS,
      now: NOW,
    });
    assert.equal(again, token);
    const later = await iamAuthToken({
      replicationGroupId: 'booking-dev-acl',
      userId: 'booking-dev-queue-depth',
      region: 'eu-west-2',
      credentials: CREDENTIALS,
      now: new Date(NOW.getTime() + 60_000),
    });
    assert.notEqual(later, token);
  });

  test('the IAM token: ids signed in lower case (as ElastiCache stores them); no session token without one', async () => {
    const token = await iamAuthToken({
      replicationGroupId: 'Booking-Dev-ACL',
      userId: 'Booking-Dev-Queue-Depth',
      region: 'eu-west-2',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: CREDENTIALS.secretAccessKey },
      now: NOW,
    });
    const [host, query] = token.split('/?');
    assert.equal(host, 'booking-dev-acl');
    const parameters = Object.fromEntries(new URLSearchParams(query));
    assert.equal(parameters.User, 'booking-dev-queue-depth');
    assert.equal(parameters['X-Amz-Security-Token'], undefined);
    const { 'X-Amz-Signature': signature, ...signed } = parameters;
    assert.equal(signature, expectedSignature(host, signed, 'eu-west-2', CREDENTIALS.secretAccessKey));
  });

  test("authenticatedOptions signs with the role's credentials from the environment; each missing piece is named", async () => {
    const options = await authenticatedOptions({ ...RUNTIME, CACHE_HOST: 'cache.internal' }, NOW);
    assert.equal(options.username, 'booking-dev-queue-depth');
    assert.equal(
      options.password,
      await iamAuthToken({
        replicationGroupId: 'booking-dev-acl',
        userId: 'booking-dev-queue-depth',
        region: 'eu-west-2',
        credentials: CREDENTIALS,
        now: NOW,
      }),
    );
    assert.deepEqual(credentialsFromEnvironment(RUNTIME), CREDENTIALS);
    assert.equal(credentialsFromEnvironment({ ...RUNTIME, AWS_SESSION_TOKEN: '' }).sessionToken, undefined);
    const without = (name: keyof typeof RUNTIME) => {
      const variables: Record<string, string> = { ...RUNTIME, CACHE_HOST: 'cache.internal' };
      delete variables[name];
      return authenticatedOptions(variables, NOW);
    };
    await assert.rejects(without('CACHE_REPLICATION_GROUP_ID'), /CACHE_REPLICATION_GROUP_ID is not set/);
    await assert.rejects(without('AWS_REGION'), /AWS_REGION is not set/);
    await assert.rejects(without('AWS_SECRET_ACCESS_KEY'), /no AWS credentials to sign the cache token/);
  });

  test("the publisher's access string: its commands only, on the namespace's keys", () => {
    assert.equal(publisherAccessString(), 'on ~dramatiq:* -@all +multi +exec +llen +hlen');
    assert.equal(publisherAccessString('jobs'), 'on ~jobs:* -@all +multi +exec +llen +hlen');
  });

  test('queue keys follow the Dramatiq Redis broker: `<ns>:<queue>`, `<ns>:<queue>.DQ` and their `.msgs` hashes', () => {
    assert.deepEqual(dramatiqKeys('default'), {
      ready: 'dramatiq:default',
      delayed: 'dramatiq:default.DQ',
      messages: 'dramatiq:default.msgs',
      delayedMessages: 'dramatiq:default.DQ.msgs',
    });
    assert.deepEqual(dramatiqKeys('emails', 'jobs').delayedMessages, 'jobs:emails.DQ.msgs');
    assert.deepEqual(queueKeys(['default', 'emails']), ['dramatiq:default', 'dramatiq:emails']);
    assert.deepEqual(delayQueueKeys(['default', 'emails']), ['dramatiq:default.DQ', 'dramatiq:emails.DQ']);
    assert.deepEqual(delayQueueKeys(['default'], 'jobs'), ['jobs:default.DQ']);
    assert.equal(
      metricRecord({ namespace: 'n', environment: 'e', backlog: 3, perQueue: {}, now: 1 })._aws.Timestamp,
      1,
    );
  });

  test('without a QueuedJobs count, QueuedJobs falls back to the backlog', () => {
    const record = metricRecord({ namespace: 'n', environment: 'e', backlog: 3, perQueue: {}, now: 1 });
    assert.equal(record.QueueBacklog, 3);
    assert.equal(record.QueuedJobs, 3);
    assert.equal(
      metricRecord({ namespace: 'n', environment: 'e', backlog: 3, queuedJobs: 5, perQueue: {} }).QueuedJobs,
      5,
    );
  });

  test('METRICS agrees with QUEUE_BACKLOG_METRIC in src/ops/contracts.ts', () => {
    assert.deepEqual(METRICS, {
      backlog: QUEUE_BACKLOG_METRIC.name,
      queuedJobs: QUEUE_BACKLOG_METRIC.queuedJobs,
      dimension: QUEUE_BACKLOG_METRIC.dimension,
    });
    // And the record it writes uses those names.
    const record = metricRecord({ namespace: 'n', environment: 'e', backlog: 1, queuedJobs: 2, perQueue: {} });
    const fields = record as unknown as Record<string, unknown>;
    assert.equal(fields[QUEUE_BACKLOG_METRIC.name], 1);
    assert.equal(fields[QUEUE_BACKLOG_METRIC.queuedJobs], 2);
    assert.equal(fields[QUEUE_BACKLOG_METRIC.dimension], 'e');
    assert.deepEqual(record._aws.CloudWatchMetrics, [
      {
        Namespace: 'n',
        Dimensions: [[QUEUE_BACKLOG_METRIC.dimension]],
        Metrics: [
          { Name: QUEUE_BACKLOG_METRIC.name, Unit: 'Count' },
          { Name: QUEUE_BACKLOG_METRIC.queuedJobs, Unit: 'Count' },
        ],
      },
    ]);
  });
});

/** What QueueMetrics sets with `tunnel` (the cache task), the secrets resolved. */
const TUNNEL = {
  CACHE_HOST: 'cache.booking-dev.internal',
  CACHE_PORT: '6379',
  CACHE_TLS: 'psk',
  CACHE_TUNNEL_PSK: 'Tq9xZp2LmW8vRk4sYb7nHc3dFg6jAe5uTq9xZp2LmW8vRk4sYb7nHc3dFg6jAe5u',
  CACHE_PASSWORD: 'valkey-requirepass-token',
};

/** An errno-style error, as net, tls and dns raise them. */
function systemError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * A stand-in for ioredis's client that cannot connect: it emits `error` to its listener, then
 * rejects as ioredis does ("Connection is closed.").
 */
function unreachableClient(error: Error, seen: { options?: RedisOptions; closed: number }) {
  return (options: RedisOptions): Redis => {
    seen.options = options;
    const listeners: Array<(error: Error) => void> = [];
    return {
      on: (event: string, listener: (error: Error) => void) => {
        if (event === 'error') listeners.push(listener);
      },
      connect: async () => {
        for (const listener of listeners) listener(error);
        throw new Error('Connection is closed.');
      },
      disconnect: () => {
        seen.closed++;
      },
    } as unknown as Redis;
  };
}

/** A name lookup answering `addresses`, or failing with `code`; records the names asked. */
function lookupAnswering(asked: string[], code?: string) {
  return async (host: string) => {
    asked.push(host);
    if (code) throw systemError(code, `getaddrinfo ${code} ${host}`);
    return { address: '10.0.1.23', family: 4 };
  };
}

describe("queue-depth publisher through the cache task's tunnel (CACHE_TLS=psk)", () => {
  test('CACHE_TLS selects the mode: psk is the tunnel, anything else (true, false, unset) ElastiCache with IAM', () => {
    assert.equal(cacheMode({ CACHE_TLS: 'psk' }), 'psk');
    assert.equal(cacheMode({ CACHE_TLS: 'true' }), 'iam');
    assert.equal(cacheMode({ CACHE_TLS: 'false' }), 'iam');
    assert.equal(cacheMode({}), 'iam');
  });

  test('client options: TLS 1.2 with the pre-shared key, the one cipher, no certificate check, no SNI; AUTH <password>', () => {
    const options = clientOptions(TUNNEL);
    assert.equal(options.host, 'cache.booking-dev.internal');
    assert.equal(options.port, CACHE_TUNNEL.port);
    assert.equal(options.username, undefined, "Valkey's default user: AUTH <password>");
    assert.equal(options.password, 'valkey-requirepass-token');
    const tls = options.tls as ConnectionOptions;
    assert.deepEqual(Object.keys(tls).sort(), [
      'checkServerIdentity',
      'ciphers',
      'maxVersion',
      'minVersion',
      'pskCallback',
      'servername',
    ]);
    assert.equal(tls.ciphers, 'ECDHE-PSK-CHACHA20-POLY1305');
    assert.equal(tls.ciphers, CACHE_TUNNEL.cipher);
    assert.equal(tls.minVersion, 'TLSv1.2');
    assert.equal(tls.maxVersion, 'TLSv1.2', "Node's tls does PSK up to TLS 1.2 only");
    assert.equal(tls.servername, undefined, 'no SNI: the key, not a name, identifies the server');
    assert.equal(tls.checkServerIdentity?.('cache.booking-dev.internal', {} as never), undefined);
    // The identity both ends present, and the key's bytes (text: not hexadecimal).
    assert.deepEqual(tls.pskCallback?.(null), {
      identity: 'booking-cache',
      psk: Buffer.from(TUNNEL.CACHE_TUNNEL_PSK, 'utf8'),
    });
    assert.equal(CACHE_TUNNEL.identity, 'booking-cache');
    // The same fail-fast, nothing-but-the-counts settings as with ElastiCache.
    const iam = clientOptions({ CACHE_HOST: 'h', CACHE_USER: 'u' });
    for (const setting of [
      'lazyConnect',
      'connectTimeout',
      'commandTimeout',
      'maxRetriesPerRequest',
      'enableOfflineQueue',
      'enableReadyCheck',
      'protocol',
      'disableClientInfo',
    ] as const) {
      assert.equal(options[setting], iam[setting], setting);
    }
    assert.equal(options.retryStrategy?.(1), null, 'no reconnect');
    // The port defaults to the tunnel's.
    assert.equal(clientOptions({ ...TUNNEL, CACHE_PORT: undefined }).port, CACHE_TUNNEL.port);
  });

  test('each missing variable is named; a key stunnel would refuse as too short is refused here first', () => {
    for (const name of ['CACHE_HOST', 'CACHE_TUNNEL_PSK', 'CACHE_PASSWORD'] as const) {
      const variables: Record<string, string> = { ...TUNNEL };
      delete variables[name];
      assert.throws(() => clientOptions(variables), { message: `environment variable ${name} is not set` });
      assert.throws(() => clientOptions({ ...variables, [name]: '' }), {
        message: `environment variable ${name} is not set`,
      });
    }
    // Nothing of ElastiCache's is needed: no user, no replication group, no AWS credentials.
    assert.doesNotThrow(() => clientOptions(TUNNEL));
    assert.throws(
      () => clientOptions({ ...TUNNEL, CACHE_TUNNEL_PSK: 'fifteen-letters' }),
      (error: Error) => {
        assert.equal(
          error.message,
          'environment variable CACHE_TUNNEL_PSK is 15 bytes long; the tunnel needs at least 16',
        );
        assert.doesNotMatch(error.message, /fifteen-letters/, 'the key is not in the message');
        return true;
      },
    );
    // 30 hexadecimal digits are 15 bytes to stunnel.
    assert.throws(
      () => clientOptions({ ...TUNNEL, CACHE_TUNNEL_PSK: '0123456789abcdef0123456789abcd' }),
      /is 15 bytes long/,
    );
  });

  test("the key's bytes are the ones stunnel reads from PSKsecrets: even-length hexadecimal is binary, anything else text", () => {
    assert.deepEqual(
      tunnelPskBytes('0123456789abcdef0123456789ABCDEF'),
      Buffer.from('0123456789abcdef0123456789abcdef', 'hex'),
    );
    assert.equal(tunnelPskBytes('0123456789abcdef0123456789abcdef').length, 16);
    // Odd length: text, as stunnel reads it.
    assert.deepEqual(
      tunnelPskBytes('0123456789abcdef0123456789abcdef0'),
      Buffer.from('0123456789abcdef0123456789abcdef0'),
    );
    // Letters beyond f (Secrets Manager's alphanumeric keys): text.
    assert.deepEqual(tunnelPskBytes(TUNNEL.CACHE_TUNNEL_PSK), Buffer.from(TUNNEL.CACHE_TUNNEL_PSK));
    assert.equal(tunnelPskBytes(TUNNEL.CACHE_TUNNEL_PSK).length, 64);
  });

  test('authenticatedOptions signs nothing in psk mode: the password is CACHE_PASSWORD; the IAM mode still needs its user', async () => {
    const options = await authenticatedOptions(TUNNEL, NOW);
    assert.equal(options.password, 'valkey-requirepass-token');
    assert.equal(options.username, undefined);
    // The same variables without CACHE_TLS=psk are the IAM mode, which names what it lacks.
    const iam = { ...TUNNEL, CACHE_TLS: undefined };
    await assert.rejects(authenticatedOptions(iam, NOW), { message: 'environment variable CACHE_USER is not set' });
    await assert.rejects(
      authenticatedOptions({ ...iam, CACHE_USER: 'u' }, NOW),
      /CACHE_REPLICATION_GROUP_ID is not set/,
    );
  });

  test('the handler publishes the counts read through the tunnel', async () => {
    const seen: Seen = { asked: [], transactions: 0, closed: 0 };
    const logged: string[] = [];
    const result = await withEnvironment(
      { ...TUNNEL, QUEUES: 'default', METRIC_NAMESPACE: 'booking', ENVIRONMENT: 'dev' },
      () =>
        handler(
          {},
          {},
          {
            createClient: fakeClient({ 'dramatiq:default': 2, 'dramatiq:default.msgs': 3 }, seen),
            log: (line) => logged.push(line),
          },
        ),
    );
    assert.deepEqual(result, { backlog: 2, queuedJobs: 3, perQueue: { default: { ready: 2, delayed: 0, held: 1 } } });
    assert.equal(seen.options?.host, 'cache.booking-dev.internal');
    assert.equal(seen.options?.password, 'valkey-requirepass-token');
    assert.equal(JSON.parse(logged[0]).QueueBacklog, 2);
  });

  test('a stopped cache task (its name has no address) publishes nothing and does not fail', async () => {
    for (const [why, error] of [
      ['the name is gone', systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND cache.booking-dev.internal')],
      ['refused, and the name gone since', systemError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.1.23:6379')],
      ['timed out, and the name gone since', systemError('ETIMEDOUT', 'connect ETIMEDOUT')],
    ] as const) {
      const seen = { closed: 0 };
      const logged: string[] = [];
      const warned: string[] = [];
      const asked: string[] = [];
      const result = await withEnvironment({ ...TUNNEL, QUEUES: 'default' }, () =>
        handler(
          {},
          {},
          {
            createClient: unreachableClient(error, seen),
            lookup: lookupAnswering(asked, 'ENOTFOUND'),
            log: (line) => logged.push(line),
            warn: (line) => warned.push(line),
          },
        ),
      );
      assert.equal(result, undefined, why);
      assert.deepEqual(logged, [], `${why}: no datapoint, never a zero`);
      assert.deepEqual(asked, ['cache.booking-dev.internal'], `${why}: the name looked up again`);
      assert.deepEqual(warned, [
        `the cache task is not running (cache.booking-dev.internal has no address): nothing published. cannot read the queue lengths from the cache at cache.booking-dev.internal:6379: ${error.message}`,
      ]);
      assert.equal(seen.closed, 1, `${why}: the client closed`);
    }
  });

  test('a cache that resolves but cannot be reached, or refuses, fails the invocation as before', async () => {
    const cases: Array<[string, Error, string | undefined, boolean]> = [
      // A running task whose tunnel is down: the name still has an address.
      [
        'refused, the name resolving',
        systemError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.1.23:6379'),
        undefined,
        true,
      ],
      // The resolver cannot answer: not proof that the task is stopped.
      ['the resolver failing', systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND x'), 'EAI_AGAIN', true],
      // Reached, then refused: never a stopped task (the name is not even looked up).
      ['WRONGPASS', new Error('WRONGPASS invalid username-password pair or user is disabled.'), 'ENOTFOUND', false],
      [
        'a refused handshake',
        systemError('ERR_SSL_SSL/TLS_ALERT_BAD_RECORD_MAC', 'bad record mac'),
        'ENOTFOUND',
        false,
      ],
    ];
    for (const [why, error, lookupFails, looksUp] of cases) {
      const asked: string[] = [];
      const warned: string[] = [];
      await assert.rejects(
        withEnvironment({ ...TUNNEL, QUEUES: 'default' }, () =>
          handler(
            {},
            {},
            {
              createClient: unreachableClient(error, { closed: 0 }),
              lookup: lookupAnswering(asked, lookupFails),
              log: () => assert.fail('nothing is published'),
              warn: (line) => warned.push(line),
            },
          ),
        ),
        /^Error: cannot read the queue lengths from the cache at cache\.booking-dev\.internal:6379: /,
        why,
      );
      assert.equal(asked.length, looksUp ? 1 : 0, why);
      assert.deepEqual(warned, [], why);
    }
  });

  test('with ElastiCache (IAM mode), a name without an address still fails: its endpoint never goes away by design', async () => {
    const asked: string[] = [];
    await assert.rejects(
      withEnvironment({ ...RUNTIME, CACHE_HOST: 'master.gone.cache.amazonaws.com', CACHE_TLS: 'true' }, () =>
        handler(
          {},
          {},
          {
            createClient: unreachableClient(systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND master.gone'), {
              closed: 0,
            }),
            lookup: lookupAnswering(asked, 'ENOTFOUND'),
            log: () => assert.fail('nothing is published'),
            now: () => NOW,
          },
        ),
      ),
      /getaddrinfo ENOTFOUND master\.gone$/,
    );
    assert.deepEqual(asked, []);
  });

  test('cacheNotRunning looks only at failures that reached no server', async () => {
    const wrapped = (cause: Error) => new Error('cannot read', { cause });
    const asked: string[] = [];
    const gone = lookupAnswering(asked, 'ENOTFOUND');
    assert.equal(await cacheNotRunning(wrapped(systemError('ENODATA', 'x')), 'h', gone), true);
    assert.equal(await cacheNotRunning(wrapped(systemError('EHOSTUNREACH', 'x')), 'h', gone), true);
    assert.equal(
      await cacheNotRunning(wrapped(systemError('ECONNRESET', 'x')), 'h', lookupAnswering(asked, 'ENODATA')),
      true,
    );
    assert.equal(await cacheNotRunning(wrapped(new Error('Connection is closed.')), 'h', gone), false);
    assert.equal(await cacheNotRunning(new Error('no cause'), 'h', gone), false);
    assert.equal(await cacheNotRunning(wrapped(systemError('ECONNREFUSED', 'x')), 'h', lookupAnswering(asked)), false);
  });
});

describe('QueueMetrics: the variables the publisher reads', () => {
  /** QueueMetrics in a stack of its own (no bundling: only the template is looked at). */
  function queueMetricsTemplate(tunnel: boolean) {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', {
      env: { account: '111111111111', region: 'eu-west-2' },
    });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const common = {
      vpc,
      subnets: { subnetGroupName: 'private' },
      securityGroup: new ec2.SecurityGroup(stack, 'Group', { vpc }),
      queues: ['default', 'emails'],
      environmentName: 'dev',
      namespace: 'booking',
      logRetentionDays: 30,
    };
    const secret = (id: string, key: string) =>
      new secretsmanager.Secret(stack, id, {
        generateSecretString: { secretStringTemplate: '{}', generateStringKey: key, excludePunctuation: true },
      });
    new QueueMetrics(stack, 'QueueMetrics', {
      ...common,
      tunnel: tunnel
        ? {
            host: 'cache.booking-dev.internal',
            pskSecret: secret('TunnelKey', 'psk'),
            passwordSecret: secret('AuthToken', 'token'),
          }
        : undefined,
    });
    return Template.fromStack(stack);
  }

  test('with `tunnel`: CACHE_TLS=psk, the secrets as dynamic references (none in the template), no IAM grant to the cache', () => {
    const template = queueMetricsTemplate(true);
    const functions = template.findResources('AWS::Lambda::Function');
    const [publisher] = Object.values(functions).filter((fn) => fn.Properties.Environment?.Variables?.QUEUES);
    const variables = publisher.Properties.Environment.Variables;
    const dynamicReference = (secretId: string, key: string) => ({
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, `:SecretString:${key}::}}`]],
    });
    const secretId = (id: string) =>
      Object.keys(template.findResources('AWS::SecretsManager::Secret')).find((k) => k.startsWith(id))!;
    assert.deepEqual(variables, {
      CACHE_HOST: 'cache.booking-dev.internal',
      CACHE_PORT: '6379',
      CACHE_TLS: 'psk',
      CACHE_TUNNEL_PSK: dynamicReference(secretId('TunnelKey'), 'psk'),
      CACHE_PASSWORD: dynamicReference(secretId('AuthToken'), 'token'),
      QUEUES: 'default,emails',
      METRIC_NAMESPACE: 'booking',
      ENVIRONMENT: 'dev',
    });
    // What the function makes of them, once CloudFormation resolved the secrets: the tunnel mode.
    const resolved = { ...variables, CACHE_TUNNEL_PSK: TUNNEL.CACHE_TUNNEL_PSK, CACHE_PASSWORD: 'p' };
    assert.equal(cacheMode(resolved), 'psk');
    assert.equal(clientOptions(resolved).host, 'cache.booking-dev.internal');
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      policy.Properties.PolicyDocument.Statement.flatMap(
        (statement: { Action: string | string[] }) => statement.Action,
      ),
    );
    assert.ok(!actions.some((action: string) => action.startsWith('elasticache:')), 'no elasticache:Connect');
    assert.ok(
      !actions.includes('secretsmanager:GetSecretValue'),
      'CloudFormation resolves the secrets, not the function',
    );
  });

  test('neither `cache` nor `tunnel` (or both) is refused with what to give', () => {
    assert.throws(() => queueMetricsTemplate(false), {
      message:
        'QueueMetrics: give either `cache` (ElastiCache, IAM authentication) or `tunnel` (the cache task), not both or neither',
    });
  });
});
